import { decodeJwt } from 'jose';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { SamlTestIdp } from '../utils/saml-test-idp';
import { uniqueDomain } from '../utils/sso';
import { DataSource } from 'typeorm';
import { ScopeCatalogue } from '../../src/common/auth/scope-catalogue';
import { MAPPED_ATTRIBUTES } from '../../src/modules/sso/connections/provider-presets';
import { charCount } from '../../src/common/validation/max-chars';
import { answerConsent, answerOf, authorizePath, signedInBrowser } from '../utils/authorize';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, login, TestUser, uniqueEmail } from '../utils/factories';
import { basicAuth, pkcePair } from '../utils/oauth';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';

// One app walks every route that stores text, SSO connections at their limits included: on a
// busy machine on MariaDB that outgrew the suite-wide 30 s.
jest.setTimeout(60_000);

type Loc = (string | number)[];

/**
 * `length` characters as a utf8mb4 column counts them (code points), the hardest kind for a
 * length check: characters outside the BMP (two UTF-16 units, four bytes) and letters followed by
 * a variation selector (which class-validator's MaxLength does not count).
 */
function text(length: number, seed = ''): string {
  const characters = [
    ...seed,
    ...Array.from({ length }, (_, i) => ['𝒜', 'a', '\uFE0F', '中'][i % 4]),
  ];
  return characters.slice(0, length).join('');
}

/** The longest address IsEmail accepts: 254 characters (64 before the @), unique per call. */
function longestEmail(): string {
  const local = `${randomUUID().replace(/-/g, '')}${'l'.repeat(32)}`;
  return `${local}@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(56)}.test`;
}

/** `count` distinct allowed_ips entries, as long as an entry can be in its canonical form. */
const longestAllowedIps = (count: number) =>
  Array.from(
    { length: count },
    (_, i) => `2001:db8:${(0x1000 + i).toString(16)}:4444:5555:6666:7777:8800/120`,
  );

interface Context {
  owner: TestUser;
  member: TestUser;
  organizationId: string;
  keyId: string;
  /** An OAuth client of the owner's personal organization. */
  clientId: string;
  /** A service account of the owner's personal organization. */
  serviceAccountId: string;
  /** An SSO connection of the owner's personal organization. */
  ssoConnectionId: string;
}

/** One route that stores a column: sends `value` in the field at `loc`. */
interface Probe {
  route: string;
  loc: Loc;
  send(t: TestApp, c: Context, value: unknown): request.Test;
  /**
   * Asserts the answer refused the value; by default a 422 naming `loc`. The authorization
   * endpoint answers its client by a redirect instead (RFC 6749 section 4.1.2.1).
   */
  expectRefused?(response: request.Response): void;
}

/** A column clients fill: every route that writes it, and a value one longer than it holds. */
interface InputColumn {
  probes: Probe[];
  /** Defaults to text one character longer than the column; lists say what "longer" is for them. */
  tooLong?: (length: number) => unknown;
}

const asOwner = (c: Context) => bearer(c.owner.accessToken);
const post = (t: TestApp, path: string, headers: Record<string, string>, body: object) =>
  request(t.http).post(path).set(headers).send(body);
const patch = (t: TestApp, path: string, headers: Record<string, string>, body: object) =>
  request(t.http).patch(path).set(headers).send(body);
const register = (t: TestApp, fields: object) =>
  post(
    t,
    '/v1/auth/register',
    {},
    {
      email: uniqueEmail('limits'),
      password: 'long enough password',
      full_name: 'Limits',
      ...fields,
    },
  );
const newKey = (t: TestApp, c: Context, fields: object) =>
  post(t, '/v1/api-keys', asOwner(c), { name: 'k', scopes: ['models:read'], ...fields });
const newClient = (t: TestApp, c: Pick<Context, 'owner'>, fields: object) =>
  post(t, '/v1/oauth/clients', asOwner(c as Context), {
    name: 'c',
    client_type: 'confidential',
    redirect_uris: ['https://app.example.com/cb'],
    scopes: ['openid'],
    ...fields,
  });
const clientPath = (c: Context) => `/v1/oauth/clients/${c.clientId}`;

const LIMITS_IDP = new SamlTestIdp();

/** `count` distinct redirect URIs of the longest length one may have (2000 characters). */
const longestRedirectUris = (count: number, base = 'https://app.example.com/') =>
  Array.from({ length: count }, (_, i) => {
    const suffix = `/${i}`;
    return `${base}${'a'.repeat(2000 - base.length - suffix.length)}${suffix}`;
  });

/** `count` distinct domains of the longest length a domain may have (253 characters). */
const longestDomains = (count: number) =>
  Array.from({ length: count }, (_, i) => {
    const first = `${randomBytes(8).toString('hex')}x${i}`.padEnd(63, 'a');
    return `${first}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
  });

/**
 * An IdP's group or attribute name at the limit (256 UTF-16 units), in the characters that take
 * the most bytes per unit in UTF-8 (three): what a column's byte size has to hold.
 */
const heaviestName = (label: string) => `${label} `.padEnd(256, '中');

/**
 * `count` distinct certificates of the largest size IdP metadata may carry (8192 base64
 * characters: 6144 bytes of DER), made by openssl and grown to that size by a comment extension.
 */
function largestCertificates(count: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-limits-cert-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['genrsa', '-out', key, '2048'], { stdio: 'ignore' });
    const make = (index: number, commentLength: number) => {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-key',
          key,
          '-sha256',
          '-days',
          '2',
          '-out',
          cert,
          '-subj',
          `/CN=limits-${index}`,
          '-addext',
          `nsComment=${'c'.repeat(commentLength)}`,
        ],
        { stdio: 'ignore' },
      );
      return readFileSync(cert, 'utf8').replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
    };
    return Array.from({ length: count }, (_, index) => {
      let commentLength = 4000;
      for (let attempt = 0; attempt < 5; attempt++) {
        const base64 = make(index, commentLength);
        const bytes = Buffer.from(base64, 'base64').length;
        if (bytes === 6144) return base64;
        commentLength += 6144 - bytes;
      }
      throw new Error('could not make a certificate of 6144 bytes');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** IdP metadata with these certificates, as large as the XML limit lets the test make it. */
const metadataWith = (entityId: string, ssoUrl: string, certificates: string[]) =>
  `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">` +
  '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">' +
  certificates
    .map(
      (base64) =>
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">' +
        `<ds:X509Data><ds:X509Certificate>${base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('') +
  `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>` +
  '</md:IDPSSODescriptor></md:EntityDescriptor>';

/** An https URL of exactly `length` characters (code points), its path filled with `fill`. */
const urlOfLength = (length: number, base: string, fill = 'u') =>
  `${base}${fill.repeat(length).slice(0, length - base.length)}`;

const newServiceAccount = (t: TestApp, c: Pick<Context, 'owner'>, fields: object) =>
  post(t, '/v1/service-accounts', asOwner(c as Context), {
    name: 'sa',
    scopes: ['models:read'],
    algorithm: 'ES256',
    ...fields,
  });

/** The probes of a service account field that both creating and updating store. */
const serviceAccountProbes = (field: string): Probe[] => [
  {
    route: 'POST /v1/service-accounts',
    loc: ['body', field],
    send: (t, c, value) => newServiceAccount(t, c, { [field]: value }),
  },
  {
    route: 'PATCH /v1/service-accounts/:id',
    loc: ['body', field],
    send: (t, c, value) =>
      patch(t, `/v1/service-accounts/${c.serviceAccountId}`, asOwner(c), { [field]: value }),
  },
];

const newSsoConnection = (t: TestApp, c: Pick<Context, 'owner'>, fields: object) =>
  post(t, '/v1/sso/connections', asOwner(c as Context), {
    name: 'limits',
    provider: 'okta',
    idp_entity_id: 'https://idp.limits.example',
    idp_sso_url: 'https://idp.limits.example/sso',
    idp_certificate: LIMITS_IDP.certificatePem,
    domains: [uniqueDomain('limits')],
    ...fields,
  });

/** The probes of a connection field that creating (and, with `patchToo`, updating) stores. */
const ssoConnectionProbes = (field: string, patchToo = true): Probe[] => [
  {
    route: 'POST /v1/sso/connections',
    loc: ['body', field],
    send: (t, c, value) => newSsoConnection(t, c, { [field]: value }),
  },
  ...(patchToo
    ? [
        {
          route: 'PATCH /v1/sso/connections/:id',
          loc: ['body', field],
          send: (t: TestApp, c: Context, value: unknown) =>
            patch(t, `/v1/sso/connections/${c.ssoConnectionId}`, asOwner(c), { [field]: value }),
        },
      ]
    : []),
];

/** The probes of a client field that both registering and updating store. */
const clientProbes = (field: string): Probe[] => [
  {
    route: 'POST /v1/oauth/clients',
    loc: ['body', field],
    send: (t, c, value) => newClient(t, c, { [field]: value }),
  },
  {
    route: 'PATCH /v1/oauth/clients/:client_id',
    loc: ['body', field],
    send: (t, c, value) => patch(t, clientPath(c), asOwner(c), { [field]: value }),
  },
];

/** An authorization request of the context's client (its registration's redirect URI). */
const authorize = (t: TestApp, c: Context, parameters: Record<string, string>) =>
  request(t.http).get(
    `/oauth/authorize?${new URLSearchParams({
      client_id: c.clientId,
      redirect_uri: 'https://app.example.com/cb',
      response_type: 'code',
      scope: 'openid',
      state: 'limits',
      ...parameters,
    }).toString()}`,
  );

/** The request sent back to the client with invalid_request naming the parameter. */
const refusedByRedirect =
  (parameter: string) =>
  (response: request.Response): void => {
    expect(response.status).toBe(302);
    const answer = new URL(response.headers.location as string).searchParams;
    expect(answer.get('error')).toBe('invalid_request');
    expect(answer.get('error_description')).toContain(parameter);
    expect(answer.get('state')).toBe('limits');
  };

/** Every string column a client's input reaches, by `table.column`. */
const FROM_INPUT: Record<string, InputColumn> = {
  'users.email': {
    probes: [
      {
        route: 'POST /v1/auth/register',
        loc: ['body', 'email'],
        send: (t, _c, email) => register(t, { email }),
      },
    ],
    tooLong: (length) => `${'a'.repeat(64)}@${'b'.repeat(length + 1 - 70)}.test`,
  },
  'users.full_name': {
    probes: [
      {
        route: 'POST /v1/auth/register',
        loc: ['body', 'full_name'],
        send: (t, _c, full_name) => register(t, { full_name }),
      },
    ],
  },
  'organizations.name': {
    probes: [
      {
        route: 'POST /v1/organizations',
        loc: ['body', 'name'],
        send: (t, c, name) => post(t, '/v1/organizations', asOwner(c), { name }),
      },
      {
        route: 'PATCH /v1/organizations/:id',
        loc: ['body', 'name'],
        send: (t, c, name) =>
          patch(t, `/v1/organizations/${c.organizationId}`, asOwner(c), { name }),
      },
    ],
  },
  'organizations.plan': {
    probes: [
      {
        route: 'PATCH /v1/organizations/:id (instance administrator)',
        loc: ['body', 'plan'],
        send: (t, c, plan) =>
          patch(t, `/v1/organizations/${c.organizationId}`, bearer(TEST_ADMIN_TOKEN), { plan }),
      },
    ],
  },
  'organizations.leaked_key_policy': {
    probes: [
      {
        route: 'PATCH /v1/organizations/:id',
        loc: ['body', 'leaked_key_policy'],
        send: (t, c, leaked_key_policy) =>
          patch(t, `/v1/organizations/${c.organizationId}`, asOwner(c), { leaked_key_policy }),
      },
    ],
  },
  'memberships.role': {
    probes: [
      {
        route: 'POST /v1/organizations/:id/members',
        loc: ['body', 'role'],
        send: (t, c, role) =>
          post(t, `/v1/organizations/${c.organizationId}/members`, asOwner(c), {
            email: c.member.email,
            role,
          }),
      },
      {
        route: 'PATCH /v1/organizations/:id/members/:user_id',
        loc: ['body', 'role'],
        send: (t, c, role) =>
          patch(t, `/v1/organizations/${c.organizationId}/members/${c.member.userId}`, asOwner(c), {
            role,
          }),
      },
    ],
  },
  'api_keys.name': {
    probes: [
      {
        route: 'POST /v1/api-keys',
        loc: ['body', 'name'],
        send: (t, c, name) => newKey(t, c, { name }),
      },
      {
        route: 'PATCH /v1/api-keys/:id',
        loc: ['body', 'name'],
        send: (t, c, name) => patch(t, `/v1/api-keys/${c.keyId}`, asOwner(c), { name }),
      },
    ],
  },
  'api_keys.environment': {
    probes: [
      {
        route: 'POST /v1/api-keys',
        loc: ['body', 'environment'],
        send: (t, c, environment) => newKey(t, c, { environment }),
      },
    ],
  },
  'api_keys.service_account_id': {
    probes: [
      {
        route: 'POST /v1/api-keys',
        loc: ['body', 'service_account_id'],
        send: (t, c, service_account_id) => newKey(t, c, { service_account_id }),
      },
    ],
  },
  // TEXT columns: a list of at most 100 entries of at most 64 or 100 characters, far below 64 KB.
  'api_keys.scopes': {
    probes: [
      {
        route: 'POST /v1/api-keys',
        loc: ['body', 'scopes'],
        send: (t, c, scopes) => newKey(t, c, { scopes }),
      },
      {
        route: 'POST /v1/api-keys',
        loc: ['body', 'permissions'],
        send: (t, c, permissions) => newKey(t, c, { scopes: undefined, permissions }),
      },
      {
        route: 'PATCH /v1/api-keys/:id',
        loc: ['body', 'scopes'],
        send: (t, c, scopes) => patch(t, `/v1/api-keys/${c.keyId}`, asOwner(c), { scopes }),
      },
    ],
    tooLong: () => Array.from({ length: 101 }, () => 'models:read'),
  },
  'api_keys.allowed_ips': {
    probes: [
      {
        route: 'POST /v1/api-keys',
        loc: ['body', 'allowed_ips'],
        send: (t, c, allowed_ips) => newKey(t, c, { allowed_ips }),
      },
      {
        route: 'PATCH /v1/api-keys/:id',
        loc: ['body', 'allowed_ips'],
        send: (t, c, allowed_ips) =>
          patch(t, `/v1/api-keys/${c.keyId}`, asOwner(c), { allowed_ips }),
      },
    ],
    tooLong: () => longestAllowedIps(101),
  },
  'oauth_clients.name': { probes: clientProbes('name') },
  'oauth_clients.client_type': {
    probes: [
      {
        route: 'POST /v1/oauth/clients',
        loc: ['body', 'client_type'],
        send: (t, c, client_type) => newClient(t, c, { client_type }),
      },
    ],
  },
  // TEXT columns: at most 20 URIs of at most 2000 ASCII characters (about 40 KB of JSON), a few
  // grant types, at most 100 scopes of at most 100 characters: all below 64 KB.
  'oauth_clients.redirect_uris': {
    probes: clientProbes('redirect_uris'),
    tooLong: () => longestRedirectUris(21),
  },
  'oauth_clients.post_logout_redirect_uris': {
    probes: clientProbes('post_logout_redirect_uris'),
    tooLong: () => longestRedirectUris(21),
  },
  'oauth_clients.grant_types': {
    probes: clientProbes('grant_types'),
    tooLong: () => Array.from({ length: 7 }, () => 'authorization_code'),
  },
  'oauth_clients.scopes': {
    probes: clientProbes('scopes'),
    tooLong: () => Array.from({ length: 101 }, () => 'openid'),
  },
  'service_accounts.name': { probes: serviceAccountProbes('name') },
  'service_accounts.description': { probes: serviceAccountProbes('description') },
  // TEXT: at most 100 scopes of at most 100 characters, below 64 KB.
  'service_accounts.scopes': {
    probes: serviceAccountProbes('scopes'),
    tooLong: () => Array.from({ length: 101 }, () => 'models:read'),
  },
  'sso_connections.name': { probes: ssoConnectionProbes('name') },
  'sso_connections.provider': { probes: ssoConnectionProbes('provider', false) },
  'sso_connections.idp_entity_id': { probes: ssoConnectionProbes('idp_entity_id') },
  'sso_connections.idp_sso_url': { probes: ssoConnectionProbes('idp_sso_url') },
  'sso_connections.idp_metadata_url': { probes: ssoConnectionProbes('idp_metadata_url') },
  'sso_connections.default_role': { probes: ssoConnectionProbes('default_role') },
  // Stored with the code once the user consents; refused before any page, back to the client.
  'oauth_authorization_codes.code_challenge': {
    probes: [
      {
        route: 'GET /oauth/authorize',
        loc: ['query', 'code_challenge'],
        send: (t, c, challenge) =>
          authorize(t, c, { code_challenge: String(challenge), code_challenge_method: 'S256' }),
        expectRefused: refusedByRedirect('code_challenge'),
      },
    ],
  },
  'oauth_authorization_codes.nonce': {
    probes: [
      {
        route: 'GET /oauth/authorize',
        loc: ['query', 'nonce'],
        send: (t, c, nonce) => authorize(t, c, { nonce: String(nonce) }),
        expectRefused: refusedByRedirect('nonce'),
      },
    ],
  },
};

/** Every other string column, with what fills it instead of a client's text. */
const SET_BY_SERVER: Record<string, string> = {
  'users.id': 'UUID made by the server',
  'users.password_hash': 'argon2 hash',
  'users.totp_secret': 'secret made by the server, encrypted',
  'organizations.id': 'UUID made by the server',
  'memberships.id': 'UUID made by the server',
  'memberships.organization_id': 'id of an existing organization',
  'memberships.user_id': 'id of an existing user',
  'sessions.id': 'UUID made by the server',
  'sessions.user_id': 'id of an existing user',
  'sessions.organization_id': 'id of an existing organization',
  'sessions.amr': 'authentication methods, from a fixed list',
  'sessions.revoked_reason': 'reason from a fixed list',
  'sessions.ip': 'client address at sign-in (client-address.ts)',
  'sessions.user_agent': 'User-Agent header at sign-in, cut to 300',
  'sessions.oauth_grant_id': 'id of an existing grant (the console’s sessions)',
  'refresh_tokens.id': 'UUID made by the server',
  'refresh_tokens.session_id': 'id of an existing session',
  'refresh_tokens.token_hash': 'SHA-256 hex',
  'refresh_tokens.replaced_by_id': 'id of the refresh token the server made in its place',
  'revoked_access_tokens.jti': 'UUID from a token the server signed',
  'signing_keys.kid': 'id made by the server',
  'signing_keys.algorithm': 'RS256',
  'signing_keys.public_jwk': 'JWK made by the server',
  'signing_keys.private_key': 'key made by the server, encrypted',
  'api_keys.id': 'key_ + 32 hex digits',
  'api_keys.organization_id': 'id of an existing organization',
  'api_keys.key_hash': 'HMAC-SHA256 hex',
  'api_keys.start': 'first 12 characters of a key the server made',
  'api_keys.created_by': 'the creating principal (type and id)',
  'api_keys.rotated_from': 'id of an existing key',
  'api_keys.replaced_by': 'id of an existing key',
  'api_keys.acts_for': 'user:<id of an existing user> or instance_admin',
  'api_keys.last_ip': 'client address (client-address.ts)',
  'api_keys.refill_interval': 'daily or monthly (the refill body, checked by IsIn)',
  'api_keys.credits_id': 'id of an existing key (the one a rotation replaced)',
  'api_key_usage.key_id': 'id of an existing key',
  'api_key_usage.organization_id': 'id of an existing organization',
  'leak_report_receipts.digest': 'SHA-256 hex of a signed report',
  'leak_report_receipts.reporter_key_id': 'a key identifier of LEAKED_KEY_REPORTER_KEYS (≤ 200)',
  'audit_checkpoints.chain': 'organization id',
  'audit_anchors.chain': 'organization id',
  'audit_anchors.start_hash': 'SHA-256 hex',
  'audit_anchors.hash': 'SHA-256 hex',
  'audit_anchors.hmac': 'HMAC-SHA256 hex',
  'audit_checkpoints.last_pruned_hash': 'SHA-256 hex',
  // The audit log's columns come from principals, headers and the server, not from DTO fields.
  'audit_events.id': 'id made by the server',
  'audit_events.chain': 'organization id',
  'audit_events.organization_id': 'id of an existing organization',
  'audit_events.actor_type': 'principal type, from a fixed list',
  'audit_events.actor_id': 'principal id',
  'audit_events.actor_ip': 'client address (client-address.ts)',
  'audit_events.actor_user_agent': 'User-Agent header, cut to 300 (request-origin.ts)',
  'audit_events.action': 'action, from a fixed list',
  'audit_events.target_type': 'target type, from a fixed list',
  'audit_events.target_id': 'id of an existing record',
  'audit_events.outcome': 'outcome, from a fixed list',
  'audit_events.request_id': 'request id (request-id.ts: at most 128 characters)',
  'audit_events.metadata': 'JSON of fields the DTOs bound',
  'audit_events.prev_hash': 'SHA-256 hex',
  'audit_events.hash': 'SHA-256 hex',
  'cache_invalidations.event': 'JSON of ids of existing records (cache-invalidation.bus.ts)',
  // OAuth: ids, hashes and values the server derives.
  'oauth_clients.id': 'client_ + 32 hex digits',
  'oauth_clients.organization_id': 'id of an existing organization',
  'oauth_clients.secret_hash': 'HMAC-SHA256 hex',
  'oauth_clients.previous_secret_hash': 'HMAC-SHA256 hex',
  'oauth_clients.created_by': 'the creating principal (type and id)',
  'oauth_grants.id': 'UUID made by the server',
  'oauth_grants.client_id': 'id of an existing client',
  'oauth_grants.user_id': 'id of an existing user',
  'oauth_grants.organization_id': 'id of an existing organization',
  'oauth_grants.scopes': 'scopes the server checked against the client and the catalogue',
  'oauth_authorization_codes.code_hash': 'SHA-256 hex',
  'oauth_authorization_codes.grant_id': 'id of an existing grant',
  'oauth_authorization_codes.client_id': 'id of an existing client',
  'oauth_authorization_codes.user_id': 'id of an existing user',
  'oauth_authorization_codes.organization_id': 'id of an existing organization',
  'oauth_authorization_codes.redirect_uri': 'a redirect URI registered for the client',
  'oauth_authorization_codes.scopes': 'scopes the server checked against the grant',
  'oauth_authorization_codes.amr': 'authentication methods, from a fixed list',
  'oauth_refresh_tokens.id': 'UUID made by the server',
  'oauth_refresh_tokens.grant_id': 'id of an existing grant',
  'oauth_refresh_tokens.token_hash': 'SHA-256 hex',
  'oauth_refresh_tokens.replaced_by_id': 'id of the refresh token the server made in its place',
  'oauth_refresh_tokens.scopes': 'scopes the server checked against the grant',
  'oauth_refresh_tokens.amr': 'authentication methods, from a fixed list',
  'browser_sessions.id': 'UUID made by the server',
  'browser_sessions.token_hash': 'SHA-256 hex',
  'browser_sessions.user_id': 'id of an existing user',
  'browser_sessions.session_id': 'id of an existing session',
  'browser_sessions.amr': 'authentication methods, from a fixed list',
  'service_accounts.id': 'sa_ + 32 hex digits',
  'sso_connections.id': 'sso_ + 32 hex digits',
  'sso_connections.organization_id': 'id of an existing organization',
  'sso_connections.created_by':
    'the person the connection answers to (user:<id> or instance_admin)',
  // JSON the server writes from checked input. TEXT below 64 KB: 20 domains of 253 characters, 5
  // attribute names of 256. MEDIUMTEXT on MySQL (past 64 KB in UTF-8): 100 groups of 256
  // characters, 20 URLs of 2048, the certificates a refresh keeps through a rotation (8192
  // base64 characters each).
  'sso_connections.idp_certificates':
    'PEM certificates parsed and re-encoded by the server (5 at most)',
  'sso_connections.domains': 'JSON list of checked domain names (20 at most)',
  'sso_connections.attribute_mapping': 'JSON of the preset and checked attribute names (5 at most)',
  'sso_connections.group_role_mapping': 'JSON of checked groups and roles (100 at most)',
  'sso_connections.redirect_urls': 'JSON list of checked https URLs (20 at most)',
  'sso_connections.sp_signing_key': 'private key made by the server, encrypted',
  'sso_connections.sp_signing_certificate': 'certificate made by the server',
  'sso_connection_domains.domain':
    'a checked domain name (the domains entry, at most 253 characters)',
  'sso_connection_domains.connection_id': 'id of an existing SSO connection',
  'sso_connection_domains.organization_id': 'id of an existing organization',
  'sso_connection_domains.verification_token': '32 characters of base64url made by the server',
  'sso_connection_domains.verified_by': 'dns_txt or operator (the verify body, checked by IsIn)',
  'sso_connection_domains.verified_domain': "the claim's own domain, once verified",
  'sso_user_links.connection_id': 'id of an existing SSO connection',
  'sso_user_links.user_id': 'id of a user the connection provisioned',
  'sso_user_links.organization_id': 'id of an existing organization',
  'service_accounts.organization_id': 'id of an existing organization',
  'service_accounts.created_by': 'the creating principal (type and id)',
  'service_account_keys.id': 'sak_ + 32 hex digits',
  'service_account_keys.service_account_id': 'id of an existing service account',
  'service_account_keys.organization_id': 'id of an existing organization',
  'service_account_keys.algorithm': 'RS256 or ES256, from the key',
  // An uploaded key (PEM of at most 16,384 characters, or a JWK) is stored as the JWK the server
  // exports from it: an RSA key of at most 8192 bits is about 1.4 KB.
  'service_account_keys.public_jwk': 'public JWK exported by the server from a checked key',
  'service_account_keys.origin': 'generated or uploaded, from a fixed list',
  'service_account_keys.created_by': 'the creating principal (type and id)',
};

interface StoredColumn {
  name: string;
  type: string;
  /** Characters a VARCHAR holds; undefined for TEXT. */
  length?: number;
}

/** Every string column of the migrated schema, read from the database itself. */
async function storedStringColumns(t: TestApp): Promise<StoredColumn[]> {
  const dataSource = t.app.get(DataSource);
  const tables: { name: string }[] =
    dataSource.options.type === 'mysql'
      ? await dataSource.query(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
        )
      : await dataSource.query(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        );
  const runner = dataSource.createQueryRunner();
  try {
    // TypeORM's own bookkeeping is no client's to fill.
    const names = tables.map((table) => table.name).filter((name) => name !== 'migrations');
    return (await runner.getTables(names)).flatMap((table) =>
      table.columns
        .filter((column) => /char|text|clob/i.test(column.type))
        .map((column) => ({
          name: `${table.name}.${column.name}`,
          type: column.type,
          length: column.length ? Number(column.length) : undefined,
        })),
    );
  } finally {
    await runner.release();
  }
}

describe('input limits: every stored string fits its column, on SQLite and MariaDB alike', () => {
  let t: TestApp;
  let c: Context;
  beforeAll(async () => {
    t = await createTestApp();
    const owner = await createUser(t, 'limits-owner');
    const member = await createUser(t, 'limits-member');
    const organization = await post(t, '/v1/organizations', bearer(owner.accessToken), {
      name: 'limits',
    }).expect(201);
    await post(t, `/v1/organizations/${organization.body.id}/members`, bearer(owner.accessToken), {
      email: member.email,
      role: 'member',
    }).expect(201);
    const key = await newKey(t, { owner } as Context, {}).expect(201);
    const client = await newClient(t, { owner }, {}).expect(201);
    const serviceAccount = await newServiceAccount(t, { owner }, {}).expect(201);
    const ssoConnection = await newSsoConnection(t, { owner }, {}).expect(201);
    c = {
      owner,
      member,
      organizationId: organization.body.id,
      keyId: key.body.id,
      clientId: client.body.client_id,
      serviceAccountId: serviceAccount.body.id,
      ssoConnectionId: ssoConnection.body.id,
    };
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  it('knows where every string column of the schema comes from', async () => {
    const columns = (await storedStringColumns(t)).map((column) => column.name).sort();
    const known = [...Object.keys(FROM_INPUT), ...Object.keys(SET_BY_SERVER)].sort();
    // A new column fails here until it is listed: with the routes that fill it, or as the server's.
    expect(columns).toEqual(known);
  });

  it('refuses input one character longer than its column on every route that stores it: a 422 at the field, or invalid_request back to the client at the authorization endpoint', async () => {
    const refusedAt: Record<string, string[]> = {};
    for (const column of await storedStringColumns(t)) {
      const input = FROM_INPUT[column.name];
      if (!input) continue;
      const value = input.tooLong ? input.tooLong(column.length ?? 0) : text(column.length! + 1);
      if (typeof value === 'string') expect(charCount(value)).toBe(column.length! + 1);
      for (const probe of input.probes) {
        const response = await probe.send(t, c, value);
        if (probe.expectRefused) {
          probe.expectRefused(response);
        } else {
          expect({ column: column.name, route: probe.route, status: response.status }).toEqual({
            column: column.name,
            route: probe.route,
            status: 422,
          });
          expect(response.body.detail).toEqual(
            expect.arrayContaining([expect.objectContaining({ loc: probe.loc })]),
          );
        }
        (refusedAt[column.name] ??= []).push(probe.route);
      }
    }
    expect(Object.keys(refusedAt).sort()).toEqual(Object.keys(FROM_INPUT).sort());
  });

  it('stores the longest value of every string field, on every route that stores text', async () => {
    // Registration: the personal organization is named after the user, within its own column.
    const email = longestEmail();
    const password = 'p'.repeat(256);
    const fullName = text(200, 'Longest ');
    expect(email).toHaveLength(254);
    const registered = await register(t, { email, password, full_name: fullName }).expect(201);
    const tokens = await login(t, email, password);
    const asNewUser = bearer(tokens.access_token);
    const personal = await request(t.http)
      .get(`/v1/organizations/${registered.body.organization_id}`)
      .set(asNewUser)
      .expect(200);
    expect(charCount(personal.body.name)).toBe(200);
    expect(personal.body.name).toMatch(/^Longest 𝒜a\uFE0F中.*…'s organization$/u);
    const members = await request(t.http)
      .get(`/v1/organizations/${registered.body.organization_id}/members`)
      .set(asNewUser)
      .expect(200);
    expect(members.body.data[0]).toEqual(expect.objectContaining({ email, full_name: fullName }));

    // Organizations and memberships.
    const organizationName = text(200, 'Organization ');
    const organization = await post(t, '/v1/organizations', asNewUser, {
      name: organizationName,
    }).expect(201);
    expect(organization.body.name).toBe(organizationName);
    const renamed = text(200, 'Renamed ');
    const organizationPath = `/v1/organizations/${organization.body.id}`;
    expect(
      (await patch(t, organizationPath, asNewUser, { name: renamed }).expect(200)).body.name,
    ).toBe(renamed);
    await patch(t, organizationPath, bearer(TEST_ADMIN_TOKEN), {
      plan: 'enterprise',
      rate_limit_per_minute: 1_000_000,
    }).expect(200);
    await post(t, `/v1/organizations/${c.organizationId}/members`, asOwner(c), {
      email,
      role: 'viewer',
    }).expect(201);
    await patch(
      t,
      `/v1/organizations/${c.organizationId}/members/${registered.body.user_id}`,
      asOwner(c),
      {
        role: 'member',
      },
    ).expect(200);

    // API keys: a full name, every scope, 100 of the longest addresses, the longest lifetime.
    const keyName = text(200, 'Key ');
    const scopes = [...t.app.get(ScopeCatalogue).all];
    const allowedIps = longestAllowedIps(100);
    const created = await post(t, '/v1/api-keys', asNewUser, {
      name: keyName,
      scopes,
      environment: 'test',
      expiration: '87600h',
      rate_limit_per_hour: 100_000,
      allowed_ips: allowedIps,
    }).expect(201);
    const keyPath = `/v1/api-keys/${created.body.id}`;
    const stored = await request(t.http).get(keyPath).set(asNewUser).expect(200);
    expect(stored.body).toEqual(
      expect.objectContaining({ name: keyName, scopes, allowed_ips: allowedIps }),
    );
    const keyRenamed = text(200, 'Rekeyed ');
    const updated = await patch(t, keyPath, asNewUser, {
      name: keyRenamed,
      allowed_ips: [...allowedIps].reverse(),
      scopes: scopes.slice(1),
    }).expect(200);
    expect(updated.body.name).toBe(keyRenamed);
    const rotated = await post(t, `${keyPath}/rotate`, asNewUser, {}).expect(201);
    expect(rotated.body.name).toBe(keyRenamed);
    await request(t.http).get('/v1/api-keys').set(asNewUser).expect(200);

    // OAuth clients: a full name, 20 of the longest redirect URIs of each kind, every grant type
    // and every scope.
    const clientName = text(200, 'Client ');
    const clientScopes = [...scopes, 'openid', 'profile', 'email', 'offline_access'];
    const clientFields = {
      name: clientName,
      client_type: 'confidential',
      redirect_uris: longestRedirectUris(20),
      post_logout_redirect_uris: longestRedirectUris(20, 'http://127.0.0.1:65535/'),
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: clientScopes,
    };
    const client = await post(t, '/v1/oauth/clients', asNewUser, clientFields).expect(201);
    const path = `/v1/oauth/clients/${client.body.client_id}`;
    const { client_type: _type, ...settings } = clientFields;
    const storedClient = await request(t.http).get(path).set(asNewUser).expect(200);
    expect(storedClient.body).toEqual(expect.objectContaining(settings));
    const clientRenamed = text(200, 'Reclient ');
    const changed = await patch(t, path, asNewUser, {
      name: clientRenamed,
      redirect_uris: longestRedirectUris(20, 'http://[::1]:8080/'),
      post_logout_redirect_uris: longestRedirectUris(20, 'https://b.example/'),
      scopes: clientScopes.slice(1),
    }).expect(200);
    expect(changed.body.name).toBe(clientRenamed);
    await post(t, `${path}/secret`, asNewUser, { grace_period_seconds: 604_800 }).expect(200);
    await request(t.http).get('/v1/oauth/clients').set(asNewUser).expect(200);

    // Service accounts: a full name and description, every scope, an API key of theirs, and an
    // uploaded RSA-4096 key (the largest accepted, 8192 bits, takes seconds to make; its JWK of
    // about 1.4 KB is far below TEXT's 64 KB either way).
    const accountFields = {
      name: text(200, 'Account '),
      description: text(1000, 'Described '),
      scopes,
    };
    const account = await post(t, '/v1/service-accounts', asNewUser, {
      ...accountFields,
      algorithm: 'ES256',
      expires_in_days: 3650,
    }).expect(201);
    const accountPath = `/v1/service-accounts/${account.body.id}`;
    const storedAccount = await request(t.http).get(accountPath).set(asNewUser).expect(200);
    expect(storedAccount.body).toEqual(expect.objectContaining(accountFields));
    const accountChanged = {
      name: text(200, 'Reaccount '),
      description: text(1000, 'Redescribed '),
      scopes: scopes.slice(1),
    };
    const updatedAccount = await patch(t, accountPath, asNewUser, accountChanged).expect(200);
    expect(updatedAccount.body).toEqual(expect.objectContaining(accountChanged));
    const rsa4096 = generateKeyPairSync('rsa', { modulusLength: 4096 });
    await post(t, `${accountPath}/keys`, asNewUser, {
      public_key: rsa4096.publicKey.export({ type: 'spki', format: 'pem' }),
      expires_in_days: 3650,
    }).expect(201);
    await request(t.http).get(`${accountPath}/keys`).set(asNewUser).expect(200);
    await post(t, '/v1/api-keys', asNewUser, {
      name: keyName,
      scopes: scopes.slice(1),
      service_account_id: account.body.id,
    }).expect(201);
    // An authorization code: the longest nonce and an S256 challenge, through the login and
    // consent pages, exchanged for an ID token carrying the nonce as sent.
    const codeClient = await post(t, '/v1/oauth/clients', asNewUser, {
      name: 'Code client',
      client_type: 'confidential',
      redirect_uris: ['https://app.example.com/cb'],
      scopes: ['openid'],
    }).expect(201);
    const nonce = text(512, 'Nonce ');
    const pkce = pkcePair();
    const browser = await signedInBrowser(t, { email, password });
    const consent = await browser.get(
      authorizePath({
        client_id: codeClient.body.client_id,
        redirect_uri: 'https://app.example.com/cb',
        response_type: 'code',
        scope: 'openid',
        nonce,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
      200,
    );
    const allowed = await answerConsent(browser, consent.text, 'allow');
    const exchanged = await request(t.http)
      .post('/oauth/token')
      .set(basicAuth(codeClient.body.client_id, codeClient.body.client_secret))
      .type('form')
      .send({
        grant_type: 'authorization_code',
        code: answerOf(allowed).code,
        redirect_uri: 'https://app.example.com/cb',
        code_verifier: pkce.verifier,
      });
    expect(allowed.status).toBe(303);
    expect(decodeJwt(exchanged.body.id_token).nonce).toBe(nonce);

    // SSO connections: from metadata with the longest entity ID (in characters of four bytes),
    // SSO URL and five of the largest certificates; the longest name, 20 of the longest domains
    // and every attribute named at the limit. Then, each in a request of its own (the body limit
    // is 100 KB), 100 groups and 20 redirect URLs at the limit: both past TEXT's 64 KB in UTF-8.
    // Then changed by hand: the longest entity ID, SSO URL and certificate given as fields.
    const entityId = text(1024, 'https://idp.example/');
    const ssoUrl = urlOfLength(2048, 'https://idp.example/sso/');
    const certificates = largestCertificates(5);
    const connectionFields = {
      name: text(200, 'Connection '),
      provider: 'google_workspace',
      domains: longestDomains(20),
      attribute_mapping: Object.fromEntries(MAPPED_ATTRIBUTES.map((a) => [a, heaviestName(a)])),
      default_role: 'viewer',
      update_role_on_login: true,
      allow_idp_initiated: true,
    };
    const idpMetadata = metadataWith(entityId, ssoUrl, certificates);
    expect(idpMetadata.length).toBeLessThanOrEqual(65_536);
    const connection = await post(t, '/v1/sso/connections', asNewUser, {
      ...connectionFields,
      idp_metadata_xml: idpMetadata,
      sign_authn_requests: true,
    }).expect(201);
    const connectionPath = `/v1/sso/connections/${connection.body.id}`;
    const groupRoleMapping = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [heaviestName(`group ${i}`), 'admin']),
    );
    await patch(t, connectionPath, asNewUser, { group_role_mapping: groupRoleMapping }).expect(200);
    const redirectUrls = Array.from({ length: 20 }, (_, i) =>
      urlOfLength(2048, `https://app${i}.example.com/after-sso/`, '中a'),
    );
    await patch(t, connectionPath, asNewUser, { redirect_urls: redirectUrls }).expect(200);
    expect(Buffer.byteLength(JSON.stringify(groupRoleMapping))).toBeGreaterThan(65_535);
    expect(Buffer.byteLength(JSON.stringify(redirectUrls))).toBeGreaterThan(65_535);
    const storedConnection = await request(t.http).get(connectionPath).set(asNewUser).expect(200);
    expect(storedConnection.body).toEqual(
      expect.objectContaining({
        ...connectionFields,
        group_role_mapping: groupRoleMapping,
        redirect_urls: redirectUrls,
        sign_authn_requests: true,
        idp_entity_id: entityId,
        idp_sso_url: ssoUrl,
      }),
    );
    expect(
      storedConnection.body.idp_certificates.map((c: { pem: string }) =>
        c.pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''),
      ),
    ).toEqual(certificates);
    await request(t.http).get(`/sso/${connection.body.id}/metadata`).expect(200);
    const manualEntityId = text(1024, 'Entity ');
    const changedConnection = await patch(t, connectionPath, asNewUser, {
      name: text(200, 'Reconnection '),
      idp_entity_id: manualEntityId,
      idp_sso_url: ssoUrl,
      idp_certificate: `-----BEGIN CERTIFICATE-----\n${certificates[0]}\n-----END CERTIFICATE-----\n`,
      domains: longestDomains(20),
    }).expect(200);
    expect(changedConnection.body.idp_entity_id).toBe(manualEntityId);
    await request(t.http).get('/v1/sso/connections').set(asNewUser).expect(200);
  });
});
