import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { SecuritySchemeObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { defaultScopeCatalogue } from './common/auth/scopes';
import { OIDC_SCOPES } from './modules/oauth/oidc-scopes';
import { CREDENTIAL_SCHEMES, withoutQueryApiKey } from './common/http/api-docs';
import { EnvironmentVariables } from './config/env.schema';

/**
 * The OpenAPI document of the app's routes. Each route's security, X-Organization-ID header and
 * error answers come from its @Access or @Public (common/auth/decorators.ts).
 */
export function buildOpenApiDocument(
  app: NestFastifyApplication,
  env: Pick<EnvironmentVariables, 'API_KEY_QUERY_PARAM_ENABLED' | 'TESSERA_EXTRA_SCOPES'>,
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Tessera')
    .setDescription(
      'Self-hosted, multi-tenant authentication and authorization: API keys, users, organizations.',
    )
    .setVersion('1')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'User access token (JWT) or API key' },
      CREDENTIAL_SCHEMES.bearer,
    )
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, CREDENTIAL_SCHEMES.apiKeyHeader)
    .addApiKey({ type: 'apiKey', in: 'query', name: 'api_key' }, CREDENTIAL_SCHEMES.apiKeyQuery)
    .addOAuth2(oauth2Scheme(env), CREDENTIAL_SCHEMES.oauth2)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  return env.API_KEY_QUERY_PARAM_ENABLED ? document : withoutQueryApiKey(document);
}

/**
 * Tessera's own authorization server (RFC 8414 metadata at /.well-known/oauth-authorization-server):
 * the code flow for people (with PKCE) and client credentials for machines, over the catalogue's
 * scopes and OpenID Connect's. URLs are relative to the document's server.
 */
function oauth2Scheme(
  env: Pick<EnvironmentVariables, 'TESSERA_EXTRA_SCOPES'>,
): SecuritySchemeObject {
  const extra = env.TESSERA_EXTRA_SCOPES.split(/\s+/).filter(Boolean);
  const scopes = Object.fromEntries(
    [...OIDC_SCOPES, ...defaultScopeCatalogue(extra)].map((scope) => [scope, scope]),
  );
  return {
    type: 'oauth2',
    description: 'An OAuth 2.0 access token (RFC 9068 JWT) from /oauth/token',
    flows: {
      authorizationCode: {
        authorizationUrl: '/oauth/authorize',
        tokenUrl: '/oauth/token',
        refreshUrl: '/oauth/token',
        scopes,
      },
      clientCredentials: { tokenUrl: '/oauth/token', scopes },
    },
  };
}

/**
 * Swagger UI at /docs and the OpenAPI 3 document at /openapi.json. The document is built at its
 * first request (then kept), not at start: ~0.8 MB of heap that most instances never serve
 * (issue #19).
 */
export function setupOpenApi(app: NestFastifyApplication, env: EnvironmentVariables): void {
  const document = () => {
    const built = buildOpenApiDocument(app, env);
    built.servers = [{ url: env.TESSERA_ISSUER }];
    return built;
  };
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: '/openapi.json',
    yamlDocumentUrl: '/openapi.yaml',
  });
}
