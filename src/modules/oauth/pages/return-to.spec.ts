import { safeReturnTo } from './return-to';

describe('safeReturnTo', () => {
  it.each([
    ['/oauth/authorize?client_id=abc&state=x', '/oauth/authorize?client_id=abc&state=x'],
    ['/oauth/authorize', '/oauth/authorize'],
    ['/oauth/a/../authorize', '/oauth/authorize'],
    [
      '/oauth/authorize?redirect_uri=https%3A%2F%2Fapp.example%2Fcb',
      '/oauth/authorize?redirect_uri=https%3A%2F%2Fapp.example%2Fcb',
    ],
    ['/oauth/authorize#fragment', '/oauth/authorize'],
    ['/oauth/caf\u00e9', '/oauth/caf%C3%A9'],
  ])('keeps the same-origin OAuth path %j', (given, kept) => {
    expect(safeReturnTo(given)).toBe(kept);
  });

  it.each([
    'https://evil.example/oauth/authorize',
    '//evil.example/oauth/',
    '/\\evil.example/oauth/',
    '\\/evil.example',
    '/oauth\\..\\..\\evil',
    '/\t/evil.example/oauth/',
    '/oauth/\n/x',
    '/oauth/../v1/api-keys',
    '/oauth/%2e%2e/v1/api-keys',
    '/oauth/%2E%2E/%2e%2e/evil',
    '/oauth',
    '/v1/auth/verify',
    'oauth/authorize',
    'javascript:alert(1)',
    '',
    undefined,
    ['/oauth/authorize'],
  ])('refuses %j', (given) => {
    expect(safeReturnTo(given)).toBeNull();
  });

  it('refuses a path longer than 8192 characters', () => {
    expect(safeReturnTo(`/oauth/${'a'.repeat(8185)}`)).toHaveLength(8192);
    expect(safeReturnTo(`/oauth/${'a'.repeat(8186)}`)).toBeNull();
  });
});
