// A relying party built on panva's certified openid-client, run as its own Node process because
// openid-client 6 is ESM-only and Jest cannot load it on Node 20. The e2e suite
// (test/e2e/oauth-openid-client.e2e-spec.ts) starts a listening Tessera, runs one scenario here,
// and checks the JSON this prints. Everything openid-client checks (discovery's issuer, response
// shapes, token types) is checked as it would be for any real app; http is allowed because the
// test server listens on 127.0.0.1 only.
import * as client from 'openid-client';

const [scenario, json] = process.argv.slice(2);
const input = JSON.parse(json);
const insecure = { execute: [client.allowInsecureRequests] };

async function discover(clientId, clientSecret) {
  return client.discovery(
    new URL(input.issuer),
    clientId,
    undefined,
    client.ClientSecretBasic(clientSecret),
    insecure,
  );
}

const scenarios = {
  /** client_credentials, then a resource server introspects, then the client revokes. */
  async client_credentials() {
    const config = await discover(input.client.id, input.client.secret);
    const metadata = config.serverMetadata();
    const tokens = await client.clientCredentialsGrant(config, { scope: input.scope });
    const resourceServer = await discover(input.resourceServer.id, input.resourceServer.secret);
    const active = await client.tokenIntrospection(resourceServer, tokens.access_token);
    await client.tokenRevocation(config, tokens.access_token);
    const afterRevocation = await client.tokenIntrospection(resourceServer, tokens.access_token);
    return {
      issuer: metadata.issuer,
      tokenType: tokens.token_type,
      scope: tokens.scope,
      expiresIn: tokens.expires_in,
      accessToken: tokens.access_token,
      active,
      afterRevocation,
    };
  },
};

try {
  const result = await scenarios[scenario]();
  process.stdout.write(JSON.stringify({ ok: true, result }));
} catch (error) {
  process.stdout.write(
    JSON.stringify({
      ok: false,
      error: { name: error?.name, code: error?.code, message: error?.message, cause: error?.cause },
    }),
  );
}
