// Fails the build when the console's JavaScript, gzipped as Tessera serves it, passes its budget.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 250 * 1024;
const assets = join(import.meta.dirname, '..', 'dist', 'assets');
const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'));
let total = 0;
for (const name of scripts) {
  const gzipped = gzipSync(readFileSync(join(assets, name)), { level: 9 }).length;
  total += gzipped;
  console.log(`${name}: ${(gzipped / 1024).toFixed(1)} kB gzipped`);
}
const summary = `console JavaScript: ${(total / 1024).toFixed(1)} kB gzipped (budget ${BUDGET_BYTES / 1024} kB)`;
if (scripts.length === 0) {
  console.error('No JavaScript in console/dist/assets: did vite build run?');
  process.exit(1);
}
if (total > BUDGET_BYTES) {
  console.error(`${summary}: over budget`);
  process.exit(1);
}
console.log(summary);
