import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DOCUMENT = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'packages', 'sdk', 'openapi.json'), 'utf8'),
) as {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: object }> }>>;
};

/**
 * Success answers the OpenAPI document describes in words only, each for a reason: what is not
 * a JSON object of Tessera's (an empty body, XML, a static file, a redirect) or a standard's
 * document whose fields its RFC defines.
 */
const WITHOUT_SCHEMA = [
  'post /oauth/revoke', // RFC 7009: an empty 200
  'get /.well-known/oauth-authorization-server', // RFC 8414's document
  'get /.well-known/openid-configuration', // OpenID Connect Discovery's document
  'get /oauth/assets/{name}', // the hosted pages' stylesheet and images
  'get /console/assets/{name}', // the console's hashed scripts and styles
  'get /console/assets/{path}', // never answers but 404
  'get /sso/{id}/metadata', // SAML metadata, XML
  'get /sso/{id}/login', // a redirect to the IdP
];

/**
 * Every operation's success answer has a schema in the OpenAPI document (packages/sdk/openapi.json,
 * kept equal to the live /openapi.json by generated-client.sdk-spec.ts): the SDK's types and
 * `npm run docs` show what each route returns.
 */
describe('the OpenAPI document’s success answers', () => {
  it('have a schema, but for the listed exceptions', () => {
    const undescribed: string[] = [];
    for (const [path, item] of Object.entries(DOCUMENT.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const successes = Object.entries(operation.responses ?? {}).filter(([status]) =>
          status.startsWith('2'),
        );
        const described =
          successes.length > 0 &&
          successes.every(
            ([status, answer]) =>
              status === '204' ||
              Object.values(answer.content ?? {}).some(
                (media: { schema?: object }) => media.schema,
              ),
          );
        if (!described) undescribed.push(`${method} ${path}`);
      }
    }
    expect(undescribed.sort()).toEqual([...WITHOUT_SCHEMA].sort());
  });
});
