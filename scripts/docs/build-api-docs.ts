import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** The OpenAPI document the SDK is generated from; a test keeps it equal to the live one. */
export const OPENAPI_JSON = join(ROOT, 'packages', 'sdk', 'openapi.json');
export const API_DOCS_DIR = join(ROOT, 'docs', 'api');
const SWAGGER_UI = dirname(require.resolve('swagger-ui-dist/package.json'));
/** The renderer's files, copied beside the page: nothing is fetched when it is viewed. */
const VENDORED = ['swagger-ui.css', 'swagger-ui-bundle.js'];

/**
 * `npm run docs`: a static API reference of /openapi.json in docs/api/, viewable offline (from
 * the disk or any static host). Swagger UI's own distribution (swagger-ui-dist, already in the
 * tree through @nestjs/swagger: no new dependency) renders it; the document is a script, not a
 * fetched file, so the page works from file:// too. "Try it out" is off: a reference page has no
 * server to talk to.
 */
export function buildApiDocs(outDir: string = API_DOCS_DIR): string[] {
  const document = JSON.parse(readFileSync(OPENAPI_JSON, 'utf8')) as {
    info: { title: string; version: string };
  };
  mkdirSync(outDir, { recursive: true });
  for (const file of VENDORED) copyFileSync(join(SWAGGER_UI, file), join(outDir, file));
  const files: Record<string, string> = {
    'openapi.json': JSON.stringify(document, null, 2) + '\n',
    'openapi.js': `window.TESSERA_OPENAPI = ${JSON.stringify(document)};\n`,
    'index.js': INIT_SCRIPT,
    'index.html': page(`${document.info.title} ${document.info.version}: API reference`),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(outDir, name), text);
  return [...VENDORED, ...Object.keys(files)].map((name) => join(outDir, name));
}

const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    spec: window.TESSERA_OPENAPI,
    dom_id: '#api',
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: false,
    supportedSubmitMethods: [],
    validatorUrl: null,
  });
});
`;

function page(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <link rel="stylesheet" href="swagger-ui.css">
</head>
<body>
  <div id="api"></div>
  <script src="swagger-ui-bundle.js"></script>
  <script src="openapi.js"></script>
  <script src="index.js"></script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

if (require.main === module) {
  for (const file of buildApiDocs()) console.log(`wrote ${relative(process.cwd(), file)}`);
}
