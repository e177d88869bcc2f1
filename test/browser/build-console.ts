import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharedGlobalSetup from '../utils/global-setup';

const REPO = join(__dirname, '..', '..');
const BUILT_CONSOLE = join(REPO, 'console', 'dist', 'index.html');
const SOURCES = [join(REPO, 'console', 'src'), join(REPO, 'packages', 'sdk', 'src')];

/**
 * The browser project's global setup: the console's tests drive the built console, so it is
 * built first when missing or older than its sources (CI has just built it; after a fresh
 * `npm install`, `npm test` builds it here, ~20 s). Then the shared setup.
 */
export default async function globalSetup(): Promise<void> {
  if (isStale()) {
    execFileSync('npm', ['run', 'build', '-w', '@tessera/console'], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  await sharedGlobalSetup();
}

function isStale(): boolean {
  if (!existsSync(BUILT_CONSOLE)) return true;
  const built = statSync(BUILT_CONSOLE).mtimeMs;
  return SOURCES.flatMap(filesUnder).some((file) => statSync(file).mtimeMs > built);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
