import {
  allowsGrantType,
  grantTypesOf,
  isRegisteredPostLogoutRedirectUri,
  isRegisteredRedirectUri,
  postLogoutRedirectUrisOf,
  redirectUrisOf,
  scopesOf,
  storedFields,
} from './oauth-client-fields';

const stored = storedFields({
  redirectUris: ['https://app.example.com/callback', 'http://127.0.0.1:8400/cb'],
  postLogoutRedirectUris: ['https://app.example.com/bye'],
  grantTypes: ['authorization_code', 'refresh_token'],
  scopes: ['openid', 'translate:read'],
});

describe('oauth client fields', () => {
  it('reads back what it stores', () => {
    expect(stored).toEqual({
      redirectUris: '["https://app.example.com/callback","http://127.0.0.1:8400/cb"]',
      postLogoutRedirectUris: '["https://app.example.com/bye"]',
      grantTypes: 'authorization_code refresh_token',
      scopes: 'openid translate:read',
    });
    expect(redirectUrisOf(stored)).toEqual([
      'https://app.example.com/callback',
      'http://127.0.0.1:8400/cb',
    ]);
    expect(postLogoutRedirectUrisOf(stored)).toEqual(['https://app.example.com/bye']);
    expect(grantTypesOf(stored)).toEqual(['authorization_code', 'refresh_token']);
    expect(scopesOf(stored)).toEqual(['openid', 'translate:read']);
  });

  it('reads empty lists as empty', () => {
    const empty = storedFields({
      redirectUris: [],
      postLogoutRedirectUris: [],
      grantTypes: ['client_credentials'],
      scopes: [],
    });
    expect(redirectUrisOf(empty)).toEqual([]);
    expect(scopesOf(empty)).toEqual([]);
    expect(isRegisteredRedirectUri(empty, '')).toBe(false);
  });

  it('allows exactly the registered grant types', () => {
    expect(allowsGrantType(stored, 'authorization_code')).toBe(true);
    expect(allowsGrantType(stored, 'refresh_token')).toBe(true);
    expect(allowsGrantType(stored, 'client_credentials')).toBe(false);
    expect(allowsGrantType(stored, 'urn:ietf:params:oauth:grant-type:jwt-bearer')).toBe(false);
    for (const partial of ['', 'authorization', 'authorization_code refresh_token', ' '])
      expect(allowsGrantType(stored, partial)).toBe(false);
  });

  it('matches redirect URIs byte for byte, never by prefix or normalized', () => {
    expect(isRegisteredRedirectUri(stored, 'https://app.example.com/callback')).toBe(true);
    expect(isRegisteredRedirectUri(stored, 'http://127.0.0.1:8400/cb')).toBe(true);
    for (const near of [
      'https://app.example.com/callback/',
      'https://app.example.com/callback?x=1',
      'https://APP.example.com/callback',
      'https://app.example.com:443/callback',
      'https://app.example.com/callback#x',
      'https://app.example.com/callbackx',
      'http://127.0.0.1:8401/cb',
    ])
      expect(isRegisteredRedirectUri(stored, near)).toBe(false);
    expect(isRegisteredPostLogoutRedirectUri(stored, 'https://app.example.com/bye')).toBe(true);
    expect(isRegisteredPostLogoutRedirectUri(stored, 'https://app.example.com/callback')).toBe(
      false,
    );
  });
});
