import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { TestApp } from '../create-app';

/** The part of an OpenAPI 3 schema object the fuzzer reads. */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  items?: Schema;
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
}

export interface QueryParameter {
  name: string;
  schema: Schema;
}

/** One operation of the app, as its OpenAPI document describes it. */
export interface DocumentedRoute {
  method: string;
  /** The OpenAPI template, `/v1/api-keys/{id}`. */
  path: string;
  /** `METHOD /template`, the key of tables and of each route's seed. */
  key: string;
  pathParameters: string[];
  query: QueryParameter[];
  /** The JSON body's schema, references resolved; undefined when the route documents none. */
  body?: Schema;
  /** True when the route declares no security (anyone may call it). */
  public: boolean;
  /**
   * The shape of its error answers: the contract's `{"detail"}`, RFC 6749's `{"error",
   * "error_description"}` on /oauth/*, or an HTML page (a @Page route, `x-tessera-page`).
   */
  errors: 'contract' | 'oauth' | 'page';
}

interface Operation {
  parameters?: { name: string; in: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
  security?: unknown[];
  /** Set by @Page: the route's errors are HTML pages. */
  'x-tessera-page'?: boolean;
}

function errorShapeOf(path: string, operation: Operation): DocumentedRoute['errors'] {
  if (operation['x-tessera-page'] === true) return 'page';
  return path.startsWith('/oauth/') ? 'oauth' : 'contract';
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/**
 * Every operation the running app documents at /openapi.json, with its path parameters, query
 * parameters and body schema. The route inventory test (test/security) fails when a route of the
 * app is missing from the document, so this is every route: a new one is fuzzed without anyone
 * listing it.
 */
export async function documentedRoutes(t: TestApp): Promise<DocumentedRoute[]> {
  const document = (await request(t.http).get('/openapi.json').expect(200)).body as OpenApiDocument;
  const resolve = (schema: Schema | undefined): Schema | undefined =>
    schema ? resolveSchema(schema, document.components?.schemas ?? {}) : undefined;
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      const parameters = operation.parameters ?? [];
      return {
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
        pathParameters: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: resolve(p.schema) ?? {} })),
        body: resolve(operation.requestBody?.content?.['application/json']?.schema),
        public: (operation.security ?? []).length === 0,
        errors: errorShapeOf(path, operation),
      };
    }),
  );
}

function resolveSchema(schema: Schema, components: Record<string, Schema>, depth = 0): Schema {
  if (depth > 8) return {};
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolveSchema(components[name] ?? {}, components, depth + 1);
  }
  if (schema.allOf?.length === 1) return resolveSchema(schema.allOf[0], components, depth + 1);
  const properties = schema.properties
    ? Object.fromEntries(
        Object.entries(schema.properties).map(([name, property]) => [
          name,
          resolveSchema(property, components, depth + 1),
        ]),
      )
    : undefined;
  const items = schema.items ? resolveSchema(schema.items, components, depth + 1) : undefined;
  return { ...schema, properties, items };
}

/** A value the schema accepts as far as the document says: its example, default or first choice. */
export function exampleOf(schema: Schema): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      return schema.format === 'uuid' ? randomUUID() : 'x'.repeat(schema.minLength ?? 1);
    case 'number':
    case 'integer':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return requiredFieldsOf(schema);
  }
}

/** An object with the schema's required fields, each at its example. */
export function requiredFieldsOf(schema: Schema): Record<string, unknown> {
  return Object.fromEntries(
    (schema.required ?? []).map((name) => [name, exampleOf(schema.properties?.[name] ?? {})]),
  );
}
