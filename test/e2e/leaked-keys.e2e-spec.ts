import request from 'supertest';
import { DataSource } from 'typeorm';
import { apiKeyWithRandom, parseApiKey } from '../../src/modules/api-keys/api-key-format';
import { AuditEvent } from '../../src/modules/audit/audit-event.entity';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { asKey, createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import {
  githubSignature,
  match,
  newReporter,
  report,
  reporterKeysSetting,
  sendReport,
  signatureOf,
} from '../utils/leak-reports';
import { twoInstances } from '../utils/cluster';
import { queriesDuring } from '../utils/queries';
import { describeWithSharedRedis, TEST_REDIS_URL, waitFor } from '../utils/redis';
import { RedisConnections } from '../../src/common/cluster/redis-connections';
import { userWithKey } from '../utils/api-keys';
import { TestClock } from '../utils/test-clock';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const randomBase62 = () =>
  Array.from({ length: 32 }, () => BASE62[Math.floor(Math.random() * 62)]).join('');

/** A key with a valid checksum that Tessera never issued. */
const wellFormedUnknownKey = () => apiKeyWithRandom('tk', 'live', randomBase62());

/** The key with one character of its random part changed: its checksum no longer holds. */
function mistyped(key: string): string {
  const at = 12;
  const changed = key[at] === 'a' ? 'b' : 'a';
  const typo = key.slice(0, at) + changed + key.slice(at + 1);
  expect(parseApiKey(typo, 'tk')).toBeNull();
  return typo;
}

interface Verdict {
  token_raw: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

describe('Leaked-key reports (secret scanning partner)', () => {
  const github = newReporter();
  const otherScanner = newReporter('other-scanner-1');
  const stranger = newReporter(); // signs, but is not configured
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      LEAKED_KEY_REPORTER_KEYS: reporterKeysSetting(github, otherScanner),
      // No usage flush writes to api_keys while a test counts the report's own queries.
      API_KEY_USAGE_FLUSH_MS: '600000',
    });
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const verify = (key: string) => request(t.http).get('/v1/auth/verify').set(asKey(key));
  const keyOf = async (user: TestUser, name = 'leaky') =>
    createApiKey(t, bearer(user.accessToken), { name, scopes: ['translate:read'] });
  const getKey = async (user: TestUser, id: string) =>
    (await request(t.http).get(`/v1/api-keys/${id}`).set(bearer(user.accessToken)).expect(200))
      .body as { status: string; leak_reported_at: string | null; revoked_at: string | null };
  const auditOf = async (user: TestUser, query: string) =>
    (await request(t.http).get(`/v1/audit-logs?${query}`).set(bearer(user.accessToken)).expect(200))
      .body.data as {
      action: string;
      actor: { type: string; id: string };
      target: { id: string };
      metadata: Record<string, unknown>;
    }[];
  /** The instance-level event of a report, found by the request id of its answer. */
  const reportEvent = async (requestId: string) => {
    await t.app.get(AuditWriter).drain();
    return t.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .findOneByOrFail({ requestId, action: 'api_key.leak_report_received' });
  };

  describe('GET /.well-known/tessera/key-pattern', () => {
    it('publishes the type, a pattern that finds this deployment’s keys, and the checksum', async () => {
      const owner = await createUser(t, 'pattern');
      const { key } = await keyOf(owner);
      const response = await request(t.http).get('/.well-known/tessera/key-pattern').expect(200);
      expect(response.headers['cache-control']).toBe('public, max-age=3600');
      expect(response.body).toEqual({
        type: 'tessera_api_key',
        pattern: '\\btk_(?:live|test|dev)_[0-9A-Za-z]{38}\\b',
        description: expect.stringContaining('cannot verify the checksum'),
        prefix: 'tk',
        environments: ['live', 'test', 'dev'],
        checksum: { algorithm: 'crc32', length: 6, description: expect.any(String) },
        report_url: 'http://tessera.test/v1/api-keys/leaked',
      });
      const found = `API_KEY=${key}\n`.match(new RegExp(response.body.pattern as string, 'g'));
      expect(found).toEqual([key]);
    });
  });

  describe('POST /v1/api-keys/leaked', () => {
    it('revokes a reported live key at once (its next request is 401) and answers true_positive', async () => {
      const owner = await createUser(t, 'leaker');
      const leaked = await keyOf(owner);
      await verify(leaked.key).expect(200); // cached on this instance now

      const response = await report(t, github, [match(leaked.key)]).expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual([
        { token_raw: leaked.key, token_type: 'tessera_api_key', label: 'true_positive' },
      ]);

      const refused = await verify(leaked.key).expect(401);
      expect(refused.body).toEqual({ detail: 'API key revoked', code: 'api_key_refused' });
      const after = await getKey(owner, leaked.id);
      expect(after).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
      expect(after.leak_reported_at).toBe(after.revoked_at);

      // The owner learns it from their audit log, with where it was found, never the key.
      const [reported] = await auditOf(
        owner,
        `action=api_key.leak_reported&target_id=${leaked.id}`,
      );
      expect(reported).toMatchObject({
        actor: { type: 'leak_reporter', id: github.keyId },
        target: { id: leaked.id },
        metadata: {
          action: 'revoked',
          policy: 'revoke',
          start: leaked.key.slice(0, 12),
          url: 'https://github.com/acme/app/blob/0123abc/.env',
          source: 'commit',
          reported_as: 'tessera_api_key',
        },
      });
      const [revoked] = await auditOf(owner, `action=api_key.revoked&target_id=${leaked.id}`);
      expect(revoked.metadata).toMatchObject({ reason: 'leak_reported' });
      const event = await reportEvent(response.headers['x-request-id'] as string);
      expect(event).toMatchObject({ organizationId: null, actorType: 'leak_reporter' });
      expect(JSON.parse(event.metadata)).toEqual({
        reported: 1,
        matched_keys: 1,
        replayed: false,
        revoked: 1,
        flagged: 0,
        already_revoked: 0,
      });
      expect(JSON.stringify(await auditOf(owner, 'limit=100'))).not.toContain(leaked.key);
      expect(event.metadata).not.toContain(leaked.key);
      expect(t.logs.lines.join('\n')).not.toContain(leaked.key);
    });

    it('verifies the signature over the exact bytes sent, however they are spaced', async () => {
      const owner = await createUser(t, 'spacing');
      const leaked = await keyOf(owner);
      const body = `[ {"source": "gist",\n  "token": "${leaked.key}", "type": "tessera_api_key", "url": ""} ]`;
      // The same JSON, re-serialized: a signature over it does not sign what was sent.
      const resigned = JSON.stringify(JSON.parse(body));
      const wrong = await sendReport(t, body, githubSignature(github, resigned)).expect(401);
      expect(wrong.body).toEqual({
        detail: 'Invalid reporter signature',
        code: 'invalid_signature',
      });
      await verify(leaked.key).expect(200);

      const right = await sendReport(t, body, githubSignature(github, body)).expect(200);
      expect(right.body).toEqual([
        { token_raw: leaked.key, token_type: 'tessera_api_key', label: 'true_positive' },
      ]);
      await verify(leaked.key).expect(401);
    });

    it('refuses an unsigned, wrongly signed or unknown reporter’s report with 401, revoking nothing', async () => {
      const owner = await createUser(t, 'unsigned');
      const leaked = await keyOf(owner);
      const body = JSON.stringify([match(leaked.key)]);
      const tampered = JSON.stringify([match(leaked.key, 'https://example.test/elsewhere')]);
      const attempts: [Record<string, string>, string, string][] = [
        [{}, 'missing_signature', body],
        [{ 'Github-Public-Key-Identifier': github.keyId }, 'missing_signature', body],
        [githubSignature(stranger, body), 'unknown_reporter_key', body],
        [
          {
            'Github-Public-Key-Identifier': github.keyId,
            'Github-Public-Key-Signature': signatureOf(stranger, body),
          },
          'invalid_signature',
          body,
        ],
        [githubSignature(github, body), 'invalid_signature', tampered],
        [
          {
            'Github-Public-Key-Identifier': github.keyId,
            'Github-Public-Key-Signature': 'bm90IGEgc2lnbmF0dXJl',
          },
          'invalid_signature',
          body,
        ],
      ];
      for (const [headers, code, sent] of attempts) {
        const response = await sendReport(t, sent, headers).expect(401);
        expect(response.body).toEqual({ detail: expect.any(String), code });
      }
      // Even a body that is no report at all: the signature is checked first.
      await sendReport(t, '{"not":"a list"}', {}).expect(401);

      await verify(leaked.key).expect(200);
      expect(await getKey(owner, leaked.id)).toMatchObject({
        status: 'active',
        leak_reported_at: null,
      });
      expect(await auditOf(owner, 'action=api_key.leak_reported')).toEqual([]);
    });

    it('answers an unknown, a malformed, a mistyped token alike: false_positive, nothing touched', async () => {
      const owner = await createUser(t, 'bystander');
      const real = await keyOf(owner);
      const unknown = wellFormedUnknownKey();
      const tokens = [unknown, 'tk_live_short', mistyped(real.key), 'not a key at all'];
      const response = await report(
        t,
        github,
        tokens.map((token) => match(token)),
      ).expect(200);
      expect(response.body).toEqual(
        tokens.map((token) => ({
          token_raw: token,
          token_type: 'tessera_api_key',
          label: 'false_positive',
        })),
      );
      await verify(real.key).expect(200);
      expect((await getKey(owner, real.id)).leak_reported_at).toBeNull();
      expect(await auditOf(owner, 'action=api_key.leak_reported')).toEqual([]);
      const event = await reportEvent(response.headers['x-request-id'] as string);
      expect(JSON.parse(event.metadata)).toMatchObject({ reported: 4, matched_keys: 0 });
    });

    it('does the same work for an unknown, a malformed and a mistyped token', async () => {
      const owner = await createUser(t, 'work');
      const real = await keyOf(owner);
      await t.app.get(AuditWriter).drain();
      const keyQueries = async (token: string) => {
        const queries = await queriesDuring(t, () => report(t, github, [match(token)]).expect(200));
        // What the report asked of keys and organizations (the audit writer and the cluster's
        // invalidation poll query on their own schedules).
        return queries
          .filter((sql) => /\b(api_keys|organizations)\b/.test(sql))
          .map((sql) => sql.replace(/\s+/g, ' '));
      };
      const unknown = await keyQueries(wellFormedUnknownKey());
      expect(unknown).toHaveLength(1);
      expect(unknown[0]).toMatch(/key_hash/);
      expect(await keyQueries('tk_live_short')).toEqual(unknown);
      expect(await keyQueries(mistyped(real.key))).toEqual(unknown);
    });

    it('answers true_positive for a key revoked before, and touches it no further', async () => {
      const owner = await createUser(t, 'revoked-before');
      const old = await keyOf(owner);
      await request(t.http)
        .delete(`/v1/api-keys/${old.id}`)
        .set(bearer(owner.accessToken))
        .expect(204);
      const before = await getKey(owner, old.id);
      const response = await report(t, github, [match(old.key)]).expect(200);
      expect(response.body).toEqual([
        { token_raw: old.key, token_type: 'tessera_api_key', label: 'true_positive' },
      ]);
      const after = await getKey(owner, old.id);
      expect(after.revoked_at).toBe(before.revoked_at);
      expect(after.leak_reported_at).toEqual(expect.any(String));
      const [event] = await auditOf(owner, `action=api_key.leak_reported&target_id=${old.id}`);
      expect(event.metadata).toMatchObject({ action: 'already_revoked' });
      expect(await auditOf(owner, `action=api_key.revoked&target_id=${old.id}`)).toHaveLength(1);
    });

    it('only flags the key of an organization whose policy is "flag": it keeps working', async () => {
      const owner = await createUser(t, 'flagger');
      const patched = await request(t.http)
        .patch(`/v1/organizations/${owner.organizationId}`)
        .set(bearer(owner.accessToken))
        .send({ leaked_key_policy: 'flag' })
        .expect(200);
      expect(patched.body.leaked_key_policy).toBe('flag');
      const [changed] = await auditOf(owner, 'action=organization.updated');
      expect(changed.metadata).toMatchObject({
        changed: ['leaked_key_policy'],
        leaked_key_policy: 'flag',
      });
      const flagged = await keyOf(owner);

      const response = await report(t, github, [match(flagged.key)]).expect(200);
      expect(response.body[0]).toMatchObject({ label: 'true_positive' });
      await verify(flagged.key).expect(200);
      const listed = await request(t.http)
        .get('/v1/api-keys?limit=100')
        .set(bearer(owner.accessToken))
        .expect(200);
      const row = (listed.body.data as { id: string; leak_reported_at: string }[]).find(
        (key) => key.id === flagged.id,
      );
      expect(row).toMatchObject({
        status: 'active',
        revoked_at: null,
        leak_reported_at: expect.any(String),
      });
      const [event] = await auditOf(owner, `action=api_key.leak_reported&target_id=${flagged.id}`);
      expect(event).toMatchObject({
        actor: { type: 'leak_reporter', id: github.keyId },
        metadata: { action: 'flagged', policy: 'flag' },
      });
      expect(await auditOf(owner, `action=api_key.revoked&target_id=${flagged.id}`)).toEqual([]);

      // A second report flags it no more: the first report's time stays.
      await report(t, github, [match(flagged.key)]).expect(200);
      expect((await getKey(owner, flagged.id)).leak_reported_at).toBe(row!.leak_reported_at);
      await verify(flagged.key).expect(200);
    });

    it('acts on a report once: the same bytes again (a retry or a replay) get the same answer and change nothing', async () => {
      const owner = await createUser(t, 'replayed');
      await request(t.http)
        .patch(`/v1/organizations/${owner.organizationId}`)
        .set(bearer(owner.accessToken))
        .send({ leaked_key_policy: 'flag' })
        .expect(200);
      const kept = await keyOf(owner);
      const body = JSON.stringify([match(kept.key), match(wellFormedUnknownKey())]);
      const first = await sendReport(t, body, githubSignature(github, body)).expect(200);
      // The owner looked at the flagged key, kept it, and went back to revoking leaked keys.
      await request(t.http)
        .patch(`/v1/organizations/${owner.organizationId}`)
        .set(bearer(owner.accessToken))
        .send({ leaked_key_policy: 'revoke' })
        .expect(200);

      // Signed anew (ECDSA signatures differ each time), the bytes the same.
      const again = await sendReport(t, body, githubSignature(github, body)).expect(200);
      expect(again.body).toEqual(first.body);
      await verify(kept.key).expect(200);
      expect(
        await auditOf(owner, `action=api_key.leak_reported&target_id=${kept.id}`),
      ).toHaveLength(1);
      const event = await reportEvent(again.headers['x-request-id'] as string);
      expect(JSON.parse(event.metadata)).toEqual({
        reported: 2,
        matched_keys: 1,
        replayed: true,
        revoked: 0,
        flagged: 0,
        already_revoked: 0,
      });

      // A new report of the same key is acted on under the policy of now.
      const anew = JSON.stringify([
        match(kept.key, 'https://github.com/acme/app/blob/4567def/.env'),
      ]);
      await sendReport(t, anew, githubSignature(github, anew)).expect(200);
      await verify(kept.key).expect(401);
    });

    it('acts once on two copies of a report that arrive together', async () => {
      const owner = await createUser(t, 'copies');
      const leaked = await keyOf(owner);
      const body = JSON.stringify([match(leaked.key)]);
      const [first, second] = await Promise.all([
        sendReport(t, body, githubSignature(github, body)),
        sendReport(t, body, githubSignature(github, body)),
      ]);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.body).toEqual(first.body);
      const reported = await auditOf(owner, `action=api_key.leak_reported&target_id=${leaked.id}`);
      expect(reported.map((event) => event.metadata.action)).toEqual(['revoked']);
      const replayed = await Promise.all(
        [first, second].map(
          async (answer) =>
            JSON.parse((await reportEvent(answer.headers['x-request-id'] as string)).metadata)
              .replayed as boolean,
        ),
      );
      expect(replayed.sort()).toEqual([false, true]);
    });

    it('touches nothing of another organization but the reported key', async () => {
      const alice = await createUser(t, 'tenant-a');
      const bob = await createUser(t, 'tenant-b');
      const aliceLeaked = await keyOf(alice, 'leaked');
      const aliceOther = await keyOf(alice, 'other');
      const bobKeys = [await keyOf(bob, 'b1'), await keyOf(bob, 'b2')];
      const bobAuditBefore = await auditOf(bob, 'limit=100');

      const response = await report(t, github, [
        match(aliceLeaked.key),
        match(mistyped(bobKeys[0].key)),
      ]).expect(200);
      expect((response.body as Verdict[]).map((verdict) => verdict.label)).toEqual([
        'true_positive',
        'false_positive',
      ]);

      await verify(aliceLeaked.key).expect(401);
      await verify(aliceOther.key).expect(200);
      expect(await getKey(alice, aliceOther.id)).toMatchObject({ leak_reported_at: null });
      for (const key of bobKeys) {
        await verify(key.key).expect(200);
        expect(await getKey(bob, key.id)).toMatchObject({
          status: 'active',
          leak_reported_at: null,
        });
      }
      expect(await auditOf(bob, 'limit=100')).toEqual(bobAuditBefore);
      // Alice's events name no one else's key.
      expect(JSON.stringify(await auditOf(alice, 'limit=100'))).not.toContain(bobKeys[0].id);
    });

    it('revokes each key once when a report names it twice, and takes Tessera’s own headers', async () => {
      const owner = await createUser(t, 'twice');
      const leaked = await keyOf(owner);
      const body = JSON.stringify([match(leaked.key), { token: leaked.key }]);
      const response = await sendReport(t, body, {
        'X-Tessera-Reporter-Key-Id': otherScanner.keyId,
        'X-Tessera-Reporter-Signature': signatureOf(otherScanner, body),
      }).expect(200);
      expect(response.body).toEqual([
        { token_raw: leaked.key, token_type: 'tessera_api_key', label: 'true_positive' },
        { token_raw: leaked.key, token_type: 'tessera_api_key', label: 'true_positive' },
      ]);
      await verify(leaked.key).expect(401);
      const events = await auditOf(owner, `action=api_key.leak_reported&target_id=${leaked.id}`);
      expect(events).toHaveLength(1);
      expect(events[0].actor).toEqual(expect.objectContaining({ id: 'other-scanner-1' }));
    });

    it('refuses a report that is too large, too long or malformed, in the contract’s shapes', async () => {
      const tooMany = Array.from({ length: 501 }, () => ({ token: 'x' }));
      const many = await report(t, github, tooMany).expect(400);
      expect(many.body).toEqual({ detail: expect.any(String), code: 'too_many_tokens' });

      const huge = JSON.stringify([{ token: 'x', url: 'u'.repeat(110_000) }]);
      const tooLarge = await sendReport(t, huge, githubSignature(github, huge)).expect(413);
      expect(tooLarge.body).toEqual({ detail: expect.stringMatching(/too large/) });

      const notAList = await report(t, github, { token: 'x' } as unknown as unknown[]).expect(422);
      expect(notAList.body.detail[0]).toMatchObject({ loc: ['body'], type: 'type_error.list' });
      const noToken = await report(t, github, [{ type: 'tessera_api_key' }, 7]).expect(422);
      expect(noToken.body.detail).toEqual([
        { loc: ['body', 0, 'token'], msg: 'field required', type: 'value_error.missing' },
        { loc: ['body', 1], msg: 'value is not a valid object', type: 'type_error.dict' },
      ]);
      const malformed = await sendReport(t, '[{"token":', githubSignature(github, '[{"token":'));
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual({ detail: expect.stringContaining('JSON') });
    });
  });

  it('is rate limited per client address like every public route', async () => {
    await withTestApp(
      {
        RATE_LIMITS_ENABLED: 'true',
        PUBLIC_RATE_LIMIT_PER_MINUTE: '3',
        LEAKED_KEY_REPORTER_KEYS: reporterKeysSetting(github),
      },
      async (limited) => {
        for (let i = 0; i < 3; i++) await report(limited, github, [match('x')]).expect(200);
        const refused = await report(limited, github, [match('x')]).expect(429);
        expect(refused.headers['retry-after']).toEqual(expect.any(String));
        expect(refused.body).toEqual({ detail: expect.any(String), code: 'rate_limited' });
      },
      { clock: TestClock.atStartOfNextHour() },
    );
  });

  it('refuses to start with reporter keys that are not P-256 public keys', async () => {
    await expect(createTestApp({ LEAKED_KEY_REPORTER_KEYS: '{"k": "not a pem"}' })).rejects.toThrow(
      /LEAKED_KEY_REPORTER_KEYS: key "k" must be a PEM public key/,
    );
  });
});

describeWithSharedRedis('a leaked key reported to one instance of several', () => {
  const github = newReporter();
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    [a, b] = await twoInstances({
      REDIS_URL: TEST_REDIS_URL,
      LEAKED_KEY_REPORTER_KEYS: reporterKeysSetting(github),
    });
    await waitFor(
      () => a.app.get(RedisConnections).isReady() && b.app.get(RedisConnections).isReady(),
      5000,
    );
  });
  afterAll(async () => {
    expect([...a.logs.serverErrors(), ...b.logs.serverErrors()]).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('is refused by the other on its very next request, though it had the key cached', async () => {
    const { key } = await userWithKey(a, 'leaked-across');
    await request(b.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200); // B caches it
    await report(a, github, [match(key.key)]).expect(200);
    const refused = await request(b.http).get('/v1/auth/verify').set(asKey(key.key)).expect(401);
    expect(refused.body.detail).toBe('API key revoked');
  });
});
