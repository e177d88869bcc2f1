import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`); .ci/run installs it when missing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * `describe` when Chromium is installed. Without it, a developer machine skips the suite with a
 * message (Jest counts it as skipped, not passed); in CI (CI=true) the suite fails instead, so
 * a broken setup cannot hide behind a skip.
 */
export function describeWithChromium(name: string, suite: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, suite);
    return;
  }
  const missing = `Chromium is not installed at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI) {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`${missing}: the browser tests cannot run in CI without it`);
      });
    });
    return;
  }
  console.warn(`Skipping "${name}": ${missing}`);
  describe.skip(name, suite);
}

/** Headless Chromium, quiet: no sandbox (containers), GPU, QUIC or background network traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const SCREENSHOTS_DIR = join(__dirname, '..', '..', 'docs', 'screenshots');

/**
 * Writes docs/screenshots/<name>.png when UPDATE_SCREENSHOTS=1: the README shows them, so they
 * are refreshed on purpose and committed, never rewritten by a plain test run (CI would leave the
 * tree dirty with PNGs that differ by a pixel of font rendering).
 */
export async function screenshot(
  page: Page,
  name: string,
  directory = SCREENSHOTS_DIR,
): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: join(directory, `${name}.png`), fullPage: true });
}

/**
 * What the page's Content Security Policy refused (Chromium logs each refusal as a console
 * error): a stylesheet from elsewhere, an inline style or script would show here.
 */
export function cspViolationsOf(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/.test(message.text())) {
      violations.push(message.text());
    }
  });
  return violations;
}
