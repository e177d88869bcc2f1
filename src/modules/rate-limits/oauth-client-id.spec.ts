import type { FastifyRequest } from 'fastify';
import { oauthClientIdOf } from './oauth-client-id';

const requestWith = (authorization: string | undefined, body: unknown) =>
  ({ headers: { authorization }, body }) as unknown as FastifyRequest;
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('oauthClientIdOf', () => {
  it('reads the client_id of Basic credentials, form-decoded, before the body’s', () => {
    expect(oauthClientIdOf(requestWith(basic('app%3A1+x:s3cret'), { client_id: 'other' }))).toBe(
      'app:1 x',
    );
    expect(oauthClientIdOf(requestWith('bAsIc ' + basic('app:').slice(6), undefined))).toBe('app');
  });

  it('reads client_id from the body when there is no Basic header', () => {
    expect(oauthClientIdOf(requestWith(undefined, { client_id: 'app' }))).toBe('app');
    expect(oauthClientIdOf(requestWith('Bearer tk_live_x', { client_id: 'app' }))).toBe('app');
  });

  it('names nothing for absent, empty, repeated or malformed ids', () => {
    expect(oauthClientIdOf(requestWith(undefined, undefined))).toBeUndefined();
    expect(oauthClientIdOf(requestWith(undefined, { client_id: '' }))).toBeUndefined();
    expect(oauthClientIdOf(requestWith(undefined, { client_id: ['a', 'b'] }))).toBeUndefined();
    expect(oauthClientIdOf(requestWith(basic('no-colon'), undefined))).toBeUndefined();
    expect(oauthClientIdOf(requestWith(basic(':secret'), undefined))).toBeUndefined();
    expect(oauthClientIdOf(requestWith(basic('%E0%A4%A:x'), { client_id: 'b' }))).toBeUndefined();
  });

  it('names a JWT bearer assertion’s iss when no client_id is sent, without verifying it', () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const assertion = (claims: unknown) => `${part({ alg: 'RS256' })}.${part(claims)}.sig`;
    expect(oauthClientIdOf(requestWith(undefined, { assertion: assertion({ iss: 'sa_1' }) }))).toBe(
      'sa_1',
    );
    expect(
      oauthClientIdOf(
        requestWith(undefined, { client_id: 'c', assertion: assertion({ iss: 'x' }) }),
      ),
    ).toBe('c');
    for (const junk of [
      assertion({ iss: 7 }),
      assertion(null),
      'a.b.c',
      'abc',
      `a.${'x'.repeat(9000)}.c`,
    ]) {
      expect(oauthClientIdOf(requestWith(undefined, { assertion: junk }))).toBeUndefined();
    }
  });
});
