import { readFileSync } from 'node:fs';
import {
  DOCUMENT_ENVIRONMENT,
  fetchOpenApiDocument,
  OPENAPI_JSON_PATH,
  SCHEMA_TS_PATH,
  sdkSourcesOf,
} from '../../scripts/sdk/sdk-sources';
import { createListeningApp, ListeningTestApp } from '../utils/listening-app';

/**
 * The SDK's generated client is what `npm run sdk:generate` makes of the live /openapi.json: a
 * route, field or status changed without regenerating fails here.
 */
describe('the generated SDK client', () => {
  let t: ListeningTestApp;

  beforeAll(async () => {
    t = await createListeningApp(DOCUMENT_ENVIRONMENT);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('matches the live /openapi.json (run `npm run sdk:generate` when this fails)', async () => {
    const live = sdkSourcesOf(await fetchOpenApiDocument(t.url));
    expect(readFileSync(OPENAPI_JSON_PATH, 'utf8')).toBe(live.openapiJson);
    expect(readFileSync(SCHEMA_TS_PATH, 'utf8')).toBe(live.schemaTs);
  });

  it('notices a route the checked-in client does not have', async () => {
    const document = await fetchOpenApiDocument(t.url);
    const paths = document.paths as Record<string, unknown>;
    paths['/v1/brand-new'] = { get: { operationId: 'brandNew', responses: { 200: {} } } };
    const changed = sdkSourcesOf(document);
    expect(changed.schemaTs).not.toBe(readFileSync(SCHEMA_TS_PATH, 'utf8'));
    expect(changed.openapiJson).not.toBe(readFileSync(OPENAPI_JSON_PATH, 'utf8'));
  });
});
