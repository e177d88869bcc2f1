import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import request from 'supertest';
import {
  Authenticated,
  OrganizationFromPath,
  Permissions,
  Public,
  Scopes,
} from '../../src/common/auth/decorators';
import { createTestApp, TestApp } from '../utils/create-app';

interface RouteEntry {
  method: string;
  path: string;
  access: string;
}

/**
 * Every route of the app with who may call it. A route without @Public, @Authenticated, @Scopes
 * or @Permissions fails the test; the snapshot makes every change of access a reviewed diff.
 */
function routeInventory(t: TestApp): RouteEntry[] {
  const reflector = new Reflector();
  const scanner = new MetadataScanner();
  const routes: RouteEntry[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as new (...args: never[]) => object;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, () => unknown>)[name];
        const methodCode = Reflect.getMetadata(METHOD_METADATA, handler) as
          RequestMethod | undefined;
        if (methodCode === undefined) continue;
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const path = `/${[base, sub].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
        const targets = [handler, controller];
        const declarations = [
          reflector.getAllAndOverride(Public, targets) && 'public',
          reflector.getAllAndOverride(Authenticated, targets) && 'authenticated',
          reflector
            .getAllAndOverride(Scopes.KEY, targets)
            ?.map((s) => `scope:${s}`)
            .join(' '),
          reflector
            .getAllAndOverride(Permissions.KEY, targets)
            ?.map((p) => `permission:${p}`)
            .join(' '),
        ].filter(Boolean);
        const fromPath = reflector.getAllAndOverride(OrganizationFromPath, targets);
        routes.push({
          method: RequestMethod[methodCode],
          path,
          access: declarations.join(' ') + (fromPath ? ` (organization from :${fromPath})` : ''),
        });
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

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

  it('names only path parameters the route has in @OrganizationFromPath', () => {
    const misnamed = routeInventory(t).filter((route) => {
      const named = /\(organization from :(\w+)\)/.exec(route.access)?.[1];
      return named !== undefined && !route.path.split('/').includes(`:${named}`);
    });
    expect(misnamed).toEqual([]);
  });

  it('documents every route in /openapi.json', async () => {
    const document = await request(t.http).get('/openapi.json').expect(200);
    const documented = new Set(
      Object.entries(document.body.paths as Record<string, Record<string, unknown>>).flatMap(
        ([path, operations]) =>
          Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const missing = routeInventory(t)
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`)
      .filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
  });
});
