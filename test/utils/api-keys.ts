import request from 'supertest';
import type { TestApp } from './create-app';
import { bearer, createUser, TestUser } from './factories';

export interface CreatedKey {
  id: string;
  key: string;
  [field: string]: unknown;
}

/** Creates an API key with a credential and body; asserts 201. */
export async function createApiKey(
  t: TestApp,
  headers: Record<string, string>,
  body: Record<string, unknown>,
): Promise<CreatedKey> {
  const response = await request(t.http).post('/v1/api-keys').set(headers).send(body).expect(201);
  return response.body;
}

/** `GET /v1/api-keys/:id/usage` (with `query`, e.g. `granularity=day`); asserts 200, returns the body. */
export async function usageOf(
  t: TestApp,
  keyId: string,
  headers: Record<string, string>,
  query = '',
): Promise<{ data: unknown[]; last_used: string | null; last_ip: string | null }> {
  const path = `/v1/api-keys/${keyId}/usage${query ? `?${query}` : ''}`;
  const response = await request(t.http).get(path).set(headers).expect(200);
  return response.body;
}

type UsageTotals = { requests: number; rejected: number; failed: number };

/** A key's counts summed over the periods its usage lists (a test may straddle an hour). */
export async function usageTotals(
  t: TestApp,
  keyId: string,
  headers: Record<string, string>,
): Promise<UsageTotals> {
  const usage = await usageOf(t, keyId, headers);
  const periods = usage.data as { requests: number; rejected: number; failed?: number }[];
  return periods.reduce<UsageTotals>(
    (sum, period) => ({
      requests: sum.requests + period.requests,
      rejected: sum.rejected + period.rejected,
      failed: sum.failed + (period.failed ?? 0),
    }),
    { requests: 0, rejected: 0, failed: 0 },
  );
}

/** A new user (in an organization of their own, on the free plan) and a key of theirs. */
export async function userWithKey(
  t: TestApp,
  label: string,
  body: Record<string, unknown> = {},
): Promise<{ user: TestUser; key: CreatedKey }> {
  const user = await createUser(t, label);
  const key = await createApiKey(t, bearer(user.accessToken), {
    name: 'k',
    scopes: ['translate:read'],
    ...body,
  });
  return { user, key };
}

export const asKey = (key: string) => ({ 'X-API-Key': key });
export { bearer };
