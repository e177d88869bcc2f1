import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { ResourceServerModule } from '../../examples/resource-server/src/app.module';
import { createApiKey, asKey } from '../utils/api-keys';
import { bearer, createUser, TestUser } from '../utils/factories';
import { createListeningApp, ListeningTestApp } from '../utils/listening-app';
import { createServiceAccount, serviceAccountToken } from '../utils/service-accounts';

const CACHE_TTL_MS = 10_000;
const TRANSLATION = { text: 'hello', target_language: 'de' };

/**
 * The example resource server (examples/resource-server, on @tessera/sdk/nest) against a real
 * Tessera: the same credentials pass and fail there as on Tessera's own POST /v1/translate,
 * with the same answers.
 */
describe('the resource-server kit (examples/resource-server)', () => {
  let tessera: ListeningTestApp;
  let server: NestFastifyApplication;
  let user: TestUser;
  /** The kit's clock, for its API key cache: moved by the test instead of waiting. */
  let now = Date.now();

  beforeAll(async () => {
    tessera = await createListeningApp();
    server = await NestFactory.create<NestFastifyApplication>(
      ResourceServerModule.forTessera({
        issuer: tessera.url,
        apiKeyCacheTtlMs: CACHE_TTL_MS,
        now: () => now,
      }),
      new FastifyAdapter(),
      { logger: false },
    );
    await server.init();
    await server.getHttpAdapter().getInstance().ready();
    user = await createUser(tessera, 'resource');
  });

  afterAll(async () => {
    await server?.close();
    expect(tessera.logs.serverErrors()).toEqual([]);
    await tessera?.close();
  });

  const translate = (headers: Record<string, string>) =>
    request(server.getHttpServer()).post('/translate').set(headers).send(TRANSLATION);
  /** Tessera's own route that needs the same scope. */
  const tesseraTranslate = (headers: Record<string, string>) =>
    request(tessera.http).post('/v1/translate').set(headers).send(TRANSLATION);

  it('lets a user’s access token through, verified offline against the JWKS', async () => {
    const response = await translate(bearer(user.accessToken)).expect(201);
    expect(response.body.caller).toEqual({
      type: 'user',
      subject: user.userId,
      verified_by: 'jwks',
    });
  });

  it('lets a service account’s OAuth access token through', async () => {
    const account = await createServiceAccount(tessera, bearer(user.accessToken));
    const token = await serviceAccountToken(tessera, account.keyFile, { scope: 'translate:write' });
    const response = await translate(bearer(token)).expect(201);
    expect(response.body.caller).toMatchObject({ type: 'service_account', verified_by: 'jwks' });
  });

  it('lets an API key through, verified by Tessera', async () => {
    const { key, id } = await createApiKey(tessera, bearer(user.accessToken), {
      name: 'resource server',
      scopes: ['translate:write'],
    });
    const response = await translate(asKey(key)).expect(201);
    expect(response.body.caller).toEqual({ type: 'api_key', subject: id, verified_by: 'tessera' });
  });

  it('answers a missing scope with Tessera’s 403, for a token and for a key', async () => {
    const account = await createServiceAccount(tessera, bearer(user.accessToken));
    const token = await serviceAccountToken(tessera, account.keyFile, { scope: 'translate:read' });
    const { key } = await createApiKey(tessera, bearer(user.accessToken), {
      name: 'read only',
      scopes: ['translate:read'],
    });
    for (const headers of [bearer(token), asKey(key)]) {
      const ours = await translate(headers).expect(403);
      const theirs = await tesseraTranslate(headers).expect(403);
      expect(ours.body).toEqual({
        detail: 'Missing scope: translate:write',
        code: 'missing_scope',
      });
      expect(ours.body).toEqual(theirs.body);
    }
  });

  it('answers no credential, a forged token and a made-up key with Tessera’s 401s', async () => {
    // Its signature's first character changed: 'AAAA' for its last four left the token as it
    // was once in a million (those four ended in it, bar two padding bits decoders ignore).
    const [header, payload, signature] = user.accessToken.split('.');
    const forged = `${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const madeUp = 'tk_live_0000000000000000000000000000000000000';
    for (const headers of [{}, bearer(forged), asKey(madeUp), bearer('not-a-credential')]) {
      const ours = await translate(headers).expect(401);
      const theirs = await tesseraTranslate(headers).expect(401);
      expect(ours.body).toEqual(theirs.body);
    }
  });

  it('refuses a revoked key once its cached answer is older than apiKeyCacheTtlMs', async () => {
    const { key, id } = await createApiKey(tessera, bearer(user.accessToken), {
      name: 'to revoke',
      scopes: ['translate:write'],
    });
    await translate(asKey(key)).expect(201);
    await request(tessera.http)
      .delete(`/v1/api-keys/${id}`)
      .set(bearer(user.accessToken))
      .expect(204);
    const theirs = await tesseraTranslate(asKey(key)).expect(401);

    // Within the documented cache time the kit may still answer from its cache...
    now += CACHE_TTL_MS - 1;
    await translate(asKey(key)).expect(201);
    // ...and once it is over, Tessera's refusal is the kit's.
    now += 2;
    const ours = await translate(asKey(key)).expect(401);
    expect(ours.body).toEqual(theirs.body);
    expect(ours.body.detail).toMatch(/revoked/i);
  });

  it('leaves @Public() routes open', async () => {
    await request(server.getHttpServer()).get('/health').expect(200, { status: 'ok' });
  });
});
