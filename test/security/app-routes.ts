import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's handler type
type Handler = Function;

/** A route of the running app, as Nest registered it. */
export interface AppRoute {
  method: string;
  /** `/v1/api-keys/:id` */
  path: string;
  handler: Handler;
  controller: Handler;
}

/** Every route of every controller of the app, sorted by path then method. */
export function appRoutes(app: NestFastifyApplication): AppRoute[] {
  const scanner = new MetadataScanner();
  const routes: AppRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
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
        routes.push({ method: RequestMethod[methodCode], path, handler, controller });
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/** The path as the OpenAPI document spells it: `/v1/api-keys/{id}`. */
export function openApiPath(route: AppRoute): string {
  // Fastify's wildcard (`/console/*`) is documented as a `{path}` parameter, as @nestjs/swagger
  // writes it.
  return route.path.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
}
