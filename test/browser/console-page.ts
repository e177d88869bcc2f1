import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { screenshot } from './chromium';

const REPO = join(__dirname, '..', '..');
export const CONSOLE_DIST = join(REPO, 'console', 'dist');
const CONSOLE_SCREENSHOTS = join(REPO, 'docs', 'console');

/** The console must be built (`npm run build` builds it; CI builds before it tests). */
export function assertConsoleBuilt(): void {
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) {
    throw new Error(
      'The console is not built: run `npm run build -w @tessera/console` (or `npm run build`) first',
    );
  }
}

/** docs/console/<name>.png when UPDATE_SCREENSHOTS=1 (the README shows them). */
export function consoleScreenshot(page: Page, name: string): Promise<void> {
  return screenshot(page, name, CONSOLE_SCREENSHOTS);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The serious and critical accessibility violations axe-core finds on the page as it is now.
 * axe runs through the DevTools protocol (page.evaluate), which the page's CSP does not govern:
 * the page itself still allows no inline script.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate('typeof window.axe !== "undefined"');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    'window.axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
}
