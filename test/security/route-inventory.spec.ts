import {
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  PIPES_METADATA,
  REDIRECT_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { FastifyContextConfig } from 'fastify';
import request from 'supertest';
import { AccessPolicy } from '../../src/common/auth/decorators';
import { permissionTable } from '../../src/common/auth/permissions';
import { routePolicy } from '../../src/common/auth/route-policy';
import { AuthController } from '../../src/modules/auth/auth.controller';
import { createTestApp, TestApp } from '../utils/create-app';
import { appRoutes, openApiPath } from './app-routes';

interface RouteEntry {
  method: string;
  path: string;
  access: string;
}

/**
 * Every route of the app with who may call it, as the access guard reads it (routePolicy). A
 * route without @Access or @Public fails the test; the snapshot makes every change of access a
 * reviewed diff.
 */
function routeInventory(t: TestApp): RouteEntry[] {
  const reflector = new Reflector();
  return appRoutes(t.app).map(({ method, path, handler, controller }) => {
    if (reflector.getAllAndOverride(AccessPolicy, [handler, controller]) === undefined) {
      return { method, path, access: '' };
    }
    const policy = routePolicy(reflector, handler, controller);
    const declarations = policy.isPublic
      ? ['public']
      : [
          ...policy.scopes.map((s) => `scope:${s}`),
          ...policy.permissions.map((p) => `permission:${p.name}`),
        ];
    if (declarations.length === 0) declarations.push('authenticated');
    const fromPath = policy.organizationParam;
    return {
      method,
      path,
      access: declarations.join(' ') + (fromPath ? ` (organization from :${fromPath})` : ''),
    };
  });
}

/** What Nest would run around a handler, declared on the route or its controller. */
const ROUTE_ENHANCERS = {
  guards: GUARDS_METADATA,
  interceptors: INTERCEPTORS_METADATA,
  pipes: PIPES_METADATA,
  filters: EXCEPTION_FILTERS_METADATA,
  headers: HEADERS_METADATA,
  http_code: HTTP_CODE_METADATA,
  redirect: REDIRECT_METADATA,
  sse: SSE_METADATA,
};

describe('route inventory', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('declares who may call every route', () => {
    const routes = routeInventory(t);
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.filter((r) => r.access === '')).toEqual([]);
    expect(routes.map((r) => `${r.method.padEnd(6)} ${r.path}  ${r.access}`)).toMatchSnapshot();
  });

  it('names only path parameters the route has in organizationFromPath', () => {
    const misnamed = routeInventory(t).filter((route) => {
      const named = /\(organization from :(\w+)\)/.exec(route.access)?.[1];
      return named !== undefined && !route.path.split('/').includes(`:${named}`);
    });
    expect(misnamed).toEqual([]);
  });

  it('demands only permissions of the role tables', () => {
    const reflector = new Reflector();
    const registered = permissionTable().all;
    const unregistered = appRoutes(t.app)
      .flatMap((r) => routePolicy(reflector, r.handler, r.controller).permissions)
      .filter((permission) => !registered.includes(permission))
      .map((permission) => permission.name);
    expect(unregistered).toEqual([]);
  });

  it('documents every route in /openapi.json', async () => {
    const document = await request(t.http).get('/openapi.json').expect(200);
    const documented = new Set(
      Object.entries(document.body.paths as Record<string, Record<string, unknown>>).flatMap(
        ([path, operations]) =>
          Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const missing = appRoutes(t.app)
      .map((route) => `${route.method} ${openApiPath(route)}`)
      .filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
  });

  /**
   * GET /v1/auth/verify is answered from Fastify with the AccessGuard alone (VerifyRoute), and so
   * are the @DirectRoute routes (the OAuth token and introspection endpoints). Anything Nest would
   * add around a route, a second global guard above all, would be skipped there silently: this
   * fails first, so whoever adds one decides how those routes get it (DirectRoutes refuses at
   * boot a direct route declaring its own).
   */
  describe('the routes answered outside Nest’s router (verify, @DirectRoute)', () => {
    it('has no global guard besides AccessGuard and no global interceptor', () => {
      const enhancers: string[] = [];
      for (const module of t.app.get(ModulesContainer).values()) {
        for (const [token, wrapper] of module.providers) {
          if (typeof token === 'string' && /^APP_(GUARD|INTERCEPTOR) /.test(token)) {
            const instance = wrapper.instance as object | undefined;
            enhancers.push(`${token.split(' ')[0]} ${instance?.constructor.name}`);
          }
        }
      }
      expect(enhancers).toEqual(['APP_GUARD AccessGuard']);
    });

    it('declares nothing Nest would run around the handler', () => {
      const declared = Object.entries(ROUTE_ENHANCERS).flatMap(([name, key]) =>
        [AuthController, AuthController.prototype.verify]
          .filter((target) => Reflect.getMetadata(key, target) !== undefined)
          .map((target) => `${name} on ${target.name}`),
      );
      expect(declared).toEqual([]);
    });

    it('declares nothing around the @DirectRoute handlers but the @Header and @HttpCode they apply', () => {
      const direct = appRoutes(t.app).filter(
        (route) =>
          (
            Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, route.handler) as
              FastifyContextConfig | undefined
          )?.directRoute !== undefined,
      );
      // Which routes skip Nest's router is a decision: a new one shows here.
      expect(direct.map((route) => `${route.method} ${route.path}`)).toEqual([
        'POST /oauth/introspect',
        'POST /oauth/token',
      ]);
      const declared = Object.entries(ROUTE_ENHANCERS)
        .filter(([name]) => name !== 'headers' && name !== 'http_code')
        .flatMap(([name, key]) =>
          direct
            .flatMap((route) => [route.controller, route.handler])
            .filter((target) => Reflect.getMetadata(key, target) !== undefined)
            .map((target) => `${name} on ${target.name}`),
        );
      expect(declared).toEqual([]);
    });
  });
});
