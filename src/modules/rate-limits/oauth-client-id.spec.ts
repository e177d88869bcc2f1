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
});
