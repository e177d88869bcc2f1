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
import { ModulesContainer } from '@nestjs/core';
import { AuthController } from '../../src/modules/auth/auth.controller';
import { createTestApp, TestApp } from '../utils/create-app';

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

/**
 * GET /v1/auth/verify is answered from Fastify with the AccessGuard alone (VerifyRoute). Anything
 * Nest would add around the route, a second global guard above all, would be skipped there
 * silently: this fails first, so whoever adds one decides how the verify route gets it.
 */
describe('the verify route answered outside Nest’s router', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

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
});
