import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApiKey } from '../api-keys';
import type { TestApp } from '../create-app';
import { bearer, createUser, login, TestUser, uniqueEmail } from '../factories';
import { JWT_BEARER, KeyFile, signAssertion } from '../service-accounts';
import { TEST_ADMIN_TOKEN } from '../test-env';
import { DocumentedRoute, requiredFieldsOf } from './openapi-routes';

/** Who a fuzzed request is from: nobody, a user, an `admin:*` key, the instance administrator. */
export const CREDENTIAL_KINDS = ['none', 'user', 'api_key', 'instance_admin'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/**
 * The records and credentials the fuzzer aims at, in a fresh organization of its own, kept usable
 * while it runs: a request that ends a session, changes the password, revokes or rotates the
 * target key or removes the member is followed by putting things back, so later requests still
 * reach the services instead of stopping at a 401 or a 404.
 */
export class FuzzTargets {
  private constructor(
    private readonly t: TestApp,
    /** Owns the organization (their personal one) and a second one, `teamId`. */
    readonly owner: TestUser,
    private readonly teamId: string,
    /** A member of both organizations: the `:user_id` of member routes. */
    private readonly member: TestUser,
    /** Another tenant, whose ids must be 404s here. */
    private readonly stranger: TestUser,
    private readonly strangerKeyId: string,
    /** The key the routes under /v1/api-keys/:id change, rotate and revoke. */
    private targetKeyId: string,
    /** The `admin:*` key requests are made with. */
    private readonly apiKey: string,
    /** Logs in and refreshes (their failures must not lock the owner out). */
    private readonly loginUser: TestUser,
    private refreshToken: string,
    /** Another session of the owner's, for DELETE /v1/auth/sessions/:id. */
    private otherSessionId: string,
    /** The OAuth client the routes under /v1/oauth/clients/:client_id change, rotate and delete. */
    private targetClientId: string,
    /** The stranger's OAuth client, a 404 here. */
    private readonly strangerClientId: string,
    /** The service account the routes under /v1/service-accounts/:id change and delete. */
    private targetAccount: { id: string; keyId: string },
    /** The stranger's service account and key, 404s here. */
    private readonly strangerAccount: { id: string; keyId: string },
    /** A JWT bearer assertion of a service account: accepted once, then a replay. */
    private readonly assertion: string,
  ) {}

  static async create(t: TestApp): Promise<FuzzTargets> {
    const owner = await createUser(t, 'fuzz-owner');
    const member = await createUser(t, 'fuzz-member');
    const stranger = await createUser(t, 'fuzz-stranger');
    const loginUser = await createUser(t, 'fuzz-login');
    const team = await request(t.http)
      .post('/v1/organizations')
      .set(bearer(owner.accessToken))
      .send({ name: 'fuzz team' })
      .expect(201);
    const strangerKey = await createApiKey(t, bearer(stranger.accessToken), {
      name: 's',
      scopes: ['models:read'],
    });
    const strangerClient = await request(t.http)
      .post('/v1/oauth/clients')
      .set(bearer(stranger.accessToken))
      .send(FuzzTargets.clientBody('stranger'))
      .expect(201);
    const { keyFile, ...strangerAccount } = await FuzzTargets.newServiceAccount(t, stranger);
    const apiKey = await createApiKey(t, bearer(owner.accessToken), {
      name: 'fuzzer',
      scopes: ['admin:*'],
      rate_limit_per_hour: 100_000,
    });
    const targets = new FuzzTargets(
      t,
      owner,
      team.body.id,
      member,
      stranger,
      strangerKey.id,
      '',
      apiKey.key,
      loginUser,
      loginUser.refreshToken,
      '',
      '',
      strangerClient.body.client_id,
      { id: '', keyId: '' },
      strangerAccount,
      await signAssertion(keyFile, { alg: 'ES256' }),
    );
    for (const organizationId of [owner.organizationId, team.body.id]) {
      await targets.addMember(organizationId);
    }
    for (const organizationId of targets.organizationIds()) {
      await targets.liftRateLimit(organizationId);
    }
    targets.targetKeyId = await targets.newTargetKey();
    targets.otherSessionId = await targets.newOtherSession();
    targets.targetClientId = await targets.newTargetClient();
    const { id, keyId } = await FuzzTargets.newServiceAccount(t, owner);
    targets.targetAccount = { id, keyId };
    return targets;
  }

  credential(kind: CredentialKind): Record<string, string> {
    switch (kind) {
      case 'none':
        return {};
      case 'user':
        return bearer(this.owner.accessToken);
      case 'api_key':
        return { 'X-API-Key': this.apiKey };
      case 'instance_admin':
        return { ...bearer(TEST_ADMIN_TOKEN), 'X-Organization-ID': this.owner.organizationId };
    }
  }

  /** The credentials' secrets, for junk made by reshaping them. */
  secrets(): string[] {
    return [this.owner.accessToken, this.apiKey, TEST_ADMIN_TOKEN];
  }

  private ownOrganization(id: string): boolean {
    return id === this.owner.organizationId || id === this.teamId;
  }

  organizationIds(): string[] {
    return [this.owner.organizationId, this.teamId, this.stranger.organizationId];
  }

  /**
   * Ids of real records for a path parameter, by the collection it follows (`/api-keys/{id}`:
   * keys). A collection not listed here is fuzzed with junk ids only.
   */
  realIds(path: string, parameter: string): string[] {
    const segments = path.split('/');
    const collection = segments[segments.indexOf(`{${parameter}}`) - 1];
    switch (collection) {
      case 'organizations':
        return this.organizationIds();
      case 'members':
        return [this.member.userId, this.stranger.userId];
      case 'api-keys':
        return [this.targetKeyId, this.strangerKeyId];
      case 'sessions':
        return [this.otherSessionId];
      case 'clients':
        return [this.targetClientId, this.strangerClientId];
      case 'service-accounts':
        return [this.targetAccount.id, this.strangerAccount.id];
      case 'keys':
        return [this.targetAccount.keyId, this.strangerAccount.keyId];
      case 'models':
        return ['tessera-mt-small'];
      default:
        return [];
    }
  }

  /** Every real id, for query parameters that take one (`starting_after`, `actor_id`, ...). */
  allRealIds(): string[] {
    return [
      ...this.organizationIds(),
      this.owner.userId,
      this.member.userId,
      this.targetKeyId,
      this.strangerKeyId,
      this.otherSessionId,
      this.targetClientId,
      this.strangerClientId,
      this.targetAccount.id,
      this.targetAccount.keyId,
      this.strangerAccount.id,
      this.strangerAccount.keyId,
    ];
  }

  /**
   * A body the route accepts: the required fields of its OpenAPI schema at their examples, with
   * what only the suite knows (a fresh email, the owner's password, a live refresh token).
   */
  validBody(route: DocumentedRoute): Record<string, unknown> {
    const known: Record<string, () => Record<string, unknown>> = {
      'POST /v1/auth/register': () => ({ email: uniqueEmail('fuzz'), full_name: 'Fuzz' }),
      'POST /v1/auth/login': () => ({
        email: this.loginUser.email,
        password: this.loginUser.password,
      }),
      'POST /v1/auth/refresh': () => ({ refresh_token: this.refreshToken }),
      'POST /v1/auth/password': () => ({
        current_password: this.owner.password,
        new_password: `pw-${randomUUID()}`,
      }),
      'POST /v1/auth/mfa/totp/enroll': () => ({ current_password: this.owner.password }),
      'DELETE /v1/auth/mfa/totp': () => ({ current_password: this.owner.password }),
      'POST /v1/organizations/{id}/members': () => ({ email: this.member.email, role: 'member' }),
      'POST /v1/api-keys': () => ({ scopes: ['translate:read'] }),
      'POST /v1/oauth/clients': () => FuzzTargets.clientBody('fuzzed'),
      // ES256: an RSA pair takes tens of milliseconds to make, for every accepted request.
      'POST /v1/service-accounts': () => FuzzTargets.serviceAccountBody('fuzzed'),
      'POST /v1/service-accounts/{id}/keys': () => ({ algorithm: 'ES256' }),
      // Mutations of a real assertion reach each check of the JWT bearer grant.
      'POST /oauth/token': () => ({ grant_type: JWT_BEARER, assertion: this.assertion }),
    };
    return { ...requiredFieldsOf(route.body ?? {}), ...known[route.key]?.() };
  }

  /**
   * Puts back what a successful request used up. `sent` is the body as sent (text), `ids` the
   * path parameters.
   */
  async afterSuccess(
    route: DocumentedRoute,
    kind: CredentialKind,
    ids: Record<string, string>,
    sent: string | undefined,
    answer: request.Response,
  ): Promise<void> {
    switch (route.key) {
      case 'POST /v1/auth/refresh':
        this.refreshToken = answer.body.refresh_token;
        break;
      case 'POST /v1/auth/password':
        this.owner.password = (JSON.parse(sent ?? '{}') as { new_password: string }).new_password;
        this.otherSessionId = await this.newOtherSession();
        break;
      case 'POST /v1/auth/logout-all':
      case 'DELETE /v1/auth/sessions/{id}':
        this.otherSessionId = await this.newOtherSession();
        break;
      case 'POST /v1/api-keys/{id}/rotate':
        if (ids.id === this.targetKeyId) this.targetKeyId = answer.body.id;
        break;
      case 'DELETE /v1/api-keys/{id}':
        if (ids.id === this.targetKeyId) this.targetKeyId = await this.newTargetKey();
        break;
      case 'DELETE /v1/oauth/clients/{client_id}':
        if (ids.client_id === this.targetClientId) {
          this.targetClientId = await this.newTargetClient();
        }
        break;
      case 'DELETE /v1/service-accounts/{id}':
        if (ids.id === this.targetAccount.id) {
          const { id, keyId } = await FuzzTargets.newServiceAccount(this.t, this.owner);
          this.targetAccount = { id, keyId };
        }
        break;
      case 'PATCH /v1/organizations/{id}':
        // The administrator may have put the organization back on a plan the fuzzer would exceed.
        if (this.organizationIds().includes(ids.id)) await this.liftRateLimit(ids.id);
        break;
      case 'DELETE /v1/organizations/{id}/members/{user_id}':
        // The owner puts the member back in their own organizations (the administrator may
        // have added them to the stranger's, and removed them again).
        if (ids.user_id === this.member.userId && this.ownOrganization(ids.id)) {
          await this.addMember(ids.id);
        }
        break;
    }
    if (kind === 'user') await this.keepOwnerSignedIn();
  }

  /** Signs the owner in again when a request ended their session (logout, logout-all). */
  private async keepOwnerSignedIn(): Promise<void> {
    const verify = await request(this.t.http)
      .get('/v1/auth/verify')
      .set(bearer(this.owner.accessToken));
    if (verify.status !== 401) return;
    const tokens = await login(this.t, this.owner.email, this.owner.password);
    this.owner.accessToken = tokens.access_token;
    this.owner.refreshToken = tokens.refresh_token;
  }

  /** An enterprise plan far above what the fuzzer sends in a minute. */
  private async liftRateLimit(organizationId: string): Promise<void> {
    await request(this.t.http)
      .patch(`/v1/organizations/${organizationId}`)
      .set(bearer(TEST_ADMIN_TOKEN))
      .send({ plan: 'enterprise', rate_limit_per_minute: 1_000_000 })
      .expect(200);
  }

  private async addMember(organizationId: string): Promise<void> {
    await request(this.t.http)
      .post(`/v1/organizations/${organizationId}/members`)
      .set(bearer(this.owner.accessToken))
      .send({ email: this.member.email, role: 'member' })
      .expect(201);
  }

  private async newTargetKey(): Promise<string> {
    const key = await createApiKey(this.t, bearer(this.owner.accessToken), {
      name: 'target',
      scopes: ['translate:read', 'models:read'],
      allowed_ips: ['10.0.0.0/8'],
    });
    return key.id;
  }

  /** A client registration the routes accept: a web app's. */
  private static clientBody(name: string): Record<string, unknown> {
    return {
      name,
      client_type: 'confidential',
      redirect_uris: ['https://app.example.com/callback'],
      scopes: ['openid', 'translate:read'],
    };
  }

  private static serviceAccountBody(name: string): Record<string, unknown> {
    return { name, scopes: ['translate:read'], algorithm: 'ES256' };
  }

  /** A service account of `user`'s personal organization, with its key. */
  private static async newServiceAccount(
    t: TestApp,
    user: TestUser,
  ): Promise<{ id: string; keyId: string; keyFile: KeyFile }> {
    const account = await request(t.http)
      .post('/v1/service-accounts')
      .set(bearer(user.accessToken))
      .send(FuzzTargets.serviceAccountBody('target'))
      .expect(201);
    const keyFile: KeyFile = account.body.key_file;
    return { id: account.body.id, keyId: keyFile.private_key_id, keyFile };
  }

  private async newTargetClient(): Promise<string> {
    const client = await request(this.t.http)
      .post('/v1/oauth/clients')
      .set(bearer(this.owner.accessToken))
      .send(FuzzTargets.clientBody('target'))
      .expect(201);
    return client.body.client_id;
  }

  private async newOtherSession(): Promise<string> {
    const tokens = await login(this.t, this.owner.email, this.owner.password);
    const sessions = await request(this.t.http)
      .get('/v1/auth/sessions')
      .set(bearer(tokens.access_token))
      .expect(200);
    return (sessions.body.data as { id: string; current: boolean }[]).find((s) => s.current)!.id;
  }
}
