import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { EnvironmentVariables } from './config/env.schema';

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Tessera')
    .setDescription(
      'Self-hosted, multi-tenant authentication and authorization: API keys, users, organizations.',
    )
    .setVersion('1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'User access token (JWT) or API key',
    })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api_key')
    .addApiKey({ type: 'apiKey', in: 'query', name: 'api_key' }, 'api_key_query')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at /docs and the OpenAPI 3 document at /openapi.json. */
export function setupOpenApi(app: NestFastifyApplication, env: EnvironmentVariables): void {
  const document = buildOpenApiDocument(app);
  document.servers = [{ url: env.TESSERA_ISSUER }];
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: '/openapi.json',
    yamlDocumentUrl: '/openapi.yaml',
  });
}
