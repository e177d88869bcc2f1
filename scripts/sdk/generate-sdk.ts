import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { generateSdkSources, OPENAPI_JSON_PATH, SCHEMA_TS_PATH } from './sdk-sources';

/** `npm run sdk:generate`: rewrites packages/sdk/openapi.json and src/generated/schema.ts. */
async function main(): Promise<void> {
  const sources = await generateSdkSources();
  mkdirSync(dirname(SCHEMA_TS_PATH), { recursive: true });
  writeFileSync(OPENAPI_JSON_PATH, sources.openapiJson);
  writeFileSync(SCHEMA_TS_PATH, sources.schemaTs);
  for (const path of [OPENAPI_JSON_PATH, SCHEMA_TS_PATH]) {
    console.log(`wrote ${relative(process.cwd(), path)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
