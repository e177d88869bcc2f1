import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { asKey, createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';

/** Headers that differ between two answers for reasons of their own. */
const VARYING = new Set(['date', 'connection', 'keep-alive']);

/**
 * GET /v1/auth/verify is served straight from Fastify (verify-route.ts) for speed. The same
 * route through Nest's handler must answer the same bytes: both apps share one database.
 */
describe('GET /v1/auth/verify served directly and through Nest', () => {
  let direct: TestApp;
  let throughNest: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-verify-'));
    const shared = { SQLITE_PATH: join(dataDir, 'tessera.sqlite'), TESSERA_DATA_DIR: dataDir };
    direct = await createTestApp(shared);
    throughNest = await createTestApp(shared, { directVerifyRoute: false });
    user = await createUser(direct, 'verify-twice');
  });
  afterAll(async () => {
    expect(direct.logs.serverErrors()).toEqual([]);
    expect(throughNest.logs.serverErrors()).toEqual([]);
    await Promise.all([direct.close(), throughNest.close()]);
  });

  async function bothAnswers(headers: Record<string, string>) {
    const ask = (t: TestApp) =>
      request(t.http)
        .get('/v1/auth/verify')
        .set({ ...headers, 'X-Request-Id': 'same-request' })
        .buffer(true)
        .parse((response, done) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          response.on('end', () => done(null, text));
        });
    const answers = await Promise.all([ask(direct), ask(throughNest)]);
    return answers.map((answer) => ({
      status: answer.status,
      body: answer.body as string,
      headers: Object.fromEntries(
        Object.entries(answer.headers).filter(([name]) => !VARYING.has(name)),
      ),
    }));
  }

  it.each([
    ['an API key', async () => asKey((await key()).key)],
    ['a user token', () => Promise.resolve(bearer(user.accessToken))],
    [
      'the instance administrator',
      () =>
        Promise.resolve({ ...bearer(TEST_ADMIN_TOKEN), 'X-Organization-ID': user.organizationId }),
    ],
    ['no credential', () => Promise.resolve({} as Record<string, string>)],
    ['a revoked API key', async () => asKey((await revokedKey()).key)],
  ])('answers the same bytes and headers for %s', async (_label, credential) => {
    const headers = await credential();
    // Twice: the direct route keeps an API key's answer after the first request.
    for (let round = 0; round < 2; round++) {
      const [fromFastify, fromNest] = await bothAnswers(headers);
      expect(fromFastify).toEqual(fromNest);
    }
  });

  const key = () =>
    createApiKey(direct, bearer(user.accessToken), {
      name: 'twice',
      scopes: ['translate:read'],
      environment: 'test',
      expires_in_days: 7,
    });
  async function revokedKey() {
    const created = await key();
    await request(direct.http)
      .delete(`/v1/api-keys/${created.id}`)
      .set(bearer(user.accessToken))
      .expect(204);
    return created;
  }
});
