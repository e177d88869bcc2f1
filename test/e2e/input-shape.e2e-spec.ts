import request from 'supertest';
import { asKey, createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser, TestUser, uniqueEmail } from '../utils/factories';

type Loc = (string | number)[];

const loneSurrogate = (loc: Loc) => ({
  loc,
  msg: 'string is not valid Unicode (it contains a lone UTF-16 surrogate)',
  type: 'value_error.str.surrogate',
});
const tooDeep = (loc: Loc) => ({
  loc,
  msg: 'value is nested more than 32 levels deep',
  type: 'value_error.nesting',
});

/** JSON text of `levels` arrays around 1 (written by hand: JSON.stringify would recurse). */
const arraysDeep = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const objectsDeep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** True when every string in `value` (keys included) is valid Unicode, as a strict reader needs. */
function wellFormedThroughout(value: unknown): boolean {
  if (typeof value === 'string')
    return (value as unknown as { isWellFormed(): boolean }).isWellFormed();
  if (value === null || typeof value !== 'object') return true;
  return Object.entries(value).every(
    ([k, v]) => wellFormedThroughout(k) && wellFormedThroughout(v),
  );
}

describe('input every route refuses before validation: deep nesting, lone surrogates, huge lists', () => {
  let t: TestApp;
  let owner: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    owner = await createUser(t, 'shape-owner');
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const unhandledErrors = () =>
    t.logs.entries().filter((entry) => entry.level === 50 || entry.err !== undefined);

  it('422s a body nested 2,000 deep, unauthenticated or not, with no stack trace in the log', async () => {
    const key = await createApiKey(t, bearer(owner.accessToken), {
      name: 'deep',
      scopes: ['translate:write'],
    });
    const login = (x: string) =>
      request(t.http)
        .post('/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send(`{"email":"a@example.test","password":"x","x":${x}}`);
    for (const deep of [arraysDeep(2000), objectsDeep(2000)]) {
      expect((await login(deep).expect(422)).body).toEqual({ detail: [tooDeep(['body', 'x'])] });
    }
    const translate = await request(t.http)
      .post('/v1/translate')
      .set(asKey(key.key))
      .set('Content-Type', 'application/json')
      .send(`{"text":${arraysDeep(2000)},"target_language":"de"}`)
      .expect(422);
    expect(translate.body).toEqual({ detail: [tooDeep(['body', 'text'])] });
    expect(unhandledErrors()).toEqual([]);
  });

  it('lets 32 levels through to validation (the body is the first) and stops the 33rd', async () => {
    const withX = (x: string) =>
      request(t.http)
        .post('/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send(`{"email":"a@example.test","password":"secret","x":${x}}`);
    const at32 = await withX(arraysDeep(31)).expect(422);
    expect(at32.body.detail).toEqual([
      { loc: ['body', 'x'], msg: 'extra fields not permitted', type: 'value_error.extra' },
    ]);
    const at33 = await withX(arraysDeep(32)).expect(422);
    expect(at33.body.detail).toEqual([tooDeep(['body', 'x'])]);
  });

  it('422s a lone surrogate in any text field of any route, at its loc', async () => {
    const organization = await request(t.http)
      .post('/v1/organizations')
      .set(bearer(owner.accessToken))
      .send({ name: 'surrogates' })
      .expect(201);
    const key = await createApiKey(t, bearer(owner.accessToken), {
      name: 'surrogates',
      scopes: ['translate:write', 'documents:write'],
    });
    const asOwner = bearer(owner.accessToken);
    const cases: [string, string, Record<string, unknown>, Loc, Record<string, string>][] = [
      [
        'POST',
        '/v1/auth/register',
        { email: uniqueEmail('lone'), password: 'long enough password', full_name: 'Ada \uD800' },
        ['body', 'full_name'],
        {},
      ],
      [
        'POST',
        '/v1/auth/login',
        { email: owner.email, password: `x\uDC00${owner.password}` },
        ['body', 'password'],
        {},
      ],
      ['POST', '/v1/organizations', { name: '\uD800' }, ['body', 'name'], asOwner],
      [
        'PATCH',
        `/v1/organizations/${organization.body.id}`,
        { name: 'x\uDFFF' },
        ['body', 'name'],
        asOwner,
      ],
      [
        'POST',
        `/v1/organizations/${organization.body.id}/members`,
        { email: 'a\uDBFF@example.test', role: 'member' },
        ['body', 'email'],
        asOwner,
      ],
      [
        'POST',
        '/v1/api-keys',
        { name: 'k\uD800', scopes: ['models:read'] },
        ['body', 'name'],
        asOwner,
      ],
      [
        'POST',
        '/v1/api-keys',
        { name: 'k', scopes: ['models:read', '\uDC00\uD800'] },
        ['body', 'scopes', 1],
        asOwner,
      ],
      [
        'PATCH',
        `/v1/api-keys/${key.id}`,
        { allowed_ips: ['10.0.0.1', '\uD800'] },
        ['body', 'allowed_ips', 1],
        asOwner,
      ],
      [
        'POST',
        '/v1/translate',
        { text: 'hi \uD83D', target_language: 'de' },
        ['body', 'text'],
        asKey(key.key),
      ],
      ['POST', '/v1/documents', { name: '\uDE00.pdf' }, ['body', 'name'], asKey(key.key)],
    ];
    for (const [method, path, body, loc, headers] of cases) {
      const response = await request(t.http)
        [method === 'POST' ? 'post' : 'patch'](path)
        .set(headers)
        .send(body)
        .expect(422);
      expect(response.body).toEqual({ detail: [loneSurrogate(loc)] });
    }

    // A surrogate pair is a character like any other.
    await request(t.http)
      .post('/v1/organizations')
      .set(asOwner)
      .send({ name: 'thumbs \uD83D\uDC4D' })
      .expect(201);
    // And the audit export stays readable by a strict parser.
    const exported = await request(t.http)
      .get('/v1/audit-logs/export')
      .set(asOwner)
      .set('X-Organization-ID', organization.body.id)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    const events = (exported.body as string)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((event) => !wellFormedThroughout(event))).toEqual([]);
  });

  it('answers huge lists and objects at once with a 422 of bounded size, never a 500', async () => {
    await withTestApp({ BODY_LIMIT_BYTES: String(10 * 1024 * 1024) }, async (big) => {
      const user = await createUser(big, 'huge-lists');
      const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        request(big.http)
          .post(path)
          .set(headers)
          .send(body as object)
          .expect(422);
      const tooMany = (loc: Loc) => ({
        loc,
        msg: 'input holds more than 10000 values',
        type: 'value_error.input_size',
      });
      // class-transformer alone would take several seconds over each of these.
      const huge = <T>(value: T) => new Array<T>(500_000).fill(value);
      const started = Date.now();
      const register = { email: uniqueEmail(), password: 'long enough password' };
      const fullName = await post('/v1/auth/register', { ...register, full_name: huge(0) });
      expect(fullName.body.detail).toEqual([tooMany(['body', 'full_name'])]);
      const asArray = await post('/v1/auth/register', huge(1));
      expect(asArray.body.detail).toEqual([tooMany(['body', 10_000])]);
      const asOwner = bearer(user.accessToken);
      const apiKey = (fields: Record<string, unknown>) => ({
        name: 'k',
        scopes: ['models:read'],
        ...fields,
      });
      for (const field of ['allowed_ips', 'permissions']) {
        const response = await post(
          '/v1/api-keys',
          apiKey({ [field]: huge('not-an-ip') }),
          asOwner,
        );
        expect(response.body.detail).toEqual([tooMany(['body', field])]);
      }
      const nested = await post('/v1/api-keys', apiKey({ allowed_ips: [huge(1)] }), asOwner);
      expect(nested.body.detail).toEqual([tooMany(['body', 'allowed_ips'])]);
      // The walk stops at the 20th bad string: that is answer enough.
      const surrogates = await post(
        '/v1/api-keys',
        apiKey({ allowed_ips: huge('\uD800') }),
        asOwner,
      );
      expect(surrogates.body.detail).toEqual(
        Array.from({ length: 20 }, (_, i) => loneSurrogate(['body', 'allowed_ips', i])),
      );
      expect(Date.now() - started).toBeLessThan(10_000);

      // Under the cap, validation answers, and with a bounded number of issues.
      const manyFields = Object.fromEntries(
        Array.from({ length: 9_000 }, (_, i) => [`field_${i}`, i]),
      );
      const extra = await post('/v1/auth/register', { ...register, ...manyFields });
      expect(extra.body.detail).toHaveLength(100);
      const manyBadIps = await post(
        '/v1/api-keys',
        apiKey({ allowed_ips: new Array(5_000).fill('not-an-ip') }),
        asOwner,
      );
      expect(JSON.stringify(manyBadIps.body).length).toBeLessThan(20_000);
    });
  });
});
