#!/usr/bin/env node
// The `tessera` command: a stable file for npm to link at install time (dist/ exists only once
// the package is built), running the built CLI.
try {
  require.resolve('../dist/cli/main.js');
} catch {
  process.stderr.write('tessera: not built yet: run `npm run build` (in packages/sdk or the repository)\n');
  process.exit(1);
}
require('../dist/cli/main.js');
