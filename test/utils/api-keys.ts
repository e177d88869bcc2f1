import request from 'supertest';
import type { TestApp } from './create-app';
import { bearer } from './factories';

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

export const asKey = (key: string) => ({ 'X-API-Key': key });
export { bearer };
