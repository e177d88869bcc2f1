// A relying party built on panva's certified openid-client, run as its own Node process because
// openid-client 6 is ESM-only and Jest cannot load it on Node 20. The e2e suite
// (test/e2e/oauth-openid-client.e2e-spec.ts) starts a listening Tessera, runs one scenario here,
// and checks the JSON this prints. Everything openid-client checks (discovery's issuer, response
// shapes, token types) is checked as it would be for any real app; http is allowed because the
// test server listens on 127.0.0.1 only.
import { createHmac } from 'node:crypto';
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

/**
 * A browser in miniature for the hosted pages: keeps the cookies Tessera sets, follows no
 * redirect by itself (the caller reads Location), posts forms with their hidden fields.
 */
class Browser {
  cookies = new Map();

  async go(url, form) {
    const headers = { cookie: [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ') };
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(new URL(url, input.issuer), {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const at = pair.indexOf('=');
      const expired = attributes.some((a) => a.toLowerCase() === 'max-age=0');
      if (expired) this.cookies.delete(pair.slice(0, at));
      else this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return {
      status: response.status,
      location: response.headers.get('location'),
      html: await response.text(),
    };
  }
}

/** A hidden field's value on a page (HTML entities decoded). */
function hidden(html, name) {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  return match ? decodeEntities(match[1]) : undefined;
}

function decodeEntities(text) {
  return text
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret, `stepsAhead` steps from now. */
function totp(secret, stepsAhead) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of secret.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + stepsAhead));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/**
 * What a person does in a browser between the authorization URL and the callback: each page
 * Tessera shows is answered (the password, the TOTP code, Allow on the consent page) and each
 * redirect followed, until one leads to the redirect URI, whose URL is returned (never fetched).
 */
async function signInAndConsent(authorizationUrl, user) {
  const browser = new Browser();
  const pages = [];
  let response = await browser.go(authorizationUrl);
  for (let step = 0; step < 12; step++) {
    if (response.location) {
      const next = new URL(response.location, input.issuer);
      if (next.href.startsWith(input.redirectUri)) return { callback: next.href, pages };
      response = await browser.go(next);
      continue;
    }
    const { html } = response;
    const csrf = hidden(html, '_csrf');
    const returnTo = hidden(html, 'return_to');
    if (html.includes('action="/oauth/login/totp"')) {
      pages.push('totp');
      response = await browser.go('/oauth/login/totp', {
        _csrf: csrf,
        return_to: returnTo,
        code: totp(user.totpSecret, 1),
      });
    } else if (html.includes('action="/oauth/login"')) {
      pages.push('login');
      response = await browser.go('/oauth/login', {
        _csrf: csrf,
        return_to: returnTo,
        email: user.email,
        password: user.password,
      });
    } else if (html.includes('action="/oauth/authorize/consent"')) {
      pages.push('consent');
      const checked = /name="organization_id" value="([^"]+)" checked>/.exec(html)?.[1];
      response = await browser.go('/oauth/authorize/consent', {
        _csrf: csrf,
        return_to: returnTo ?? '',
        authorization: hidden(html, 'authorization'),
        organization_id: checked ?? hidden(html, 'organization_id'),
        decision: 'allow',
      });
    } else {
      throw new Error(`Unexpected page ${response.status}: ${html.slice(0, 300)}`);
    }
  }
  throw new Error(`No callback after the pages ${pages.join(', ')}`);
}

const scenarios = {
  /**
   * The authorization code flow as an app runs it: discovery, an authorization URL with PKCE,
   * state and nonce, the person's sign-in and consent, the code exchange (openid-client checks
   * iss, state, the ID token and its nonce), userinfo, a /v1 call, refresh, introspection by a
   * resource server, and revocation of the refresh token (which ends the grant).
   */
  async authorization_code() {
    const config = await discover(input.client.id, input.client.secret);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: input.redirectUri,
      scope: input.scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const { callback, pages } = await signInAndConsent(authorizationUrl, input.user);
    const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    const verified = await fetch(new URL('/v1/auth/verify', input.issuer), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    const resourceServer = await discover(input.resourceServer.id, input.resourceServer.secret);
    const active = await client.tokenIntrospection(resourceServer, refreshed.access_token);
    await client.tokenRevocation(config, refreshed.refresh_token);
    const afterRevocation = await client.tokenIntrospection(resourceServer, refreshed.access_token);
    return {
      pages,
      callbackParameters: [...new URL(callback).searchParams.keys()],
      callbackIss: new URL(callback).searchParams.get('iss'),
      tokenType: tokens.token_type,
      scope: tokens.scope,
      claims,
      userinfo,
      verify: { status: verified.status, body: await verified.json() },
      refreshedScope: refreshed.scope,
      refreshRotated: refreshed.refresh_token !== tokens.refresh_token,
      active,
      afterRevocation,
      accessToken: tokens.access_token,
    };
  },

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
