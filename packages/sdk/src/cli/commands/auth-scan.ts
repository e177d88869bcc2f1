import { Command } from 'commander';
import { CliContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { dataCommand } from '../options';
import { Column, Format } from '../output';
import { FoundKey, findKeysInText } from '../scan/find-keys';
import { filesUnder, readTextFile, SkipReason } from '../scan/files';

/** A key found in a file. */
export interface KeyFinding extends FoundKey {
  file: string;
}

const FINDING_COLUMNS: Column<KeyFinding>[] = [
  { header: 'FILE', value: (finding) => finding.file },
  { header: 'LINE', value: (finding) => finding.line },
  { header: 'COLUMN', value: (finding) => finding.column },
  { header: 'KEY', value: (finding) => finding.masked },
  { header: 'ENV', value: (finding) => finding.environment },
];

const PREFIX_SHAPE = /^[a-z0-9]{1,16}$/;

/**
 * `tessera auth scan PATH...`: a secret scanner for Tessera keys, offline. Reports every key
 * (the published pattern, and a checksum that holds) with its file, line and column, masked to
 * its `start`; exits 4 when it found any, as a failed check, so CI can stop on it.
 */
export function registerScanCommand(auth: Command): void {
  dataCommand(
    auth,
    'scan',
    'find Tessera API keys in files, offline; exit code 4 when any is found',
  )
    .argument('<paths...>', 'files or directories (recursively, without node_modules and .git)')
    .option('--prefix <prefix>', 'only keys of this prefix (TESSERA_KEY_PREFIX; default: any)')
    .addHelpText(
      'after',
      '\nA key is reported when it matches the pattern of /.well-known/tessera/key-pattern and' +
        '\nits checksum holds: a mistyped or made-up key is not. It is shown masked (its start),' +
        '\nnever whole. Binary files, files over 32 MiB and symbolic links are not read.' +
        '\nExit code 0: no key found; 4: keys found; 1: a path that does not exist.',
    )
    .action(
      async (paths: string[], options: { prefix?: string; format: Format }, command: Command) => {
        const context = CliContext.of(command);
        if (options.prefix !== undefined && !PREFIX_SHAPE.test(options.prefix)) {
          throw new CliError('--prefix: 1-16 lowercase letters or digits', EXIT.usage);
        }
        const scan = await scanPaths(paths, options.prefix, (path, reason) =>
          context.out.notice(`tessera: skipped ${path}: ${reason}`),
        );
        context.print(options.format, scan.findings, (rows) => {
          if (rows.length > 0) context.out.table(rows, FINDING_COLUMNS);
        });
        const files = new Set(scan.findings.map((finding) => finding.file)).size;
        const read =
          `${plural(scan.filesRead, 'file')} read` +
          (scan.binaryFiles > 0 ? `, ${plural(scan.binaryFiles, 'binary file')} skipped` : '');
        if (scan.findings.length === 0) {
          context.out.notice(`No Tessera API key found (${read}).`);
          return;
        }
        throw new CliError(
          `${plural(scan.findings.length, 'API key')} found in ${plural(files, 'file')} (${read}): ` +
            'revoke them (tessera auth list-keys shows their start), then remove them',
          EXIT.refused,
        );
      },
    );
}

interface Scan {
  findings: KeyFinding[];
  filesRead: number;
  binaryFiles: number;
}

async function scanPaths(
  paths: string[],
  prefix: string | undefined,
  notice: (path: string, reason: SkipReason) => void,
): Promise<Scan> {
  const scan: Scan = { findings: [], filesRead: 0, binaryFiles: 0 };
  // Binary files are many (images, archives) and hold no text key: counted, not listed.
  const skipped = (path: string, reason: SkipReason) =>
    reason === 'binary' ? scan.binaryFiles++ : notice(path, reason);
  for (const root of paths) {
    let files: AsyncGenerator<string>;
    try {
      files = filesUnder(root, skipped);
      for await (const file of files) {
        const text = await readTextFile(file, skipped);
        if (text === null) continue;
        scan.filesRead++;
        for (const found of findKeysInText(text, prefix)) scan.findings.push({ file, ...found });
      }
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') {
        throw new CliError(`no such file or directory: ${root}`, EXIT.usage);
      }
      throw error;
    }
  }
  return scan;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
