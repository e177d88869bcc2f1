import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { TestApp } from './create-app';

export interface TestUser {
  userId: string;
  email: string;
  password: string;
  organizationId: string;
  accessToken: string;
  refreshToken: string;
}

export const uniqueEmail = (label = 'user'): string =>
  `${label}-${randomUUID().slice(0, 12)}@example.test`;

/** Registers a new user (with a personal organization) and logs them in. */
export async function createUser(t: TestApp, label = 'user'): Promise<TestUser> {
  const email = uniqueEmail(label);
  const password = `pw-${randomUUID()}`;
  const registered = await request(t.http)
    .post('/v1/auth/register')
    .send({ email, password, full_name: `Test ${label}` })
    .expect(201);
  const tokens = await login(t, email, password);
  return {
    userId: registered.body.user_id,
    email,
    password,
    organizationId: registered.body.organization_id,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
  };
}

export async function login(
  t: TestApp,
  email: string,
  password: string,
  mfaCode?: string,
): Promise<{ access_token: string; refresh_token: string }> {
  const response = await request(t.http)
    .post('/v1/auth/login')
    .send({ email, password, ...(mfaCode ? { mfa_code: mfaCode } : {}) })
    .expect(200);
  return response.body;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
