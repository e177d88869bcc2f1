import { InvalidScope } from '../../../../common/errors/oauth-errors';
import {
  codeResponse,
  errorResponse,
  withoutSignInDemands,
  withResponseParameters,
} from './authorization-response';

describe('authorization responses', () => {
  it('adds the parameters after the redirect URI’s own query, as registered', () => {
    expect(withResponseParameters('https://a.example/cb', { code: 'c', state: null })).toBe(
      'https://a.example/cb?code=c',
    );
    expect(withResponseParameters('https://a.example/cb?t=%20x', { code: 'c' })).toBe(
      'https://a.example/cb?t=%20x&code=c',
    );
    expect(withResponseParameters('https://a.example/cb?', { code: 'c' })).toBe(
      'https://a.example/cb?code=c',
    );
    expect(withResponseParameters('com.example.app:/cb', { state: null })).toBe(
      'com.example.app:/cb',
    );
  });

  it('carries code, state and iss; an error’s description within RFC 6749’s characters', () => {
    expect(
      codeResponse('https://a.example/cb', { code: 'c', state: 'a b', issuer: 'https://t' }),
    ).toBe('https://a.example/cb?code=c&state=a+b&iss=https%3A%2F%2Ft');
    const url = new URL(
      errorResponse('https://a.example/cb', new InvalidScope('Not "é"'), {
        state: null,
        issuer: 'https://t',
      }),
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      error: 'invalid_scope',
      error_description: "Not '?'",
      iss: 'https://t',
    });
  });

  it('drops prompt=login and max_age from the request the login page returns to, keeping the rest', () => {
    expect(
      withoutSignInDemands('/oauth/authorize?client_id=c&prompt=login+consent&max_age=0'),
    ).toBe('/oauth/authorize?client_id=c&prompt=consent');
    expect(withoutSignInDemands('/oauth/authorize?prompt=login&state=s')).toBe(
      '/oauth/authorize?state=s',
    );
    const untouched = '/oauth/authorize?client_id=c&state=a%20b';
    expect(withoutSignInDemands(untouched)).toBe(untouched);
  });
});
