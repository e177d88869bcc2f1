import { Injectable, Module } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import request from 'supertest';
import {
  CredentialVerifier,
  CredentialVerifierProvider,
} from '../../src/common/auth/credential-verifier';
import type { UserPrincipal } from '../../src/common/auth/principal';
import { UnauthorizedError } from '../../src/common/errors/api-errors';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';

/**
 * A kind of credential Tessera does not have, the way a module would add one (SSO browser
 * sessions will): `demo_<user id>_<organization id>`, standing for that user as a viewer there.
 * Registered by a test module only: nothing in Tessera's own code names it.
 */
@Injectable()
@CredentialVerifierProvider({ order: 5 })
class DemoSessionVerifier implements CredentialVerifier<UserPrincipal> {
  readonly principalType = 'user';
  static readonly prefix = 'demo_';

  recognizes(credential: string): boolean {
    return credential.startsWith(DemoSessionVerifier.prefix);
  }

  verify(credential: string, _request: FastifyRequest): UserPrincipal {
    const [userId, organizationId] = credential.slice(DemoSessionVerifier.prefix.length).split('_');
    if (!userId || !organizationId) throw new UnauthorizedError('Not a demo session');
    return {
      type: 'user',
      subject: userId,
      organizationId,
      role: 'viewer',
      scopes: ['translate:read'],
      expiresAt: null,
      sessionId: 'demo',
      tokenId: 'demo',
      mfa: false,
      rateLimitPerHour: null,
    };
  }

  inOrganization(): Promise<UserPrincipal | null> {
    return Promise.resolve(null);
  }
}

@Module({ providers: [DemoSessionVerifier] })
class DemoSessionModule {}

describe('credential verifiers', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await createTestApp({}, { extraModules: [DemoSessionModule] });
    user = await createUser(t, 'demo');
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const demo = () => bearer(`demo_${user.userId}_${user.organizationId}`);

  it('authenticates a kind of credential a module adds, through the one global guard', async () => {
    const verified = await request(t.http).get('/v1/auth/verify').set(demo()).expect(200);
    expect(verified.body).toEqual(
      expect.objectContaining({
        authenticated: true,
        principal_type: 'user',
        subject: user.userId,
        organization_id: user.organizationId,
        scopes: ['translate:read'],
        role: 'viewer',
      }),
    );
    await request(t.http).get('/v1/translate/tr_1').set(demo()).expect(200);
    const refused = await request(t.http)
      .post('/v1/translate')
      .set(demo())
      .send({ text: 'hello', target_language: 'fr' })
      .expect(403);
    expect(refused.body.detail).toBe('Missing scope: translate:write');
    await request(t.http).get('/v1/auth/verify').set(bearer('demo_')).expect(401);
  });

  it('leaves the other kinds to their own verifiers', async () => {
    await request(t.http).get('/v1/auth/verify').set(bearer(user.accessToken)).expect(200);
    await request(t.http).get('/v1/auth/verify').set(bearer('nothing-anyone-issued')).expect(401);
  });
});
