import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  serviceAccountCredential,
  Tessera,
  TesseraError,
  type SessionTokens,
  type TesseraOptions,
  writeProfile,
} from '@tessera/sdk';
import { createApiKey, userWithKey } from '../utils/api-keys';
import { bearer, createUser, TestUser } from '../utils/factories';
import { createListeningApp, ListeningTestApp } from '../utils/listening-app';

/** What went over the wire: one entry per HTTP request the SDK sent. */
interface Sent {
  method: string;
  path: string;
  status: number;
}

/**
 * The SDK against a real Tessera on a real port: each credential kind, typed errors, no retry
 * where a retry cannot help. (Retry-After on a real 429: sdk-retries.sdk-spec.ts.)
 */
describe('@tessera/sdk client', () => {
  let t: ListeningTestApp;
  let user: TestUser;

  /** A client that reads nothing from this machine's environment or ~/.tessera. */
  const client = (options: TesseraOptions, sent: Sent[] = [], requestId?: string) =>
    new Tessera({
      baseUrl: t.url,
      env: {},
      useProfile: false,
      ...options,
      fetch: async (input) => {
        const request = input as Request;
        if (requestId) request.headers.set('x-request-id', requestId);
        const response = await fetch(request);
        const path = new URL(request.url).pathname;
        sent.push({ method: request.method, path, status: response.status });
        return response;
      },
    });

  beforeAll(async () => {
    t = await createListeningApp();
    user = await createUser(t, 'sdk');
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t?.close();
  });

  it('authenticates with an API key and calls the typed client', async () => {
    const key = await createApiKey(t, bearer(user.accessToken), {
      name: 'sdk',
      scopes: ['api_keys:read', 'translate:write'],
    });
    const tessera = client({ apiKey: key.key });

    await expect(tessera.verify()).resolves.toMatchObject({
      principal_type: 'api_key',
      subject: key.id,
      organization_id: user.organizationId,
    });
    const { data } = await tessera.api.GET('/v1/api-keys', { params: { query: { limit: 5 } } });
    expect(data!.data.map((listed) => listed.id)).toContain(key.id);
    const translated = await tessera.api.POST('/v1/translate', {
      body: { text: 'hello', target_language: 'de' },
    });
    expect(translated.response.status).toBe(201);
  });

  it('turns a service account key file into a working token and renews it before expiry', async () => {
    const admin = client({
      session: { accessToken: user.accessToken, refreshToken: user.refreshToken },
    });
    const { data: account } = await admin.api.POST('/v1/service-accounts', {
      body: { name: 'sdk pipeline', scopes: ['translate:write'] },
    });
    const dir = mkdtempSync(join(tmpdir(), 'tessera-sdk-'));
    const keyPath = join(dir, 'key.json');
    writeFileSync(keyPath, JSON.stringify(account!.key_file), { mode: 0o600 });
    chmodSync(keyPath, 0o600);

    let now = Date.now();
    const sent: Sent[] = [];
    const tessera = client(
      { credential: serviceAccountCredential(keyPath, { now: () => now }) },
      sent,
    );
    await expect(tessera.verify()).resolves.toMatchObject({
      principal_type: 'service_account',
      subject: account!.client_id,
      scopes: ['translate:write'],
    });
    await tessera.verify();
    const exchanges = () => sent.filter((s) => s.path === '/oauth/token').length;
    expect(exchanges()).toBe(1); // the token is reused while it is fresh

    now += 3600_000 - 30_000; // within the last minute of the hour the token lasts
    await expect(tessera.verify()).resolves.toMatchObject({ principal_type: 'service_account' });
    expect(exchanges()).toBe(2);
    expect(sent.every((s) => s.status === 200)).toBe(true);
  });

  it('takes the key file from TESSERA_SERVICE_ACCOUNT_KEY and Tessera’s address from it', async () => {
    const admin = client({
      session: { accessToken: user.accessToken, refreshToken: user.refreshToken },
    });
    const { data: account } = await admin.api.POST('/v1/service-accounts', {
      body: { name: 'from env', scopes: ['translate:read'] },
    });
    // No baseUrl: the key file's token_uri names the issuer, which is where this Tessera listens.
    const tessera = new Tessera({
      env: { TESSERA_SERVICE_ACCOUNT_KEY: JSON.stringify(account!.key_file) },
      useProfile: false,
    });
    expect(tessera.credentialSource).toBe('TESSERA_SERVICE_ACCOUNT_KEY');
    expect(tessera.baseUrl).toBe(t.url);
    await expect(tessera.verify()).resolves.toMatchObject({ principal_type: 'service_account' });
  });

  describe('a user session', () => {
    it('refreshes before the access token expires and hands the new tokens to onTokenRefreshed', async () => {
      const someone = await createUser(t, 'session');
      const refreshed: SessionTokens[] = [];
      let now = Date.now();
      const tessera = client({
        session: {
          accessToken: someone.accessToken,
          refreshToken: someone.refreshToken,
          onTokenRefreshed: (tokens) => {
            refreshed.push(tokens);
          },
          now: () => now,
        },
      });
      await expect(tessera.verify()).resolves.toMatchObject({ principal_type: 'user' });
      expect(refreshed).toHaveLength(0);

      now += 3600_000; // the access token's hour is over
      await expect(tessera.verify()).resolves.toMatchObject({ subject: someone.userId });
      expect(refreshed).toHaveLength(1);
      expect(refreshed[0].refresh_token).not.toBe(someone.refreshToken);

      // The refresh token was rotated: the old one is spent (and reusing it ends the session).
      const reused = client({}).api.POST('/v1/auth/refresh', {
        body: { refresh_token: someone.refreshToken },
      });
      await expect(reused).rejects.toMatchObject({ status: 401 });
    });

    it('refreshes once after a 401 and sends the request again', async () => {
      const someone = await createUser(t, 'session-401');
      const sent: Sent[] = [];
      const refreshed: SessionTokens[] = [];
      const tessera = client(
        {
          session: {
            // Logged out elsewhere: this access token is refused, the refresh token still works.
            accessToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
            refreshToken: someone.refreshToken,
            onTokenRefreshed: (tokens) => {
              refreshed.push(tokens);
            },
          },
        },
        sent,
      );
      await expect(tessera.verify()).resolves.toMatchObject({ subject: someone.userId });
      expect(sent.map((s) => `${s.path} ${s.status}`)).toEqual([
        '/v1/auth/verify 401',
        '/v1/auth/refresh 200',
        '/v1/auth/verify 200',
      ]);
      expect(refreshed).toHaveLength(1);
    });
  });

  describe('refusals', () => {
    it('are TesseraErrors with the detail, code and request id, sent once (no retry on 4xx)', async () => {
      const { key } = await userWithKey(t, 'refusals', {
        scopes: ['translate:read', 'api_keys:read'],
      });
      const cases: [TesseraOptions, (tessera: Tessera) => Promise<unknown>, number, string][] = [
        [
          { apiKey: 'tk_live_unknownunknownunknownunknown000000' },
          (tessera) => tessera.verify(),
          401,
          'Invalid or expired token',
        ],
        [
          { apiKey: key.key },
          (tessera) =>
            tessera.api.POST('/v1/translate', { body: { text: 'x', target_language: 'de' } }),
          403,
          'Missing scope: translate:write',
        ],
        [
          { apiKey: key.key },
          (tessera) =>
            tessera.api.GET('/v1/api-keys/{id}', {
              params: { path: { id: 'key_00000000000000000000000000000000' } },
            }),
          404,
          'API key not found',
        ],
        [
          { apiKey: key.key, organizationId: 'not-a-uuid' },
          (tessera) => tessera.verify(),
          400,
          'X-Organization-ID must be an organization id (a UUID)',
        ],
      ];
      for (const [options, call, status, detail] of cases) {
        const sent: Sent[] = [];
        const requestId = `sdk-${status}-${Date.now()}`;
        const error = await call(client(options, sent, requestId)).catch(
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(TesseraError);
        expect(error).toMatchObject({ status, detail, requestId });
        expect((error as TesseraError).message).toContain(requestId);
        expect(sent).toHaveLength(1);
      }
    });

    it('carry the OAuth error and description of /oauth/* answers', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const stranger = serviceAccountCredential({
        type: 'service_account',
        organization_id: user.organizationId,
        service_account_id: 'sa_00000000000000000000000000000000',
        client_id: 'sa_00000000000000000000000000000000',
        private_key_id: 'sak_00000000000000000000000000000000',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        token_uri: `${t.url}/oauth/token`,
      });
      const error = await client({ credential: stranger })
        .verify()
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TesseraError);
      expect(error).toMatchObject({
        status: 400,
        error: 'invalid_client',
        detail: expect.stringContaining('Unknown service account'),
        requestId: expect.any(String),
      });
    });
  });
});

/**
 * A server (or a proxy) that answers 307 or 308: fetch would follow it, body and all, to wherever
 * the answer names. Two servers on loopback: the "Tessera" that redirects and the other side.
 */
describe('@tessera/sdk and redirects', () => {
  it('follows none: a password sent to login never reaches the address a 307 names', async () => {
    const { createServer } = await import('node:http');
    const received: string[] = [];
    const elsewhere = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(`${request.method} ${request.url} ${body}`);
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const elsewherePort = (elsewhere.address() as { port: number }).port;
    const redirecting = createServer((_request, response) => {
      response.writeHead(307, { location: `http://127.0.0.1:${elsewherePort}/collect` });
      response.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const port = (redirecting.address() as { port: number }).port;
    try {
      const tessera = new Tessera({
        baseUrl: `http://127.0.0.1:${port}`,
        env: {},
        useProfile: false,
      });
      await expect(
        tessera.login({ email: 'ada@example.com', password: 'correct horse battery' }),
      ).rejects.toThrow();
      expect(received).toEqual([]);
    } finally {
      await new Promise((resolve) => redirecting.close(resolve));
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });
});

/**
 * Two clients of one profile (two `tessera` commands of a script) whose access token has expired:
 * each must not spend the profile's refresh token, or Tessera takes the second for a thief's and
 * revokes the session.
 */
describe('@tessera/sdk clients sharing a profile', () => {
  let t: ListeningTestApp;
  beforeAll(async () => {
    t = await createListeningApp();
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t?.close();
  });

  it('refresh its session one at a time, the second taking up the tokens the first stored', async () => {
    const user = await createUser(t, 'sdk-shared-profile');
    const configPath = join(mkdtempSync(join(tmpdir(), 'tessera-sdk-profile-')), 'config');
    writeProfile(
      {
        url: t.url,
        // Refused as an expired one would be: both clients refresh.
        access_token: 'eyJhbGciOiJSUzI1NiJ9.e30.refused',
        refresh_token: user.refreshToken,
      },
      { configPath, env: {} },
    );
    const clients = [1, 2].map(() => new Tessera({ configPath, env: {} }));
    const answers = await Promise.all(clients.map((client) => client.verify()));
    expect(answers.map((answer) => answer.subject)).toEqual([user.userId, user.userId]);
    // The session lives on: the stored tokens work, and nothing was left locked.
    await expect(new Tessera({ configPath, env: {} }).verify()).resolves.toMatchObject({
      subject: user.userId,
    });
    expect(readdirSync(dirname(configPath))).toEqual(['config']);
  });

  it('send a profile’s credential nowhere when the profile does not say where it belongs', () => {
    const configPath = join(mkdtempSync(join(tmpdir(), 'tessera-sdk-profile-')), 'config');
    writeProfile({ api_key: 'tk_live_00000000000000000000000000000000AAAAAA' }, { configPath });
    expect(
      () => new Tessera({ configPath, env: { TESSERA_URL: 'https://elsewhere.example' } }),
    ).toThrow(/has no url/);
  });
});
