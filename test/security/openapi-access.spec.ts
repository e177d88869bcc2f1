import { Reflector } from '@nestjs/core';
import request from 'supertest';
import { RouteErrors } from '../../src/common/auth/decorators';
import { RoutePolicy, routePolicy } from '../../src/common/auth/route-policy';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { AppRoute, appRoutes, openApiPath } from './app-routes';

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  responses: Record<
    string,
    { content?: Record<string, { schema?: { $ref?: string } }>; headers?: object }
  >;
  'x-permissions'?: string[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, object> };
}

/** What a route's operation says about who may call it and how the access decision answers. */
interface AccessDocumentation {
  route: string;
  security: Record<string, string[]>[] | undefined;
  organizationHeader: boolean;
  permissions: string[] | undefined;
  /** `429 ErrorDto Retry-After`: status, body schema, headers. */
  errors: string[];
}

async function openApiDocument(t: TestApp): Promise<OpenApiDocument> {
  const response = await request(t.http).get('/openapi.json').expect(200);
  return response.body as OpenApiDocument;
}

function documented(route: AppRoute, document: OpenApiDocument): AccessDocumentation {
  const operation = document.paths[openApiPath(route)]?.[route.method.toLowerCase()];
  if (!operation) throw new Error(`${route.method} ${route.path} is not documented`);
  const errors = Object.entries(operation.responses)
    .filter(([status]) => status.startsWith('4'))
    .map(([status, response]) => {
      const schema = response.content?.['application/json']?.schema?.$ref?.split('/').pop();
      const headers = Object.keys(response.headers ?? {});
      return [status, schema, ...headers].join(' ');
    });
  return {
    route: `${route.method} ${route.path}`,
    security: operation.security,
    organizationHeader: (operation.parameters ?? []).some(
      (p) => p.in === 'header' && p.name === 'X-Organization-ID',
    ),
    permissions: operation['x-permissions'],
    errors,
  };
}

/**
 * What the operation must say, from the policy the access guard enforces (routePolicy) and the
 * errors the route's decorator lists as its own; written here apart from the decorators, so a
 * decorator that documents something else than it enforces fails.
 */
function declared(
  route: AppRoute,
  policy: RoutePolicy,
  ownErrors: readonly number[],
  credentials: readonly string[],
): AccessDocumentation {
  const scopes = [...new Set([...policy.scopes, ...policy.permissions.map((p) => p.scope)])];
  const accessErrors = [
    ...(policy.isPublic ? [] : [400, 401, 403]), // 400/403 also for X-Organization-ID
    ...(policy.organizationParam ? [404] : []),
    ...(policy.skipRateLimit ? [] : [429]),
  ];
  const errors = [...new Set([...accessErrors, ...ownErrors])].sort((a, b) => a - b);
  return {
    route: `${route.method} ${route.path}`,
    security: policy.isPublic ? undefined : credentials.map((scheme) => ({ [scheme]: scopes })),
    organizationHeader: !policy.isPublic,
    permissions: policy.permissions.length ? policy.permissions.map((p) => p.name) : undefined,
    errors: errors.map((status) =>
      [status, status === 422 ? 'ValidationErrorDto' : 'ErrorDto', status === 429 && 'Retry-After']
        .filter(Boolean)
        .join(' '),
    ),
  };
}

function compare(t: TestApp, document: OpenApiDocument, credentials: readonly string[]) {
  const reflector = new Reflector();
  const routes = appRoutes(t.app);
  return {
    documented: routes.map((route) => documented(route, document)),
    declared: routes.map((route) =>
      declared(
        route,
        routePolicy(reflector, route.handler, route.controller),
        reflector.get(RouteErrors, route.handler) ?? [],
        credentials,
      ),
    ),
  };
}

/** API.md, "Credentials accepted on every protected endpoint". */
const EVERY_CREDENTIAL = ['bearer', 'api_key', 'api_key_query', 'oauth2'];

describe('the OpenAPI operation of every route', () => {
  let t: TestApp;
  let document: OpenApiDocument;
  beforeAll(async () => {
    t = await createTestApp();
    document = await openApiDocument(t);
  });
  afterAll(() => t.close());

  it('lists exactly the credentials, scopes, permissions and error answers its decorator declares', () => {
    const { documented, declared } = compare(t, document, EVERY_CREDENTIAL);
    expect(documented.length).toBeGreaterThan(10);
    expect(documented).toEqual(declared);
  });

  it('names only security schemes the document defines', () => {
    const used = Object.values(document.paths)
      .flatMap((operations) => Object.values(operations))
      .flatMap((operation) => operation.security ?? [])
      .flatMap((requirement) => Object.keys(requirement));
    expect([...new Set(used)].sort()).toEqual(
      Object.keys(document.components.securitySchemes).sort(),
    );
  });

  it('documents no operation the app does not serve', () => {
    const served = new Set(appRoutes(t.app).map((r) => `${r.method} ${openApiPath(r)}`));
    const operations = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.filter((operation) => !served.has(operation))).toEqual([]);
  });

  it('leaves ?api_key= out while API_KEY_QUERY_PARAM_ENABLED is off', async () => {
    await withTestApp({ API_KEY_QUERY_PARAM_ENABLED: 'false' }, async (own) => {
      const withoutQuery = await openApiDocument(own);
      expect(Object.keys(withoutQuery.components.securitySchemes)).not.toContain('api_key_query');
      const { documented, declared } = compare(own, withoutQuery, ['bearer', 'api_key', 'oauth2']);
      expect(documented).toEqual(declared);
    });
  });
});
