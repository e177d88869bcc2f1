import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharedGlobalSetup from '../utils/global-setup';

const SDK = join(__dirname, '..', '..', 'packages', 'sdk');
const BUILT_CLI = join(SDK, 'dist', 'cli', 'main.js');

/**
 * The cli project's global setup: the tests run the built `tessera`, as users do, so the SDK
 * package is built first unless dist/ is newer than every source (CI has just built it; a
 * developer who changed a file gets a fresh build, ~10 s). Then the shared setup.
 */
export default async function globalSetup(): Promise<void> {
  if (isStale()) {
    execFileSync('npm', ['run', 'build', '-w', '@tessera/sdk'], {
      cwd: join(SDK, '..', '..'),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  await sharedGlobalSetup();
}

function isStale(): boolean {
  if (!existsSync(BUILT_CLI)) return true;
  const built = statSync(BUILT_CLI).mtimeMs;
  const sources = [
    join(SDK, 'package.json'),
    join(SDK, 'tsconfig.json'),
    join(SDK, 'tsconfig.build.json'),
    ...filesUnder(join(SDK, 'src')),
  ];
  return sources.some((file) => statSync(file).mtimeMs > built);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
