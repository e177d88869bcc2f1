import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { decodeProtectedHeader, SignJWT } from 'jose';
import request from 'supertest';
import { Clock } from '../../src/common/time/clock';
import { createApiKey } from '../utils/api-keys';
import { twoInstances } from '../utils/cluster';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { ownDatabase } from '../utils/own-database';
import { describeWithSharedRedis, TEST_REDIS_URL, waitFor } from '../utils/redis';
import {
  createServiceAccount,
  exchange,
  JWT_BEARER,
  KeyFile,
  serviceAccountToken,
  signAssertion,
  TestServiceAccount,
} from '../utils/service-accounts';
import { createTeam } from '../utils/teams';
import { RunningClock, TestClock } from '../utils/test-clock';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';
import { basicAuth, registerClient, TestClient } from '../utils/oauth';
import { RedisConnections } from '../../src/common/cluster/redis-connections';

const DAY_MS = 86_400_000;
const ISSUER = 'http://tessera.test';

/** The account's public key as PEM, as anyone who listed its keys could rebuild it. */
const publicPemOf = (keyFile: KeyFile) =>
  createPublicKey(keyFile.private_key).export({ type: 'spki', format: 'pem' }) as string;

interface AuditEvent {
  action: string;
  outcome: string;
  actor: { type: string; id: string | null };
  metadata: Record<string, unknown>;
}

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The RFC 6749 error of a refused exchange; it carries no token. */
async function refusal(
  answer: request.Test,
): Promise<{ status: number; error: string; description: string }> {
  const response = await answer;
  expect(response.body.access_token).toBeUndefined();
  expect(Object.keys(response.body).sort()).toEqual(['error', 'error_description']);
  return {
    status: response.status,
    error: response.body.error,
    description: response.body.error_description,
  };
}

describe('service accounts, their key files and the JWT bearer grant', () => {
  let t: TestApp;
  let clock: RunningClock;
  let owner: TestUser;
  let stranger: TestUser;
  let asOwner: Record<string, string>;
  let account: TestServiceAccount;

  beforeAll(async () => {
    clock = new RunningClock();
    // Of its own: the clock moves a day on for a while, by which the app's OAuth pruning job
    // would delete every other suite's authorization codes.
    // A window for counted tokens no test outlasts, however slow the machine.
    t = await createTestApp(
      { ...ownDatabase('service_accounts'), AUDIT_MACHINE_TOKEN_WINDOW_SECONDS: '600' },
      { clock },
    );
    owner = await createUser(t, 'sa-owner');
    stranger = await createUser(t, 'sa-stranger');
    asOwner = bearer(owner.accessToken);
    account = await createServiceAccount(t, asOwner, {
      name: 'deploy pipeline',
      description: 'Deploys the translation service',
      scopes: ['translate:write', 'translate:read', 'api_keys:write', 'api_keys:read'],
    });
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const accountPath = (id: string) => `/v1/service-accounts/${id}`;
  const verify = (token: string) => request(t.http).get('/v1/auth/verify').set(bearer(token));

  describe('accounts and key files', () => {
    it('answers the key file once, with the private key as PKCS#8 PEM, and keeps only the public key', async () => {
      const response = await request(t.http)
        .post('/v1/service-accounts')
        .set(asOwner)
        .send({ name: 'ci', description: 'CI', scopes: ['translate:read'] })
        .expect(201);
      expect(response.headers['cache-control']).toBe('no-store');
      const created = response.body;
      expect(created).toEqual({
        id: expect.stringMatching(/^sa_[0-9a-f]{32}$/),
        name: 'ci',
        description: 'CI',
        scopes: ['translate:read'],
        client_id: created.id,
        organization_id: owner.organizationId,
        disabled: false,
        disabled_at: null,
        created: expect.any(String),
        updated: expect.any(String),
        key_file: {
          type: 'service_account',
          organization_id: owner.organizationId,
          service_account_id: created.id,
          client_id: created.id,
          private_key_id: expect.stringMatching(/^sak_[0-9a-f]{32}$/),
          private_key: expect.stringMatching(
            /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/,
          ),
          token_uri: `${ISSUER}/oauth/token`,
        },
      });
      expect(createPublicKey(created.key_file.private_key).asymmetricKeyDetails).toMatchObject({
        modulusLength: 2048,
      });

      // Never again: not on reading the account, nor in its keys, nor in the audit log.
      const read = await request(t.http).get(accountPath(created.id)).set(asOwner).expect(200);
      const { key_file: _keyFile, ...account } = created;
      expect(read.body).toEqual(account);
      const keys = await request(t.http)
        .get(`${accountPath(created.id)}/keys`)
        .set(asOwner)
        .expect(200);
      expect(keys.body).toEqual({
        data: [
          {
            private_key_id: created.key_file.private_key_id,
            service_account_id: created.id,
            algorithm: 'RS256',
            origin: 'generated',
            created: expect.any(String),
            expires: expect.any(String),
            last_used: null,
            revoked_at: null,
            status: 'active',
          },
        ],
        has_more: false,
      });
      const key = keys.body.data[0];
      expect(Date.parse(key.expires) - Date.parse(key.created)).toBe(90 * DAY_MS);
      const everything = JSON.stringify([read.body, keys.body, await auditOf(created.id, 2)]);
      expect(everything).not.toContain('PRIVATE KEY');
      expect(everything).not.toContain(created.key_file.private_key.split('\n')[1]);
    });

    it('makes an ES256 key on request', async () => {
      const es = await createServiceAccount(t, asOwner, { algorithm: 'ES256' });
      expect(createPublicKey(es.keyFile.private_key).asymmetricKeyType).toBe('ec');
      const token = await serviceAccountToken(t, es.keyFile, { alg: 'ES256' });
      await verify(token).expect(200);
    });

    it('lists accounts newest first with pagination, in the caller’s organization only', async () => {
      const team = await createTeam(t);
      const made = [];
      for (const name of ['one', 'two', 'three']) {
        made.push(await createServiceAccount(t, team.inOrg(team.owner), { name }));
      }
      const first = await request(t.http)
        .get('/v1/service-accounts?limit=2')
        .set(team.inOrg(team.owner))
        .expect(200);
      expect(first.body.data.map((a: { name: string }) => a.name)).toEqual(['three', 'two']);
      expect(first.body.has_more).toBe(true);
      const rest = await request(t.http)
        .get(`/v1/service-accounts?limit=2&starting_after=${first.body.data[1].id}`)
        .set(team.inOrg(team.owner))
        .expect(200);
      expect(rest.body).toEqual({
        data: [expect.objectContaining({ id: made[0].id })],
        has_more: false,
      });
    });

    it('refuses scopes the creator lacks (403) and unknown scopes (422)', async () => {
      const narrow = await createApiKey(t, asOwner, {
        name: 'narrow',
        scopes: ['service_accounts:write', 'translate:read'],
      });
      const refused = await request(t.http)
        .post('/v1/service-accounts')
        .set({ 'X-API-Key': narrow.key })
        .send({ name: 'wide', scopes: ['translate:read', 'translate:write'] })
        .expect(403);
      expect(refused.body.detail).toBe('Cannot grant scopes you do not have: translate:write');
      await request(t.http)
        .post('/v1/service-accounts')
        .set({ 'X-API-Key': narrow.key })
        .send({ name: 'fine', scopes: ['translate:read'] })
        .expect(201);
      const unknown = await request(t.http)
        .post('/v1/service-accounts')
        .set(asOwner)
        .send({ name: 'x', scopes: ['translate:read', 'weather:read'] })
        .expect(422);
      expect(unknown.body.detail).toEqual([
        {
          loc: ['body', 'scopes', 1],
          msg: 'unknown scope: weather:read',
          type: 'value_error.scope',
        },
      ]);
    });

    it('lets every member read accounts and only owners and admins change them', async () => {
      const team = await createTeam(t);
      const own = await createServiceAccount(t, team.inOrg(team.owner));
      for (const role of ['member', 'viewer'] as const) {
        const headers = team.inOrg(team.members[role]);
        await request(t.http).get(accountPath(own.id)).set(headers).expect(200);
        await request(t.http)
          .get(`${accountPath(own.id)}/keys`)
          .set(headers)
          .expect(200);
        const refused = await request(t.http)
          .post('/v1/service-accounts')
          .set(headers)
          .send({ name: 'x', scopes: ['translate:read'] })
          .expect(403);
        expect(refused.body.detail).toBe('Missing permission: service_accounts.write');
        await request(t.http).delete(accountPath(own.id)).set(headers).expect(403);
      }
      await request(t.http)
        .patch(accountPath(own.id))
        .set(team.inOrg(team.members.admin))
        .send({ description: 'by the admin' })
        .expect(200);
    });

    it('renames, describes and narrows an account, but never widens it', async () => {
      const own = await createServiceAccount(t, asOwner, {
        scopes: ['translate:read', 'translate:write'],
      });
      const updated = await request(t.http)
        .patch(accountPath(own.id))
        .set(asOwner)
        .send({ name: 'renamed', description: 'now described', scopes: ['translate:read'] })
        .expect(200);
      expect(updated.body).toMatchObject({
        name: 'renamed',
        description: 'now described',
        scopes: ['translate:read'],
      });
      const widened = await request(t.http)
        .patch(accountPath(own.id))
        .set(asOwner)
        .send({ scopes: ['translate:read', 'translate:write'] })
        .expect(403);
      expect(widened.body.detail).toBe(
        'Scopes can only be narrowed; create a new service account for wider access',
      );
    });
  });

  describe('the JWT bearer grant', () => {
    it('exchanges an assertion signed with jose from the key file for a token that works on /v1', async () => {
      const assertion = await signAssertion(account.keyFile);
      const response = await exchange(t, assertion).expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'translate:write translate:read api_keys:write api_keys:read',
      });
      const token = response.body.access_token as string;
      expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });

      const verified = await verify(token).expect(200);
      expect(verified.body).toEqual({
        authenticated: true,
        principal_type: 'service_account',
        subject: account.id,
        organization_id: owner.organizationId,
        scopes: ['translate:write', 'translate:read', 'api_keys:write', 'api_keys:read'],
        expires_at: expect.any(String),
      });
      const translated = await request(t.http)
        .post('/v1/translate')
        .set(bearer(token))
        .send({ text: 'Hello', target_language: 'de' })
        .expect(201);
      expect(translated.body).toMatchObject({ target_language: 'de' });
      const denied = await request(t.http).get('/v1/models').set(bearer(token)).expect(403);
      expect(denied.body.detail).toBe('Missing scope: models:read');

      // Written off the request, at most once a minute per key.
      await waitFor(async () => {
        const keys = await request(t.http)
          .get(`${accountPath(account.id)}/keys`)
          .set(asOwner)
          .expect(200);
        return keys.body.data[0].last_used !== null;
      }, 5000);
    });

    it('gives the scopes asked for within the account’s, refusing more with invalid_scope', async () => {
      const token = await serviceAccountToken(t, account.keyFile, { scope: 'translate:read' });
      const verified = await verify(token).expect(200);
      expect(verified.body.scopes).toEqual(['translate:read']);
      await request(t.http)
        .post('/v1/translate')
        .set(bearer(token))
        .send({ text: 'Hello', target_language: 'de' })
        .expect(403);
      const beyond = await refusal(
        exchange(t, await signAssertion(account.keyFile), {
          scope: 'translate:read models:read',
        }),
      );
      expect(beyond).toEqual({
        status: 400,
        error: 'invalid_scope',
        description: 'Not allowed for this service account: models:read',
      });
    });

    it('is described by introspection to its organization’s resource servers, as it acts now', async () => {
      const own = await createServiceAccount(t, asOwner, { name: 'introspected' });
      const token = await serviceAccountToken(t, own.keyFile);
      const introspect = async (client: TestClient) =>
        (
          await request(t.http)
            .post('/oauth/introspect')
            .set(basicAuth(client.clientId, client.clientSecret))
            .type('form')
            .send({ token })
            .expect(200)
        ).body as Record<string, unknown>;
      const resourceServer = await registerClient(t, owner);
      expect(await introspect(resourceServer)).toMatchObject({
        active: true,
        client_id: own.id,
        sub: own.id,
        org_id: owner.organizationId,
        scope: 'translate:write translate:read',
        token_type: 'Bearer',
      });
      expect(await introspect(await registerClient(t, stranger))).toEqual({ active: false });
      // Narrowed, the account's token says so at once.
      await request(t.http)
        .patch(accountPath(own.id))
        .set(asOwner)
        .send({ scopes: ['translate:read'] })
        .expect(200);
      expect(await introspect(resourceServer)).toMatchObject({ scope: 'translate:read' });
      await request(t.http).delete(accountPath(own.id)).set(asOwner).expect(204);
      expect(await introspect(resourceServer)).toEqual({ active: false });
    });

    it('refuses a replayed assertion: one jti, one token', async () => {
      const assertion = await signAssertion(account.keyFile);
      await exchange(t, assertion).expect(200);
      expect(await refusal(exchange(t, assertion))).toEqual({
        status: 400,
        error: 'invalid_grant',
        description: 'This assertion was used already: sign a new one (a new jti) each time',
      });
    });

    const base = Math.floor(Date.now() / 1000);
    it.each([
      [
        'an expired assertion',
        { issuedAt: base - 900, claims: { exp: base - 120 } },
        'The assertion has expired (exp is past)',
      ],
      [
        'exp more than an hour after iat',
        { issuedAt: base, claims: { exp: base + 3601 } },
        'exp must be at most 1 hour after iat',
      ],
      [
        'a wrong audience',
        { claims: { aud: 'https://other.example/oauth/token' } },
        `aud must be the token endpoint, ${ISSUER}/oauth/token`,
      ],
      ['no jti', { claims: { jti: undefined } }, 'The assertion has no jti claim'],
      [
        'iat in the future',
        { issuedAt: base + 600 },
        'iat is in the future: check the clock of the signer',
      ],
    ])('refuses %s with invalid_grant', async (_name, options, description) => {
      expect(await refusal(exchange(t, await signAssertion(account.keyFile, options)))).toEqual({
        status: 400,
        error: 'invalid_grant',
        description,
      });
    });

    it('takes the issuer as audience too', async () => {
      await exchange(t, await signAssertion(account.keyFile, { claims: { aud: ISSUER } })).expect(
        200,
      );
    });

    it('refuses an unknown iss with invalid_client', async () => {
      for (const iss of ['sa_00000000000000000000000000000000', 'someone', owner.userId]) {
        const assertion = await signAssertion(account.keyFile, { claims: { iss, sub: iss } });
        expect(await refusal(exchange(t, assertion))).toEqual({
          status: 400,
          error: 'invalid_client',
          description: 'Unknown service account: iss must be the client_id of a service account',
        });
      }
    });

    it('refuses an assertion signed by another account’s key, whichever kid it names', async () => {
      const other = await createServiceAccount(t, asOwner);
      const byOthersKey = await signAssertion(account.keyFile, {
        privateKey: other.keyFile.private_key,
        kid: other.keyFile.private_key_id,
      });
      expect(await refusal(exchange(t, byOthersKey))).toEqual({
        status: 400,
        error: 'invalid_grant',
        description: 'The kid of the assertion names no key of this service account',
      });
      const withOurKid = await signAssertion(account.keyFile, {
        privateKey: other.keyFile.private_key,
      });
      expect(await refusal(exchange(t, withOurKid))).toEqual({
        status: 400,
        error: 'invalid_grant',
        description: 'The signature of the assertion does not verify with the key its kid names',
      });
    });

    it('refuses alg none and HS256 with the public key as the secret', async () => {
      const claims = {
        iss: account.id,
        sub: account.id,
        aud: `${ISSUER}/oauth/token`,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 300,
        jti: randomUUID(),
      };
      const none = `${part({ alg: 'none', kid: account.keyFile.private_key_id })}.${part(claims)}.`;
      const hs256 = await new SignJWT({ ...claims, jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256', kid: account.keyFile.private_key_id })
        .sign(new TextEncoder().encode(publicPemOf(account.keyFile)));
      for (const assertion of [none, hs256]) {
        expect(await refusal(exchange(t, assertion))).toEqual({
          status: 400,
          error: 'invalid_grant',
          description:
            'The assertion must be signed with RS256, the algorithm of the key its kid names',
        });
      }
    });

    it('refuses malformed assertions with invalid_grant, never a 5xx', async () => {
      const signed = await signAssertion(account.keyFile);
      const [header, payload] = signed.split('.');
      for (const assertion of [
        'not-a-jwt',
        'a.b.c',
        `${header}.${payload}`,
        `${header}.${payload}.${'A'.repeat(342)}`,
        `${header}.${part('just a string')}.sig`,
        `${part({ alg: 'RS256' })}.${payload}.sig`,
        `${header}.!!!.sig`,
        `${header}.${payload}.${signed.split('.')[2]}.extra.parts`,
      ]) {
        const refused = await refusal(exchange(t, assertion));
        expect(refused.status).toBe(400);
        expect(refused.error).toBe('invalid_grant');
      }
      const missing = await refusal(
        request(t.http).post('/oauth/token').type('form').send({ grant_type: JWT_BEARER }),
      );
      expect(missing).toEqual({
        status: 400,
        error: 'invalid_request',
        description: 'assertion is required',
      });
    });

    it('takes a client_id equal to the iss, and refuses any other client authentication', async () => {
      await exchange(t, await signAssertion(account.keyFile), { client_id: account.id }).expect(
        200,
      );
      const otherId = await refusal(
        exchange(t, await signAssertion(account.keyFile), { client_id: 'client_x' }),
      );
      expect(otherId.error).toBe('invalid_request');
      const secret = await refusal(
        exchange(t, await signAssertion(account.keyFile), { client_secret: 'x' }),
      );
      expect(secret).toEqual({
        status: 400,
        error: 'invalid_request',
        description:
          'This grant authenticates by its assertion: send no client secret or client assertion',
      });
      const basic = await refusal(
        exchange(t, await signAssertion(account.keyFile)).set(
          'Authorization',
          `Basic ${Buffer.from('client_x:secret').toString('base64')}`,
        ),
      );
      expect(basic.error).toBe('invalid_request');
    });

    it('is listed by discovery', async () => {
      const metadata = await request(t.http)
        .get('/.well-known/oauth-authorization-server')
        .expect(200);
      expect(metadata.body.grant_types_supported).toEqual(expect.arrayContaining([JWT_BEARER]));
    });
  });

  describe('keys', () => {
    it('revoking a key refuses its assertions and ends the tokens it got, at once', async () => {
      const own = await createServiceAccount(t, asOwner);
      const second = await request(t.http)
        .post(`${accountPath(own.id)}/keys`)
        .set(asOwner)
        .send({})
        .expect(201);
      expect(second.headers['cache-control']).toBe('no-store');
      const keyFile: KeyFile = second.body.key_file;
      expect(keyFile.service_account_id).toBe(own.id);
      const token = await serviceAccountToken(t, keyFile);
      await verify(token).expect(200);

      await request(t.http)
        .delete(`${accountPath(own.id)}/keys/${keyFile.private_key_id}`)
        .set(asOwner)
        .expect(204);
      await verify(token).expect(401);
      expect(await refusal(exchange(t, await signAssertion(keyFile)))).toEqual({
        status: 400,
        error: 'invalid_grant',
        description: 'The key that signed the assertion was revoked',
      });
      // The account's other key goes on working.
      await serviceAccountToken(t, own.keyFile);
      const keys = await request(t.http)
        .get(`${accountPath(own.id)}/keys`)
        .set(asOwner)
        .expect(200);
      expect(keys.body.data).toEqual([
        expect.objectContaining({ private_key_id: keyFile.private_key_id, status: 'revoked' }),
        expect.objectContaining({ private_key_id: own.keyFile.private_key_id, status: 'active' }),
      ]);
    });

    it('refuses an expired key, and its tokens end with it', async () => {
      const own = await createServiceAccount(t, asOwner, { expires_in_days: 1 });
      const token = await serviceAccountToken(t, own.keyFile);
      clock.advance(DAY_MS + 60_000);
      try {
        const at = Math.floor(clock.now() / 1000);
        expect(
          await refusal(exchange(t, await signAssertion(own.keyFile, { issuedAt: at }))),
        ).toEqual({
          status: 400,
          error: 'invalid_grant',
          description: expect.stringMatching(/^The key that signed the assertion expired at /),
        });
        await verify(token).expect(401);
        const keys = await request(t.http)
          .get(`${accountPath(own.id)}/keys`)
          .set(asOwner)
          .expect(200);
        expect(keys.body.data[0].status).toBe('expired');
      } finally {
        clock.reset();
      }
    });

    it('takes your own public key as PEM or JWK, answering no private key', async () => {
      const own = await createServiceAccount(t, asOwner);
      const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 });
      const pem = await request(t.http)
        .post(`${accountPath(own.id)}/keys`)
        .set(asOwner)
        .send({
          public_key: rsa.publicKey.export({ type: 'spki', format: 'pem' }),
          expires_in_days: 7,
        })
        .expect(201);
      expect(pem.body).toEqual(
        expect.objectContaining({ algorithm: 'RS256', origin: 'uploaded', status: 'active' }),
      );
      expect(pem.body.key_file).toBeUndefined();
      expect(Date.parse(pem.body.expires) - Date.parse(pem.body.created)).toBe(7 * DAY_MS);
      const mine: KeyFile = {
        ...own.keyFile,
        private_key_id: pem.body.private_key_id,
        private_key: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      };
      await verify(await serviceAccountToken(t, mine)).expect(200);

      const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const jwk = await request(t.http)
        .post(`${accountPath(own.id)}/keys`)
        .set(asOwner)
        .send({ public_key_jwk: ec.publicKey.export({ format: 'jwk' }) })
        .expect(201);
      expect(jwk.body).toMatchObject({ algorithm: 'ES256', origin: 'uploaded' });
      const mineEc: KeyFile = {
        ...own.keyFile,
        private_key_id: jwk.body.private_key_id,
        private_key: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      };
      await verify(await serviceAccountToken(t, mineEc, { alg: 'ES256' })).expect(200);

      const leaked = await request(t.http)
        .post(`${accountPath(own.id)}/keys`)
        .set(asOwner)
        .send({ public_key_jwk: ec.privateKey.export({ format: 'jwk' }) })
        .expect(422);
      expect(leaked.body.detail).toEqual([
        {
          loc: ['body', 'public_key_jwk'],
          msg: 'this is a private key: upload the public key only (and treat this one as exposed)',
          type: 'value_error.public_key',
        },
      ]);
      await request(t.http)
        .post(`${accountPath(own.id)}/keys`)
        .set(asOwner)
        .send({ public_key: 'nope', public_key_jwk: { kty: 'EC' } })
        .expect(422);
      await request(t.http)
        .post(`${accountPath(own.id)}/keys`)
        .set(asOwner)
        .send({ expires_in_days: 3651 })
        .expect(422);
    });

    it('keeps at most 10 active keys per account', async () => {
      const own = await createServiceAccount(t, asOwner, { algorithm: 'ES256' });
      for (let i = 1; i < 10; i++) {
        await request(t.http)
          .post(`${accountPath(own.id)}/keys`)
          .set(asOwner)
          .send({ algorithm: 'ES256' })
          .expect(201);
      }
      const refused = await request(t.http)
        .post(`${accountPath(own.id)}/keys`)
        .set(asOwner)
        .send({ algorithm: 'ES256' })
        .expect(409);
      expect(refused.body.detail).toBe(
        'A service account has at most 10 active keys: revoke one first',
      );
    });

    it('keeps at most 10 active keys when uploads arrive at once', async () => {
      const own = await createServiceAccount(t, asOwner, { algorithm: 'ES256' });
      const publicKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString();
      const answers = await Promise.all(
        Array.from({ length: 15 }, () =>
          request(t.http)
            .post(`${accountPath(own.id)}/keys`)
            .set(asOwner)
            .send({ public_key: publicKey }),
        ),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([
        ...Array<number>(9).fill(201),
        ...Array<number>(6).fill(409),
      ]);
      const listed = await request(t.http)
        .get(`${accountPath(own.id)}/keys?limit=100`)
        .set(asOwner)
        .expect(200);
      expect(
        listed.body.data.filter((key: { status: string }) => key.status === 'active'),
      ).toHaveLength(10);
    });
  });

  describe('disabling and deleting', () => {
    it('a disabled account gets no token and its tokens stop at once; enabled, it works again', async () => {
      const own = await createServiceAccount(t, asOwner);
      const token = await serviceAccountToken(t, own.keyFile);
      await verify(token).expect(200);
      const disabled = await request(t.http)
        .patch(accountPath(own.id))
        .set(asOwner)
        .send({ disabled: true })
        .expect(200);
      expect(disabled.body).toMatchObject({ disabled: true, disabled_at: expect.any(String) });
      await verify(token).expect(401);
      expect(await refusal(exchange(t, await signAssertion(own.keyFile)))).toEqual({
        status: 400,
        error: 'invalid_client',
        description: 'The service account is disabled',
      });
      await request(t.http)
        .patch(accountPath(own.id))
        .set(asOwner)
        .send({ disabled: false })
        .expect(200);
      await verify(await serviceAccountToken(t, own.keyFile)).expect(200);
    });

    it('a deleted account gets no token, and its tokens, keys and API keys stop at once', async () => {
      const own = await createServiceAccount(t, asOwner);
      const token = await serviceAccountToken(t, own.keyFile);
      const apiKey = await createApiKey(t, asOwner, {
        name: 'of the account',
        scopes: ['translate:read'],
        service_account_id: own.id,
      });
      await request(t.http).get('/v1/auth/verify').set({ 'X-API-Key': apiKey.key }).expect(200);

      await request(t.http).delete(accountPath(own.id)).set(asOwner).expect(204);
      await verify(token).expect(401);
      const refusedKey = await request(t.http)
        .get('/v1/auth/verify')
        .set({ 'X-API-Key': apiKey.key })
        .expect(401);
      expect(refusedKey.body.detail).toBe(
        'The service account of this API key is disabled or deleted',
      );
      expect(await refusal(exchange(t, await signAssertion(own.keyFile)))).toEqual({
        status: 400,
        error: 'invalid_client',
        description: 'Unknown service account: iss must be the client_id of a service account',
      });
      await request(t.http).get(accountPath(own.id)).set(asOwner).expect(404);
      await request(t.http)
        .get(`${accountPath(own.id)}/keys`)
        .set(asOwner)
        .expect(404);
      const keys = await request(t.http)
        .get(`/v1/api-keys?service_account_id=${own.id}`)
        .set(asOwner)
        .expect(200);
      expect(keys.body.data).toEqual([
        expect.objectContaining({ id: apiKey.id, status: 'revoked', service_account_id: own.id }),
      ]);
    });

    it('narrowing an account narrows its live tokens at once', async () => {
      const own = await createServiceAccount(t, asOwner);
      const token = await serviceAccountToken(t, own.keyFile);
      await request(t.http)
        .patch(accountPath(own.id))
        .set(asOwner)
        .send({ scopes: ['translate:read'] })
        .expect(200);
      expect((await verify(token).expect(200)).body.scopes).toEqual(['translate:read']);
    });
  });

  describe('API keys of an account', () => {
    it('acts for the account: within its scopes, listed under it, refused while it is disabled', async () => {
      const own = await createServiceAccount(t, asOwner, {
        scopes: ['translate:read', 'translate:write'],
      });
      const beyond = await request(t.http)
        .post('/v1/api-keys')
        .set(asOwner)
        .send({ name: 'too wide', scopes: ['models:read'], service_account_id: own.id })
        .expect(403);
      expect(beyond.body.detail).toBe('Beyond the service account’s scopes: models:read');
      const key = await createApiKey(t, asOwner, {
        name: 'worker',
        scopes: ['translate:read', 'translate:write'],
        service_account_id: own.id,
      });
      expect(key.service_account_id).toBe(own.id);
      await createApiKey(t, asOwner, { name: 'not the account’s', scopes: ['translate:read'] });
      const listed = await request(t.http)
        .get(`/v1/api-keys?service_account_id=${own.id}`)
        .set(asOwner)
        .expect(200);
      expect(listed.body.data.map((k: { id: string }) => k.id)).toEqual([key.id]);

      const asKey = { 'X-API-Key': key.key };
      const verified = await request(t.http).get('/v1/auth/verify').set(asKey).expect(200);
      expect(verified.body).toMatchObject({
        principal_type: 'api_key',
        scopes: ['translate:read', 'translate:write'],
      });
      await request(t.http)
        .patch(accountPath(own.id))
        .set(asOwner)
        .send({ scopes: ['translate:read'] })
        .expect(200);
      const narrowed = await request(t.http).get('/v1/auth/verify').set(asKey).expect(200);
      expect(narrowed.body.scopes).toEqual(['translate:read']);

      await request(t.http)
        .patch(accountPath(own.id))
        .set(asOwner)
        .send({ disabled: true })
        .expect(200);
      const refused = await request(t.http).get('/v1/auth/verify').set(asKey).expect(401);
      expect(refused.body.detail).toBe(
        'The service account of this API key is disabled or deleted',
      );
      const whileDisabled = await request(t.http)
        .post('/v1/api-keys')
        .set(asOwner)
        .send({ name: 'x', scopes: ['translate:read'], service_account_id: own.id })
        .expect(400);
      expect(whileDisabled.body.detail).toBe('The service account is disabled');
      await request(t.http)
        .patch(accountPath(own.id))
        .set(asOwner)
        .send({ disabled: false })
        .expect(200);
      await request(t.http).get('/v1/auth/verify').set(asKey).expect(200);
    });

    it('outlives its maker, so only who may manage accounts makes one', async () => {
      const team = await createTeam(t);
      const own = await createServiceAccount(t, team.inOrg(team.owner), {
        scopes: ['translate:read'],
      });
      const refused = await request(t.http)
        .post('/v1/api-keys')
        .set(team.inOrg(team.members.member))
        .send({ name: 'x', scopes: ['translate:read'], service_account_id: own.id })
        .expect(403);
      expect(refused.body.detail).toBe('Missing permission: service_accounts.write');
      const byAdmin = await createApiKey(t, team.inOrg(team.members.admin), {
        name: 'by the admin',
        scopes: ['translate:read'],
        service_account_id: own.id,
      });
      // The admin leaves; the account's key does not act for them.
      await request(t.http)
        .delete(`/v1/organizations/${team.organizationId}/members/${team.members.admin.userId}`)
        .set(bearer(team.owner.accessToken))
        .expect(204);
      await request(t.http).get('/v1/auth/verify').set({ 'X-API-Key': byAdmin.key }).expect(200);
      // A member cannot rotate it into a key of their own making either.
      await request(t.http)
        .post(`/v1/api-keys/${byAdmin.id}/rotate`)
        .set(team.inOrg(team.members.member))
        .send({})
        .expect(403);
    });

    it('an account’s own token makes keys for itself only', async () => {
      const token = await serviceAccountToken(t, account.keyFile);
      const key = await createApiKey(t, bearer(token), { name: 'own', scopes: ['translate:read'] });
      expect(key.service_account_id).toBe(account.id);
      const verified = await request(t.http)
        .get('/v1/auth/verify')
        .set({ 'X-API-Key': key.key })
        .expect(200);
      expect(verified.body.scopes).toEqual(['translate:read']);
      const other = await createServiceAccount(t, asOwner);
      await request(t.http)
        .post('/v1/api-keys')
        .set(bearer(token))
        .send({ name: 'x', scopes: ['translate:read'], service_account_id: other.id })
        .expect(403);
      const wider = await request(t.http)
        .post('/v1/api-keys')
        .set(bearer(token))
        .send({ name: 'x', scopes: ['models:read'] })
        .expect(403);
      expect(wider.body.detail).toBe('Cannot grant scopes you do not have: models:read');
    });
  });

  describe('another organization', () => {
    it('cannot read, change, issue keys for or delete the account', async () => {
      const asStranger = bearer(stranger.accessToken);
      const keyId = account.keyFile.private_key_id;
      const attempts = [
        request(t.http).get(accountPath(account.id)).set(asStranger),
        request(t.http).patch(accountPath(account.id)).set(asStranger).send({ disabled: true }),
        request(t.http).delete(accountPath(account.id)).set(asStranger),
        request(t.http)
          .get(`${accountPath(account.id)}/keys`)
          .set(asStranger),
        request(t.http)
          .post(`${accountPath(account.id)}/keys`)
          .set(asStranger)
          .send({}),
        request(t.http)
          .delete(`${accountPath(account.id)}/keys/${keyId}`)
          .set(asStranger),
      ];
      for (const attempt of attempts) {
        const response = await attempt.expect(404);
        expect(response.body).toEqual({ detail: 'Service account not found' });
      }
      const listed = await request(t.http).get('/v1/service-accounts').set(asStranger).expect(200);
      expect(listed.body.data).toEqual([]);
      await request(t.http).get(accountPath(account.id)).set(asOwner).expect(200);
      await exchange(t, await signAssertion(account.keyFile)).expect(200);
    });

    it('cannot use it: no API key for it, and its token acts nowhere else', async () => {
      const refused = await request(t.http)
        .post('/v1/api-keys')
        .set(bearer(stranger.accessToken))
        .send({ name: 'x', scopes: ['translate:read'], service_account_id: account.id })
        .expect(404);
      expect(refused.body.detail).toBe('Service account not found');
      const token = await serviceAccountToken(t, account.keyFile);
      const elsewhere = await request(t.http)
        .get('/v1/auth/verify')
        .set({ ...bearer(token), 'X-Organization-ID': stranger.organizationId })
        .expect(403);
      expect(elsewhere.body.detail).toBe(
        'X-Organization-ID does not match the service account’s organization',
      );
      await request(t.http)
        .get(`/v1/organizations/${stranger.organizationId}`)
        .set(bearer(token))
        .expect(404);
    });
  });

  describe('the audit log', () => {
    it('records creation, keys, tokens issued, refusals with their reason, disabling and deletion, never a secret', async () => {
      const own = await createServiceAccount(t, asOwner);
      const assertion = await signAssertion(own.keyFile);
      await exchange(t, assertion).expect(200);
      await exchange(t, assertion).expect(400);
      await request(t.http)
        .patch(accountPath(own.id))
        .set(asOwner)
        .send({ disabled: true })
        .expect(200);
      await request(t.http).delete(accountPath(own.id)).set(asOwner).expect(204);
      const events = await auditOf(own.id, 6);
      expect(events.map((e) => e.action)).toEqual([
        'service_account.created',
        'service_account.key_created',
        'oauth.token.issued',
        'oauth.token.refused',
        'service_account.disabled',
        'service_account.deleted',
      ]);
      expect(events[2]).toMatchObject({
        actor: { type: 'service_account', id: own.id },
        metadata: { grant_type: JWT_BEARER, key_id: own.keyFile.private_key_id },
      });
      expect(events[3]).toMatchObject({
        outcome: 'failure',
        metadata: {
          error: 'invalid_grant',
          reason: 'This assertion was used already: sign a new one (a new jti) each time',
        },
      });
      expect(events[5].metadata).toMatchObject({
        revoked_with_it: [{ kind: 'api_keys', count: 0 }],
      });
      const text = JSON.stringify(events);
      expect(text).not.toContain(assertion.split('.')[2]);
      expect(text).not.toContain('PRIVATE KEY');
    });

    it('counts a pipeline’s tokens: its first token’s event, then one for the rest, every token counted', async () => {
      const own = await createServiceAccount(t, asOwner);
      for (let i = 0; i < 6; i++) await exchange(t, await signAssertion(own.keyFile)).expect(200);
      const issued = (await auditOf(own.id, 4)).filter(
        (event) => event.action === 'oauth.token.issued',
      );
      expect(issued.map((event) => event.metadata.count)).toEqual([1, 5]);
      expect(issued[1]).toMatchObject({
        actor: { type: 'service_account', id: own.id },
        request_id: null,
        metadata: {
          grant_type: JWT_BEARER,
          key_id: own.keyFile.private_key_id,
          since: expect.any(String),
          until: expect.any(String),
        },
      });
    });
  });

  /** The audit events about one account, oldest first, once there are `count` (written in the background). */
  async function auditOf(accountId: string, count: number): Promise<AuditEvent[]> {
    let events: AuditEvent[] = [];
    await waitFor(async () => {
      const response = await request(t.http)
        .get(`/v1/audit-logs?target_id=${accountId}&limit=100`)
        .set(asOwner)
        .expect(200);
      events = [...response.body.data].reverse();
      return events.length >= count;
    }, 5000);
    return events;
  }
});

describe('service accounts: the organization’s plan limits their tokens', () => {
  it('counts an account’s requests against its organization’s per-minute limit', async () => {
    const clock = TestClock.atStartOfNextHour();
    await withTestApp(
      { RATE_LIMITS_ENABLED: 'true', PUBLIC_RATE_LIMIT_PER_MINUTE: '1000' },
      async (t) => {
        const owner = await createUser(t, 'sa-plan');
        await request(t.http)
          .patch(`/v1/organizations/${owner.organizationId}`)
          .set(bearer(TEST_ADMIN_TOKEN))
          .send({ plan: 'enterprise', rate_limit_per_minute: 8 })
          .expect(200);
        const own = await createServiceAccount(t, bearer(owner.accessToken));
        const token = await serviceAccountToken(t, own.keyFile, {
          issuedAt: Math.floor(clock.now() / 1000),
        });
        let last: request.Response | undefined;
        for (let i = 0; i < 8; i++) {
          last = await request(t.http).get('/v1/auth/verify').set(bearer(token));
          if (last.status === 429) break;
        }
        expect(last!.headers['x-ratelimit-limit']).toBe('8');
        const refused = await request(t.http).get('/v1/auth/verify').set(bearer(token)).expect(429);
        expect(refused.headers['retry-after']).toBeDefined();
      },
      { clock },
    );
  });
});

describeWithSharedRedis('service accounts on two instances sharing Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let owner: TestUser;
  beforeAll(async () => {
    [a, b] = await twoInstances({ REDIS_URL: TEST_REDIS_URL });
    await waitFor(
      () => a.app.get(RedisConnections).isReady() && b.app.get(RedisConnections).isReady(),
      5000,
    );
    owner = await createUser(a, 'sa-cluster');
  });
  afterAll(async () => {
    expect([...a.logs.serverErrors(), ...b.logs.serverErrors()]).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  /** Both instances stand on one clock, an hour ahead at most: assertions are signed by it. */
  const issuedAt = () => Math.floor(a.app.get(Clock).now() / 1000);

  it('refuses on B an assertion A accepted', async () => {
    const own = await createServiceAccount(a, bearer(owner.accessToken));
    const assertion = await signAssertion(own.keyFile, { issuedAt: issuedAt() });
    await exchange(a, assertion).expect(200);
    expect(await refusal(exchange(b, assertion))).toEqual({
      status: 400,
      error: 'invalid_grant',
      description: 'This assertion was used already: sign a new one (a new jti) each time',
    });
    // Two instances racing with one assertion: exactly one gets a token.
    const raced = await signAssertion(own.keyFile, { issuedAt: issuedAt() });
    const answers = await Promise.all([exchange(a, raced), exchange(b, raced)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
  });

  it('refuses on B, on the next request, what A disabled, revoked or deleted', async () => {
    const asOwner = bearer(owner.accessToken);
    const own = await createServiceAccount(a, asOwner);
    const second = await request(a.http)
      .post(`/v1/service-accounts/${own.id}/keys`)
      .set(asOwner)
      .send({})
      .expect(201);
    const secondKey: KeyFile = second.body.key_file;
    const token = await serviceAccountToken(b, own.keyFile, { issuedAt: issuedAt() });
    const bySecond = await serviceAccountToken(b, secondKey, { issuedAt: issuedAt() });
    await request(b.http).get('/v1/auth/verify').set(bearer(token)).expect(200); // B caches it

    await request(a.http)
      .delete(`/v1/service-accounts/${own.id}/keys/${secondKey.private_key_id}`)
      .set(asOwner)
      .expect(204);
    await request(b.http).get('/v1/auth/verify').set(bearer(bySecond)).expect(401);
    await exchange(b, await signAssertion(secondKey, { issuedAt: issuedAt() })).expect(400);
    await request(b.http).get('/v1/auth/verify').set(bearer(token)).expect(200);

    await request(a.http)
      .patch(`/v1/service-accounts/${own.id}`)
      .set(asOwner)
      .send({ disabled: true })
      .expect(200);
    await request(b.http).get('/v1/auth/verify').set(bearer(token)).expect(401);
    await exchange(b, await signAssertion(own.keyFile, { issuedAt: issuedAt() })).expect(400);

    await request(a.http)
      .patch(`/v1/service-accounts/${own.id}`)
      .set(asOwner)
      .send({ disabled: false })
      .expect(200);
    const again = await serviceAccountToken(b, own.keyFile, { issuedAt: issuedAt() });
    await request(b.http).get('/v1/auth/verify').set(bearer(again)).expect(200);
    await request(a.http).delete(`/v1/service-accounts/${own.id}`).set(asOwner).expect(204);
    await request(b.http).get('/v1/auth/verify').set(bearer(again)).expect(401);
    await exchange(b, await signAssertion(own.keyFile, { issuedAt: issuedAt() })).expect(400);
  });
});
