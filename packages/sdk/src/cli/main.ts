#!/usr/bin/env node
import { CommanderError } from 'commander';
import { CliContext } from './context';
import { describeFailure, EXIT } from './exit-codes';
import { createProgram } from './program';

/**
 * `tessera`: parses the command line, runs the command, and exits with a code scripts can rely
 * on (program.ts, "Exit codes"); a failure is one line on stderr with the server's detail and
 * request id.
 */
async function main(argv: string[]): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('../../package.json') as { version: string };
  const program = createProgram(version).exitOverride();
  for (const command of program.commands) applyToTree(command, (each) => each.exitOverride());
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; a usage error was already printed.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const context = (program as { cliContext?: CliContext }).cliContext;
    const { line, exitCode } = describeFailure(error, safeBaseUrl(context));
    process.stderr.write(`tessera: ${line}\n`);
    return exitCode;
  } finally {
    (program as { cliContext?: CliContext }).cliContext?.prompter.close();
  }
}

function applyToTree(
  command: ReturnType<typeof createProgram>,
  apply: (command: ReturnType<typeof createProgram>) => void,
): void {
  apply(command);
  for (const child of command.commands) applyToTree(child, apply);
}

function safeBaseUrl(context: CliContext | undefined): string | undefined {
  try {
    return context?.baseUrl;
  } catch {
    return undefined;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tessera: ${String(error)}\n`);
    process.exitCode = EXIT.usage;
  },
);
