import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built `tessera` (packages/sdk's bin); the cli project's global setup builds it when stale. */
export const CLI_PATH = join(__dirname, '..', '..', 'packages', 'sdk', 'dist', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  /** Lines typed at the prompts (standard input is a pipe, closed after them). */
  input?: string;
  /** Added to the subprocess's environment (which has none of this process's TESSERA_*). */
  env?: Record<string, string | undefined>;
}

/** A home folder of its own: ~/.tessera/config lives there. */
export const tempHome = (): string => mkdtempSync(join(tmpdir(), 'tessera-cli-home-'));

/**
 * Runs the built CLI as a subprocess, asynchronously: the Tessera it talks to listens in this
 * process, so a synchronous spawn would block the very server it waits for.
 */
export function runCli(home: string, args: string[], run: CliRun = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      env: { PATH: process.env.PATH, HOME: home, ...run.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(run.input ?? '');
  });
}

/** `--format json` output, parsed (one document). */
export function jsonOf<T = unknown>(result: CliResult): T {
  if (result.code !== 0) {
    throw new Error(`tessera exited ${result.code}: ${result.stderr || result.stdout}`);
  }
  return JSON.parse(result.stdout) as T;
}
