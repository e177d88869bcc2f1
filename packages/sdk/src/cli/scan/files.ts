import { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Directories never entered: dependencies and Git's own objects (packed, so nothing to read). */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git']);
/** Larger files are skipped, with a notice. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;
/** A NUL byte among a file's first bytes makes it binary, as Git decides. */
const BINARY_SNIFF_BYTES = 8000;

/** Why a file was not read. */
export type SkipReason = 'binary' | 'too large' | `unreadable (${string})`;

export type SkippedFile = (path: string, reason: SkipReason) => void;

/**
 * The files under `root` (itself when it is a file), in name order, directories recursively but
 * for node_modules and .git. Symbolic links inside are not followed (a link to a parent would
 * never end), nor sockets or devices read. A directory that cannot be listed is reported skipped.
 */
export async function* filesUnder(root: string, skipped: SkippedFile): AsyncGenerator<string> {
  if (!(await stat(root)).isDirectory()) {
    yield root;
    return;
  }
  yield* walk(root, skipped);
}

async function* walk(directory: string, skipped: SkippedFile): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    skipped(directory, `unreadable (${codeOf(error)})`);
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) yield* walk(path, skipped);
    } else if (entry.isFile()) {
      yield path;
    }
  }
}

/** The file's text, or null (reported skipped) when it is binary, too large or unreadable. */
export async function readTextFile(path: string, skipped: SkippedFile): Promise<string | null> {
  let content: Buffer;
  try {
    if ((await stat(path)).size > MAX_FILE_BYTES) {
      skipped(path, 'too large');
      return null;
    }
    content = await readFile(path);
  } catch (error) {
    skipped(path, `unreadable (${codeOf(error)})`);
    return null;
  }
  if (content.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
    skipped(path, 'binary');
    return null;
  }
  return content.toString('utf8');
}

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? String(error);
}
