import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ConfigLocation, configPathOf } from './config-file';

/** A lock this old is taken for abandoned even if its process seems alive (a reused pid). */
const ABANDONED_AFTER_MS = 5 * 60_000;
/** How long a process waits for another's refresh before giving up. */
const WAIT_AT_MOST_MS = 60_000;
const POLL_MS = 25;

/**
 * Runs `work` while holding the configuration file's lock (`<config>.lock`, created exclusively,
 * holding its owner's host, pid and a random token, removed after): so that processes sharing a
 * profile (several `tessera` commands of one script) refresh its session one at a time. Refresh
 * tokens rotate, and a second process spending the one the first already spent makes Tessera
 * revoke the whole session as stolen. A lock whose process is gone (killed mid-refresh) is
 * taken over at once; only its owner removes a lock.
 */
export async function withConfigLock<T>(
  location: ConfigLocation,
  work: () => Promise<T>,
): Promise<T> {
  const lockPath = `${configPathOf(location)}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 });
  const owner = `${hostname()} ${process.pid} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + WAIT_AT_MOST_MS;
  while (!tryToTake(lockPath, owner)) {
    const held = readQuietly(lockPath);
    if (held !== null && isAbandoned(lockPath, held)) {
      removeIfStill(lockPath, held);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`${lockPath} is held by another process: remove it if none is running`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await work();
  } finally {
    removeIfStill(lockPath, owner);
  }
}

function tryToTake(path: string, owner: string): boolean {
  let descriptor: number;
  try {
    descriptor = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(descriptor, owner);
  } finally {
    closeSync(descriptor);
  }
  return true;
}

/** Its process (on this host) is gone, or it is older than any refresh takes. */
function isAbandoned(path: string, held: string): boolean {
  const [host, pid] = held.split(' ');
  if (host === hostname() && Number(pid) > 0 && !isRunning(Number(pid))) return true;
  try {
    return Date.now() - statSync(path).mtimeMs > ABANDONED_AFTER_MS;
  } catch {
    return false; // gone meanwhile: the next attempt takes it
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the lock only if it still holds `owner`: moved aside first (atomic), then checked, so a
 * lock another process took meanwhile is put back rather than removed.
 */
function removeIfStill(path: string, owner: string): void {
  if (readQuietly(path) !== owner) return;
  const aside = `${path}.${randomBytes(8).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // gone meanwhile
  }
  if (readQuietly(aside) === owner) {
    unlinkQuietly(aside);
    return;
  }
  // Another process's lock, taken between the read and the move: back where it was (link fails
  // rather than replace a newer one that took the place meanwhile).
  try {
    linkSync(aside, path);
  } catch {
    // A newer lock holds the place.
  }
  unlinkQuietly(aside);
}

function readQuietly(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
