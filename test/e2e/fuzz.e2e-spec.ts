import fc from 'fast-check';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer } from '../utils/factories';
import { contractProblems } from '../utils/fuzz/contract-answer';
import { CREDENTIAL_KINDS, CredentialKind, FuzzTargets } from '../utils/fuzz/fuzz-targets';
import {
  forwardedFor,
  junkCredential,
  organizationHeader,
  pathId,
  PathIdChoice,
  pathSegment,
  queryString,
  requestIdHeader,
} from '../utils/fuzz/http-input';
import { BodyPlan, bodyFrom, bodyPlan, RawJson, vocabularyOf } from '../utils/fuzz/json-input';
import { DocumentedRoute, documentedRoutes, Schema } from '../utils/fuzz/openapi-routes';

/** Runs per route and property: small for CI; `FUZZ_RUNS=500` (or more) for a long local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
/** Fixed, so every CI run sends the same inputs; `FUZZ_SEED=<n>` explores others. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const TIMEOUT_MS = 60_000 + RUNS * 5_000;
/** `FUZZ_REPORT=1` prints how each route answered (statuses, counts): what the inputs reached. */
const REPORT = Boolean(process.env.FUZZ_REPORT);

/** One fuzzed request: who sends it, the path ids, and the query, body and headers, if any. */
interface FuzzInput {
  credential: CredentialKind | Record<string, string>;
  ids: Record<string, PathIdChoice>;
  query?: string;
  body?: BodyPlan;
  headers?: Record<string, string>;
}

/** A stable seed per route and property, so a new route does not change the others' inputs. */
function seedFor(name: string): number {
  let hash = 0x811c9dc5;
  for (const character of name) hash = Math.imul(hash ^ character.charCodeAt(0), 0x01000193);
  return (SEED ^ hash) | 0;
}

/** The input, short enough to read: long strings, lists and objects summarized. */
function summary(value: unknown): string {
  const text =
    JSON.stringify(value, (_key, v: unknown) => {
      if (v instanceof RawJson) return `raw:${v.text}`;
      if (typeof v === 'string' && v.length > 120) return `${v.slice(0, 60)}…(${v.length} chars)`;
      if (Array.isArray(v) && v.length > 20) return `[${v.length} × ${JSON.stringify(v[0])}]`;
      if (v && typeof v === 'object' && Object.keys(v).length > 20) {
        return `{${Object.keys(v).length} fields}`;
      }
      return v;
    }) ?? String(value);
  return text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
}

describe('fuzzing every route with random input (fast-check)', () => {
  let t: TestApp;
  let targets: FuzzTargets;
  let routes: DocumentedRoute[];
  let vocabulary: string[];
  let baseUrl: string;
  /** Log lines the properties have checked already (each reports its own). */
  let logLinesChecked = 0;
  const answered = new Map<string, Map<number, number>>();

  beforeAll(async () => {
    t = await createTestApp({
      // X-Forwarded-For is input too: honoured, it reaches allowlists, rate limits and the audit.
      TRUST_PROXY: 'true',
      // Wrong passwords are half of what the fuzzer sends; the lock must not shut the owner out.
      LOGIN_MAX_FAILURES_PER_EMAIL: '1000000',
      // Limits on, for the code that keys counters by client address, key and organization; set
      // far above what the fuzzer sends (its organizations are on an enterprise plan to match).
      RATE_LIMITS_ENABLED: 'true',
      PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000',
    });
    // One listening server for every request, instead of supertest opening one per request.
    const server = t.http as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    targets = await FuzzTargets.create(t);
    routes = await documentedRoutes(t);
    vocabulary = vocabularyOf(routes.map((route) => route.body).filter(Boolean) as Schema[]);
  });

  afterAll(async () => {
    if (REPORT) {
      const lines = [...answered].map(
        ([route, statuses]) =>
          `${route.padEnd(56)} ${[...statuses]
            .sort(([a], [b]) => a - b)
            .map(([status, count]) => `${status}×${count}`)
            .join(' ')}`,
      );
      console.log(
        `How the routes answered (FUZZ_RUNS=${RUNS}, FUZZ_SEED=${SEED}):\n${lines.join('\n')}`,
      );
    }
    await t.app.get(AuditWriter).drain();
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  /** Sends one input; answers what is wrong with the answer (empty when nothing is). */
  async function send(route: DocumentedRoute, input: FuzzInput): Promise<string[]> {
    const ids = Object.fromEntries(
      route.pathParameters.map((name) => [
        name,
        pathSegment(input.ids[name], targets.realIds(route.path, name)),
      ]),
    );
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]);
    const credential =
      typeof input.credential === 'string'
        ? targets.credential(input.credential)
        : input.credential;
    const body = input.body && bodyFrom(input.body, targets.validBody(route));
    let call = request(baseUrl)
      [route.method.toLowerCase() as 'get'](input.query ? `${path}?${input.query}` : path)
      .set(credential)
      .set(input.headers ?? {})
      .timeout(15_000);
    if (body) call = call.set('Content-Type', body.contentType).send(body.text);
    let answer: request.Response;
    try {
      answer = await call;
    } catch (error) {
      return [`no answer: ${(error as Error).message}`];
    }
    const statuses = answered.get(route.key) ?? new Map<number, number>();
    answered.set(route.key, statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1));
    const problems = contractProblems(answer, route.errors);
    if (problems.length) return [...problems, `answer ${answer.status} ${summary(answer.text)}`];
    if (answer.status < 300 && route.method !== 'GET') {
      const kind = typeof input.credential === 'string' ? input.credential : 'none';
      await targets.afterSuccess(route, kind, ids, body?.text, answer);
    }
    return [];
  }

  /** 5xx answers and errors the app logged since line `from`. */
  function loggedProblems(from: number): string[] {
    return t.logs.lines
      .slice(from)
      .map((line) => JSON.parse(line) as Record<string, never>)
      .filter((entry) => entry.level >= 50 || (entry.res?.['status_code'] ?? 0) >= 500)
      .map((entry) => summary({ msg: entry.msg, err: entry.err?.['message'], req: entry.req }));
  }

  /**
   * Runs `RUNS` inputs against one route; answers a report of what failed, or null. Failing
   * inputs are not shrunk: each run is a request against state earlier runs changed.
   */
  async function fuzz(
    route: DocumentedRoute,
    property: string,
    inputs: fc.Arbitrary<FuzzInput>,
  ): Promise<string | null> {
    const logsFrom = t.logs.lines.length;
    const details = await fc.check(
      fc.asyncProperty(inputs, async (input) => {
        const problems = await send(route, input);
        if (problems.length) throw new Error(problems.join('; '));
      }),
      { numRuns: RUNS, seed: seedFor(`${property} ${route.key}`), endOnFailure: true },
    );
    const logged = loggedProblems(logsFrom);
    if (!details.failed && !logged.length) return null;
    const failure = details.failed
      ? [
          `  ${(details.errorInstance as Error).message}`,
          `  input: ${summary(details.counterexample?.[0])}`,
          `  replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} (run ${details.numRuns})`,
        ]
      : [];
    return [`${property}: ${route.key}`, ...failure, ...logged.map((l) => `  log: ${l}`)].join(
      '\n',
    );
  }

  const pathIds = (route: DocumentedRoute) =>
    fc.record(
      Object.fromEntries(
        route.pathParameters.map((name) => [
          name,
          pathId(targets.realIds(route.path, name).length),
        ]),
      ),
    );
  const credentials = () => fc.constantFrom(...CREDENTIAL_KINDS);

  async function fuzzEach(
    selected: DocumentedRoute[],
    property: string,
    inputs: (route: DocumentedRoute) => fc.Arbitrary<FuzzInput>,
  ): Promise<void> {
    const failures: string[] = [];
    for (const route of selected) {
      const failure = await fuzz(route, property, inputs(route));
      if (failure) failures.push(failure);
    }
    logLinesChecked = t.logs.lines.length;
    expect(failures).toEqual([]);
  }

  it('takes its routes from the app: every operation of /openapi.json, each served', async () => {
    const fastify = t.app.getHttpAdapter().getInstance();
    const unserved = routes.filter(
      (route) =>
        !fastify.hasRoute({
          method: route.method as 'GET',
          // `/console/{path}` is Fastify's wildcard route `/console/*`.
          url: route.path.replace(/\/\{path\}$/, '/*').replace(/\{(\w+)\}/g, ':$1'),
        }),
    );
    expect(unserved.map((route) => route.key)).toEqual([]);
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.filter((route) => route.body).length).toBeGreaterThan(10);
    expect(routes.filter((route) => route.query.length).length).toBeGreaterThan(5);
    // The owner's credential works, or the fuzzing would stop at 401s.
    await request(t.http).get('/v1/auth/verify').set(bearer(targets.owner.accessToken)).expect(200);
  });

  it(
    'answers random and mutated JSON bodies on every route that takes one with a 4xx in the contract’s shape, never a 5xx',
    async () => {
      await fuzzEach(
        routes.filter((route) => route.method !== 'GET'),
        'body',
        (route) =>
          fc.record({
            credential: credentials(),
            ids: pathIds(route),
            body: bodyPlan(route.body, vocabulary),
          }),
      );
    },
    TIMEOUT_MS,
  );

  it('answers null and a value of another type in every field of every documented body, never a 5xx', async () => {
    // Every field, every time (the random runs reach a given field only now and then): null
    // above all, which "optional" may let through to a service that reads it as given.
    const anotherType = (schema: Schema): unknown =>
      schema.type === 'string' ? 12345 : schema.type === 'array' ? 'x' : schema.type ? '10' : [];
    const failures: string[] = [];
    for (const route of routes) {
      const ids = Object.fromEntries(
        route.pathParameters.map((name): [string, PathIdChoice] => [
          name,
          { real: 0, reshape: 'none' },
        ]),
      );
      for (const [field, schema] of Object.entries(route.body?.properties ?? {})) {
        for (const value of [null, anotherType(schema)]) {
          for (const credential of ['user', 'api_key', 'instance_admin'] as const) {
            const body: BodyPlan = { kind: 'set', field, value };
            const problems = await send(route, { credential, ids, body });
            if (problems.length) {
              failures.push(
                `${route.key} ${summary(body)} (${credential}): ${problems.join('; ')}`,
              );
            }
          }
        }
      }
    }
    failures.push(...loggedProblems(logLinesChecked));
    logLinesChecked = t.logs.lines.length;
    expect(failures).toEqual([]);
  });

  it(
    'answers random query strings and path ids on every GET route, never a 5xx',
    async () => {
      await fuzzEach(
        routes.filter((route) => route.method === 'GET'),
        'query',
        (route) =>
          fc.record({
            credential: credentials(),
            ids: pathIds(route),
            query: queryString(route.query, targets.allRealIds()),
          }),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'answers odd X-Organization-ID, X-Request-Id, X-Forwarded-For and junk credentials on every route, never a 5xx',
    async () => {
      const organizations = targets.organizationIds();
      const headers = fc.record(
        {
          'X-Organization-ID': organizationHeader(organizations),
          'X-Client-ID': organizationHeader(organizations),
          'X-Request-Id': requestIdHeader,
          'X-Forwarded-For': forwardedFor,
        },
        { requiredKeys: [] },
      );
      await fuzzEach(routes, 'headers', (route) =>
        fc.record({
          credential: fc.oneof(
            { weight: 3, arbitrary: credentials() },
            { weight: 1, arbitrary: junkCredential(targets.secrets()) },
          ),
          ids: pathIds(route),
          headers,
          ...(route.method === 'GET' ? {} : { body: fc.constant<BodyPlan>({ kind: 'valid' }) }),
        }),
      );
    },
    TIMEOUT_MS,
  );

  it('stores every audit event the fuzzing caused and keeps the chains verifiable', async () => {
    await t.app.get(AuditWriter).drain();
    expect(loggedProblems(logLinesChecked)).toEqual([]);
    for (const organizationId of targets.organizationIds().slice(0, 2)) {
      const verify = await request(t.http)
        .get('/v1/audit-logs/verify')
        .set(bearer(targets.owner.accessToken))
        .set('X-Organization-ID', organizationId)
        .expect(200);
      expect(verify.body).toMatchObject({ valid: true });
    }
  });
});
