import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigLocation, configPathOf } from './config-file';

/** A lock older than this was left by a process that died holding it. */
const STALE_AFTER_MS = 30_000;
/** How long a process waits for another's refresh before giving up. */
const WAIT_AT_MOST_MS = 30_000;
const POLL_MS = 25;

/**
 * Runs `work` while holding the configuration file's lock (`<config>.lock`, created exclusively,
 * removed after): so that processes sharing a profile (several `tessera` commands of one script)
 * refresh its session one at a time. Refresh tokens rotate, and a second process spending the one
 * the first already spent makes Tessera revoke the whole session as stolen.
 */
export async function withConfigLock<T>(
  location: ConfigLocation,
  work: () => Promise<T>,
): Promise<T> {
  const lockPath = `${configPathOf(location)}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + WAIT_AT_MOST_MS;
  let descriptor: number | undefined;
  while (descriptor === undefined) {
    try {
      descriptor = openSync(lockPath, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (isStale(lockPath)) removeQuietly(lockPath);
      else if (Date.now() > deadline) {
        throw new Error(`${lockPath} is held by another process: remove it if none is running`);
      } else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
  try {
    return await work();
  } finally {
    closeSync(descriptor);
    removeQuietly(lockPath);
  }
}

function isStale(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > STALE_AFTER_MS;
  } catch {
    return false; // gone meanwhile: the next attempt takes it
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
