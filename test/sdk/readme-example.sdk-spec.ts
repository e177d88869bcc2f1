import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApiKey } from '../utils/api-keys';
import { bearer, createUser } from '../utils/factories';
import { createListeningApp, ListeningTestApp } from '../utils/listening-app';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = readFileSync(join(ROOT, 'examples', 'sdk-quickstart.ts'), 'utf8');

/** The SDK example of the README is examples/sdk-quickstart.ts, verbatim, and it runs. */
describe('the README’s SDK example', () => {
  let t: ListeningTestApp;
  const saved = { url: process.env.TESSERA_URL, key: process.env.TESSERA_API_KEY };

  beforeAll(async () => {
    t = await createListeningApp();
  });

  afterAll(async () => {
    process.env.TESSERA_URL = saved.url;
    process.env.TESSERA_API_KEY = saved.key;
    if (saved.url === undefined) delete process.env.TESSERA_URL;
    if (saved.key === undefined) delete process.env.TESSERA_API_KEY;
    expect(t.logs.serverErrors()).toEqual([]);
    await t?.close();
  });

  it('is in README.md as it is in examples/sdk-quickstart.ts', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('```ts\n' + EXAMPLE + '```');
  });

  it('runs against a real Tessera with the credential from the environment', async () => {
    const user = await createUser(t, 'readme');
    const { key } = await createApiKey(t, bearer(user.accessToken), {
      name: 'readme',
      scopes: ['api_keys:write', 'api_keys:read', 'translate:read'],
    });
    process.env.TESSERA_URL = t.url;
    process.env.TESSERA_API_KEY = key;
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      // Imported once the environment names this Tessera: the example reads it.
      const { main } = await import('../../examples/sdk-quickstart');
      const outcome = await main();
      expect(outcome?.key.start).toMatch(/^tk_test_/);
      expect(outcome?.error).toMatchObject({ status: 404, detail: 'API key not found' });
      expect(log.mock.calls.map((call) => call.join(' '))).toEqual([
        expect.stringMatching(new RegExp(`^api_key key_\\w+ in ${user.organizationId}$`)),
        expect.stringMatching(/^tk_test_\w{4} true$/),
        expect.stringMatching(/^404 API key not found \S+$/),
      ]);
    } finally {
      log.mockRestore();
    }
  });
});
