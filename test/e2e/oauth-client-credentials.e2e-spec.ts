import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import { twoInstances } from '../utils/cluster';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { basicAuth, clientCredentialsToken, registerClient, TestClient } from '../utils/oauth';

describe('OAuth: client_credentials, introspection, revocation, discovery', () => {
  let t: TestApp;
  let owner: TestUser;
  let client: TestClient;

  beforeAll(async () => {
    // A window no test outlasts, however slow the machine: the counting test expects one.
    t = await createTestApp({ AUDIT_MACHINE_TOKEN_WINDOW_SECONDS: '600' });
    owner = await createUser(t, 'oauth-owner');
    client = await registerClient(t, owner);
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const token = (body: Record<string, string>, headers: Record<string, string> = {}) =>
    request(t.http).post('/oauth/token').set(headers).type('form').send(body);

  describe('the token endpoint', () => {
    it('issues an RFC 9068 access token that the JWKS verifies', async () => {
      const response = await token(
        { grant_type: 'client_credentials', scope: 'translate:read' },
        basicAuth(client.clientId, client.clientSecret),
      ).expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'translate:read',
      });
      expect(response.body.refresh_token).toBeUndefined();

      const accessToken = response.body.access_token as string;
      expect(decodeProtectedHeader(accessToken)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
      const jwks = await request(t.http).get('/.well-known/jwks.json').expect(200);
      const { payload } = await jwtVerify(accessToken, createLocalJWKSet(jwks.body), {
        typ: 'at+jwt',
      });
      expect(payload).toMatchObject({
        sub: client.clientId,
        client_id: client.clientId,
        scope: 'translate:read',
        org_id: owner.organizationId,
        jti: expect.any(String),
        aud: expect.any(String),
        iss: expect.any(String),
      });
    });

    it('takes client_secret_post too, and all the client’s scopes when none is asked for', async () => {
      const response = await token({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }).expect(200);
      expect(response.body.scope).toBe('translate:read translate:write');
    });

    it('refuses a wrong secret and an unknown client alike, with a Basic challenge for Basic', async () => {
      const wrong = await token(
        { grant_type: 'client_credentials' },
        basicAuth(client.clientId, `${client.clientSecret}x`),
      ).expect(401);
      expect(wrong.body).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed',
      });
      expect(wrong.headers['www-authenticate']).toMatch(/^Basic /);
      const unknown = await token(
        { grant_type: 'client_credentials' },
        basicAuth('client_00000000000000000000000000000000', client.clientSecret),
      ).expect(401);
      expect(unknown.body).toEqual(wrong.body);

      const post = await token({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: 'nope',
      }).expect(400);
      expect(post.body.error).toBe('invalid_client');
      expect(post.headers['www-authenticate']).toBeUndefined();
    });

    it('refuses two authentication methods in one request', async () => {
      const response = await token(
        { grant_type: 'client_credentials', client_secret: client.clientSecret },
        basicAuth(client.clientId, client.clientSecret),
      ).expect(400);
      expect(response.body.error).toBe('invalid_request');
    });

    it('refuses scopes beyond the client’s, and OpenID scopes, with invalid_scope', async () => {
      for (const scope of ['translate:read documents:read', 'admin:*', 'openid']) {
        const response = await token(
          { grant_type: 'client_credentials', scope },
          basicAuth(client.clientId, client.clientSecret),
        ).expect(400);
        expect(response.body.error).toBe('invalid_scope');
      }
    });

    it('has no implicit or password grant, and needs grant_type', async () => {
      for (const grantType of ['password', 'implicit', 'token', 'urn:example:made-up']) {
        const response = await token(
          { grant_type: grantType, username: owner.email, password: owner.password },
          basicAuth(client.clientId, client.clientSecret),
        ).expect(400);
        expect(response.body.error).toBe('unsupported_grant_type');
      }
      const missing = await token({}, basicAuth(client.clientId, client.clientSecret)).expect(400);
      expect(missing.body.error).toBe('invalid_request');
    });

    it('refuses a grant type the client is not registered for', async () => {
      const codeOnly = await registerClient(t, owner, {
        grantTypes: ['authorization_code'],
        redirectUris: ['https://app.example/callback'],
      });
      const response = await token(
        { grant_type: 'client_credentials' },
        basicAuth(codeOnly.clientId, codeOnly.clientSecret),
      ).expect(400);
      expect(response.body.error).toBe('unauthorized_client');
    });

    it('refuses a repeated parameter (RFC 6749 section 3.2)', async () => {
      const response = await request(t.http)
        .post('/oauth/token')
        .set(basicAuth(client.clientId, client.clientSecret))
        .type('form')
        .send('grant_type=client_credentials&scope=translate:read&scope=translate:write')
        .expect(400);
      expect(response.body.error).toBe('invalid_request');
    });

    it('audits the issuance without the token', async () => {
      const issued = await clientCredentialsToken(t, client, 'translate:read');
      const events = await request(t.http)
        .get('/v1/audit-logs?action=oauth.token.issued&limit=100')
        .set(bearer(owner.accessToken))
        .expect(200);
      const event = events.body.data.find(
        (e: { actor_id?: string; actor?: { id?: string } }) =>
          e.actor_id === client.clientId || e.actor?.id === client.clientId,
      );
      expect(event).toBeDefined();
      expect(JSON.stringify(events.body)).not.toContain(issued);
      expect(JSON.stringify(events.body)).not.toContain(client.clientSecret);
    });
    it('counts a machine’s tokens into one event per window, every token counted, at once readable', async () => {
      const machine = await registerClient(t, owner);
      const issuances = 25;
      for (let i = 0; i < issuances; i++) {
        await clientCredentialsToken(t, machine, 'translate:read');
      }
      // Another user agent (another pipeline): its own event, not folded into the first one's count.
      await token(
        { grant_type: 'client_credentials', scope: 'translate:read' },
        {
          ...basicAuth(machine.clientId, machine.clientSecret),
          'User-Agent': 'other-pipeline/2.0',
        },
      ).expect(200);
      const events = await request(t.http)
        .get(`/v1/audit-logs?action=oauth.token.issued&actor_id=${machine.clientId}&limit=100`)
        .set(bearer(owner.accessToken))
        .expect(200);
      const counts = events.body.data.map(
        (event: { metadata: { count: number } }) => event.metadata.count,
      );
      // The first token of each user agent, and the count of the 24 after it that the read wrote.
      expect(counts.reduce((sum: number, count: number) => sum + count, 0)).toBe(issuances + 1);
      expect(events.body.data).toHaveLength(3);
      const folded = events.body.data.find(
        (event: { metadata: { count: number } }) => event.metadata.count === issuances - 1,
      );
      expect(folded).toMatchObject({
        actor: { type: 'oauth_client', id: machine.clientId },
        request_id: null,
        metadata: {
          grant_type: 'client_credentials',
          scopes: 'translate:read',
          since: expect.any(String),
        },
      });

      // The next read finds nothing more to write: the counts were written once.
      const again = await request(t.http)
        .get(`/v1/audit-logs?action=oauth.token.issued&actor_id=${machine.clientId}&limit=100`)
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(again.body.data).toHaveLength(3);
    });
  });

  describe('the access token on /v1', () => {
    it('acts as the client in its organization with the token’s scopes', async () => {
      const accessToken = await clientCredentialsToken(t, client, 'translate:read');
      const verify = await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(accessToken))
        .expect(200);
      expect(verify.body).toMatchObject({
        authenticated: true,
        principal_type: 'oauth_client',
        subject: client.clientId,
        organization_id: owner.organizationId,
        scopes: ['translate:read'],
      });
      await request(t.http).get('/v1/translate/abc').set(bearer(accessToken)).expect(200);
      const denied = await request(t.http)
        .post('/v1/translate')
        .set(bearer(accessToken))
        .send({ text: 'hello', target_language: 'de' })
        .expect(403);
      expect(denied.body.detail).toBe('Missing scope: translate:write');
    });

    it('is refused in another organization', async () => {
      const other = await createUser(t, 'oauth-other');
      const accessToken = await clientCredentialsToken(t, client);
      await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(accessToken))
        .set('X-Organization-ID', other.organizationId)
        .expect(403);
      await request(t.http)
        .get(`/v1/organizations/${other.organizationId}`)
        .set(bearer(accessToken))
        .expect((response) => expect([403, 404]).toContain(response.status));
    });

    it('cannot create API keys (a key must act for a user)', async () => {
      const powerful = await registerClient(t, owner, {
        scopes: ['api_keys:write', 'translate:read'],
      });
      const accessToken = await clientCredentialsToken(t, powerful);
      await request(t.http)
        .post('/v1/api-keys')
        .set(bearer(accessToken))
        .send({ name: 'from a client', scopes: ['translate:read'] })
        .expect(403);
    });

    it('is refused when forged, tampered with or expired-looking', async () => {
      const accessToken = await clientCredentialsToken(t, client);
      const [header, payload, signature] = accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const widened = Buffer.from(JSON.stringify({ ...claims, scope: 'admin:*' })).toString(
        'base64url',
      );
      await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(`${header}.${widened}.${signature}`))
        .expect(401);
    });
  });

  describe('introspection (RFC 7662)', () => {
    const introspect = (by: TestClient, tokenValue: string) =>
      request(t.http)
        .post('/oauth/introspect')
        .set(basicAuth(by.clientId, by.clientSecret))
        .type('form')
        .send({ token: tokenValue });

    it('describes an active token of the caller’s organization', async () => {
      const accessToken = await clientCredentialsToken(t, client, 'translate:read');
      const resourceServer = await registerClient(t, owner, { scopes: ['documents:read'] });
      const response = await introspect(resourceServer, accessToken).expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toMatchObject({
        active: true,
        scope: 'translate:read',
        client_id: client.clientId,
        sub: client.clientId,
        token_type: 'Bearer',
        org_id: owner.organizationId,
        exp: expect.any(Number),
      });
    });

    it('says only {"active": false} to a client of another organization', async () => {
      const accessToken = await clientCredentialsToken(t, client);
      const stranger = await createUser(t, 'oauth-stranger');
      const foreign = await registerClient(t, stranger);
      const response = await introspect(foreign, accessToken).expect(200);
      expect(response.body).toEqual({ active: false });
    });

    it('says {"active": false} for garbage, and needs client authentication', async () => {
      const garbage = await introspect(client, 'not-a-token').expect(200);
      expect(garbage.body).toEqual({ active: false });
      const anonymous = await request(t.http)
        .post('/oauth/introspect')
        .type('form')
        .send({ token: 'x' })
        .expect(400);
      expect(anonymous.body.error).toBe('invalid_client');
    });

    it('refuses public clients', async () => {
      const spa = await registerClient(t, owner, {
        clientType: 'public',
        grantTypes: ['authorization_code'],
      });
      const response = await request(t.http)
        .post('/oauth/introspect')
        .type('form')
        .send({ token: 'x', client_id: spa.clientId })
        .expect(400);
      expect(response.body.error).toBe('invalid_client');
    });
  });

  describe('revocation (RFC 7009)', () => {
    const revoke = (by: TestClient, tokenValue: string) =>
      request(t.http)
        .post('/oauth/revoke')
        .set(basicAuth(by.clientId, by.clientSecret))
        .type('form')
        .send({ token: tokenValue });

    it('stops the token on the next request, and introspection says inactive', async () => {
      const accessToken = await clientCredentialsToken(t, client);
      await request(t.http).get('/v1/auth/verify').set(bearer(accessToken)).expect(200);
      await revoke(client, accessToken).expect(200);
      await request(t.http).get('/v1/auth/verify').set(bearer(accessToken)).expect(401);
      const response = await request(t.http)
        .post('/oauth/introspect')
        .set(basicAuth(client.clientId, client.clientSecret))
        .type('form')
        .send({ token: accessToken })
        .expect(200);
      expect(response.body).toEqual({ active: false });
    });

    it('answers 200 for an unknown token, and refuses another client’s token', async () => {
      await revoke(client, 'never-issued').expect(200);
      const other = await registerClient(t, owner);
      const accessToken = await clientCredentialsToken(t, client);
      const refused = await revoke(other, accessToken).expect(400);
      expect(refused.body.error).toBe('invalid_request');
      await request(t.http).get('/v1/auth/verify').set(bearer(accessToken)).expect(200);
    });
  });

  describe('client changes', () => {
    it('a deleted client’s tokens stop on the next request, and it can get no more', async () => {
      const doomed = await registerClient(t, owner);
      const accessToken = await clientCredentialsToken(t, doomed);
      await request(t.http).get('/v1/auth/verify').set(bearer(accessToken)).expect(200);
      await request(t.http)
        .delete(`/v1/oauth/clients/${doomed.clientId}`)
        .set(bearer(owner.accessToken))
        .expect(204);
      await request(t.http).get('/v1/auth/verify').set(bearer(accessToken)).expect(401);
      const refused = await token(
        { grant_type: 'client_credentials' },
        basicAuth(doomed.clientId, doomed.clientSecret),
      ).expect(401);
      expect(refused.body.error).toBe('invalid_client');
    });

    it('a rotated secret stops at once without a grace period, and lasts it with one', async () => {
      const rotated = await registerClient(t, owner);
      const first = await request(t.http)
        .post(`/v1/oauth/clients/${rotated.clientId}/secret`)
        .set(bearer(owner.accessToken))
        .send({ grace_period_seconds: 3600 })
        .expect(200);
      // Within the grace period both work.
      await clientCredentialsToken(t, rotated);
      await clientCredentialsToken(t, { ...rotated, clientSecret: first.body.client_secret });
      const second = await request(t.http)
        .post(`/v1/oauth/clients/${rotated.clientId}/secret`)
        .set(bearer(owner.accessToken))
        .send({})
        .expect(200);
      await token(
        { grant_type: 'client_credentials' },
        basicAuth(rotated.clientId, first.body.client_secret),
      ).expect(401);
      await clientCredentialsToken(t, { ...rotated, clientSecret: second.body.client_secret });
    });

    it('narrowing a client’s scopes narrows its live tokens at once', async () => {
      const narrowed = await registerClient(t, owner);
      const accessToken = await clientCredentialsToken(t, narrowed);
      await request(t.http)
        .patch(`/v1/oauth/clients/${narrowed.clientId}`)
        .set(bearer(owner.accessToken))
        .send({ scopes: ['translate:read'] })
        .expect(200);
      const verify = await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(accessToken))
        .expect(200);
      expect(verify.body.scopes).toEqual(['translate:read']);
    });
  });

  describe('discovery', () => {
    it('publishes the same metadata at both well-known paths', async () => {
      const oauth = await request(t.http)
        .get('/.well-known/oauth-authorization-server')
        .expect(200);
      const oidc = await request(t.http).get('/.well-known/openid-configuration').expect(200);
      expect(oidc.body).toEqual(oauth.body);
      const issuer = oauth.body.issuer as string;
      expect(oauth.body).toMatchObject({
        token_endpoint: `${issuer}/oauth/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        introspection_endpoint: `${issuer}/oauth/introspect`,
        revocation_endpoint: `${issuer}/oauth/revoke`,
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
      });
      expect(oauth.body.grant_types_supported).toContain('client_credentials');
      expect(oauth.body.grant_types_supported).not.toContain('password');
      expect(oauth.body.grant_types_supported).not.toContain('implicit');
    });
  });
});

describe('OAuth: counted issuances across a shutdown', () => {
  it('writes the tokens counted but not yet written when an instance stops', async () => {
    const [first, second] = await twoInstances({ AUDIT_MACHINE_TOKEN_WINDOW_SECONDS: '600' });
    let firstOpen = true;
    try {
      const owner = await createUser(first, 'counted-shutdown');
      const machine = await registerClient(first, owner);
      for (let i = 0; i < 5; i++) await clientCredentialsToken(first, machine, 'translate:read');
      await first.close();
      firstOpen = false;
      expect(first.logs.serverErrors()).toEqual([]);
      expect(first.logs.lines.join('\n')).not.toContain('could not be written');
      const events = await request(second.http)
        .get(`/v1/audit-logs?action=oauth.token.issued&actor_id=${machine.clientId}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(
        events.body.data.map((event: { metadata: { count: number } }) => event.metadata.count),
      ).toEqual([4, 1]);
    } finally {
      if (firstOpen) await first.close();
      await second.close();
    }
  });
});
