import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { CREDENTIAL_SCHEMES, withoutQueryApiKey } from './common/http/api-docs';
import { EnvironmentVariables } from './config/env.schema';

/**
 * The OpenAPI document of the app's routes. Each route's security, X-Organization-ID header and
 * error answers come from its @Access or @Public (common/auth/decorators.ts).
 */
export function buildOpenApiDocument(
  app: NestFastifyApplication,
  env: Pick<EnvironmentVariables, 'API_KEY_QUERY_PARAM_ENABLED'>,
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
    .build();
  const document = SwaggerModule.createDocument(app, config);
  return env.API_KEY_QUERY_PARAM_ENABLED ? document : withoutQueryApiKey(document);
}

/** Swagger UI at /docs and the OpenAPI 3 document at /openapi.json. */
export function setupOpenApi(app: NestFastifyApplication, env: EnvironmentVariables): void {
  const document = buildOpenApiDocument(app, env);
  document.servers = [{ url: env.TESSERA_ISSUER }];
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: '/openapi.json',
    yamlDocumentUrl: '/openapi.yaml',
  });
}
