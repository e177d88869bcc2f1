import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { buildApiDocs, OPENAPI_JSON } from '../../scripts/docs/build-api-docs';
import { describeWithChromium, launchChromium } from './chromium';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * `npm run docs`: the static API reference renders every operation of the OpenAPI document in
 * Chromium from file://, with every request that is not a local file refused: it works offline
 * and loads nothing from elsewhere.
 */
describeWithChromium('the static API reference (npm run docs)', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('renders every operation offline, asking nothing of the network', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tessera-api-docs-'));
    buildApiDocs(out);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).not.toMatch(/(src|href)="(https?:)?\/\//);
    const document = JSON.parse(readFileSync(OPENAPI_JSON, 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(document.paths).flatMap((item) =>
      Object.keys(item).filter((key) => HTTP_METHODS.includes(key)),
    );

    const page = await browser.newPage();
    const remote: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      remote.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(out, 'index.html')).href);
    await page.waitForSelector('.opblock');
    expect(await page.locator('.opblock').count()).toBe(operations.length);
    await expect(page.locator('.info .title').textContent()).resolves.toMatch(/Tessera/);
    expect(remote).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
