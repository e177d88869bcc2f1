import { applyDecorators } from '@nestjs/common';
import {
  ApiExtension,
  ApiExtraModels,
  ApiHeader,
  ApiProperty,
  ApiResponse,
  ApiSecurity,
  getSchemaPath,
  OpenAPIObject,
} from '@nestjs/swagger';
import type { RoutePolicy } from '../auth/route-policy';

export class ErrorDto {
  @ApiProperty({ example: 'Invalid or expired token' }) detail: string;
  @ApiProperty({ required: false, example: 'missing_scope' }) code?: string;
}

class ValidationIssueDto {
  @ApiProperty({ example: ['body', 'email'], type: [String] }) loc: (string | number)[];
  @ApiProperty({ example: 'value is not a valid email address' }) msg: string;
  @ApiProperty({ example: 'value_error.email' }) type: string;
}

export class ValidationErrorDto {
  @ApiProperty({ type: [ValidationIssueDto] }) detail: ValidationIssueDto[];
}

const DESCRIPTIONS = {
  400: 'Bad request',
  401: 'Missing, invalid or expired credential',
  403: 'Forbidden: a missing scope or permission, another organization, or a rule of the route',
  404: 'Not found (or another organization’s)',
  409: 'Conflict',
  413: 'Request body too large',
  422: 'Validation failed',
  429: 'Rate limit exceeded (Retry-After header)',
  503: 'Database unavailable',
} as const;

/** An error answer of the contract a route can document. */
export type ErrorStatus = keyof typeof DESCRIPTIONS;

/**
 * The security schemes of the document, one per place a credential is accepted (API.md,
 * "Credentials accepted on every protected endpoint"); the query one only while
 * API_KEY_QUERY_PARAM_ENABLED is on (withoutQueryApiKey).
 */
export const CREDENTIAL_SCHEMES = {
  bearer: 'bearer',
  apiKeyHeader: 'api_key',
  apiKeyQuery: 'api_key_query',
  /** An OAuth access token (a Bearer too): documents the flows and scopes a client can ask for. */
  oauth2: 'oauth2',
} as const;

const ORGANIZATION_HEADER = {
  name: 'X-Organization-ID',
  required: false,
  description:
    'The organization the request acts in, for a user token that belongs to several; for an ' +
    'API key it must be the key’s own. Not a UUID: 400; an organization the credential may not ' +
    'act in: 403. X-Client-ID is accepted as an alias.',
  schema: { type: 'string', format: 'uuid' },
};

/**
 * The scopes a credential that carries scopes needs on a route: the route's own, then the scope
 * standing for each of its permissions.
 */
function requiredScopes(policy: RoutePolicy): string[] {
  return [...new Set([...policy.scopes, ...policy.permissions.map((p) => p.scope)])];
}

/**
 * What the access decision itself can answer on a route with this policy. Every credential is
 * checked against X-Organization-ID too (a malformed one is a 400, an organization the caller may
 * not act in a 403), so a route that takes a credential can answer 400 and 403 even without
 * scopes or permissions.
 */
function accessErrors(policy: RoutePolicy): ErrorStatus[] {
  const statuses: ErrorStatus[] = [];
  if (!policy.isPublic) statuses.push(400, 401, 403);
  if (policy.organizationParam !== undefined) statuses.push(404);
  if (!policy.skipRateLimit) statuses.push(429);
  return statuses;
}

/**
 * An error answer in the contract's shape. Always JSON, whatever the route produces when it
 * succeeds (the audit export streams NDJSON; its 401 is still `{"detail": ...}`).
 */
function errorResponse(status: ErrorStatus): MethodDecorator {
  const body = status === 422 ? ValidationErrorDto : ErrorDto;
  return ApiResponse({
    status,
    description: DESCRIPTIONS[status],
    content: { 'application/json': { schema: { $ref: getSchemaPath(body) } } },
    ...(status === 429 && {
      headers: {
        'Retry-After': {
          description: 'Seconds until a request is counted again',
          schema: { type: 'integer' },
        },
      },
    }),
  });
}

/**
 * The OpenAPI side of @Access and @Public: every accepted credential as a security requirement
 * carrying the route's scopes, the X-Organization-ID header, the permissions (`x-permissions`), and
 * the error answers of the access decision plus the route's own, in the contract's shape.
 */
export function ApiAccess(
  policy: RoutePolicy,
  routeErrors: readonly ErrorStatus[],
): MethodDecorator {
  const decorators: MethodDecorator[] = [ApiExtraModels(ErrorDto, ValidationErrorDto)];
  if (!policy.isPublic) {
    const scopes = requiredScopes(policy);
    for (const scheme of Object.values(CREDENTIAL_SCHEMES)) {
      decorators.push(ApiSecurity(scheme, [...scopes]));
    }
    decorators.push(ApiHeader(ORGANIZATION_HEADER));
  }
  if (policy.permissions.length > 0) {
    const names = policy.permissions.map((permission) => permission.name);
    decorators.push(ApiExtension('x-permissions', names));
  }
  const statuses = new Set([...accessErrors(policy), ...routeErrors]);
  for (const status of [...statuses].sort((a, b) => a - b)) decorators.push(errorResponse(status));
  return applyDecorators(...decorators);
}

/**
 * The document without `?api_key=` when API_KEY_QUERY_PARAM_ENABLED is off: the decorators list
 * every place a credential may come from; the configuration decides at boot whether the query is one.
 */
export function withoutQueryApiKey(document: OpenAPIObject): OpenAPIObject {
  delete document.components?.securitySchemes?.[CREDENTIAL_SCHEMES.apiKeyQuery];
  for (const item of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation?.security) {
        operation.security = operation.security.filter(
          (requirement) => !(CREDENTIAL_SCHEMES.apiKeyQuery in requirement),
        );
      }
    }
  }
  return document;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
