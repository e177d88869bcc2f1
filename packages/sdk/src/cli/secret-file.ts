import { closeSync, fchmodSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, EXIT } from './exit-codes';

/** Only the owner reads a file that holds a private key. */
export const SECRET_FILE_MODE = 0o600;

/**
 * A file for a secret Tessera shows once (a key file): created before the request, so that a
 * path that cannot be written (it exists, no such folder) fails before the secret is made and
 * lost; mode 0600 from its first byte; never overwritten.
 */
export class SecretFile {
  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  static reserve(path: string): SecretFile {
    const absolute = resolve(path);
    try {
      const fd = openSync(absolute, 'wx', SECRET_FILE_MODE);
      fchmodSync(fd, SECRET_FILE_MODE); // the umask may have narrowed it; never wider
      return new SecretFile(absolute, fd);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'EEXIST' ? 'it exists (it is never overwritten)' : code;
      throw new CliError(`cannot write ${absolute}: ${why}`, EXIT.usage);
    }
  }

  write(text: string): void {
    writeSync(this.fd, text);
    closeSync(this.fd);
  }

  /** The request failed: no empty file is left behind. */
  abandon(): void {
    closeSync(this.fd);
    unlinkSync(this.path);
  }

  /** Runs `create` and writes what it returns; removes the file if it fails. */
  static async writeOnce<T>(
    path: string,
    create: () => Promise<T>,
    contentOf: (created: T) => unknown,
  ): Promise<{ created: T; path: string }> {
    const file = SecretFile.reserve(path);
    let created: T;
    try {
      created = await create();
    } catch (error) {
      file.abandon();
      throw error;
    }
    file.write(`${JSON.stringify(contentOf(created), null, 2)}\n`);
    return { created, path: file.path };
  }
}
