import { consoleClientId, consoleRedirectUris } from './console-client';

describe('the console client', () => {
  it('has one client_id per issuer origin, whatever the issuer’s path', () => {
    const id = consoleClientId('https://auth.example.com');
    expect(id).toMatch(/^client_console_[0-9a-f]{20}$/);
    expect(id.length).toBeLessThanOrEqual(40); // oauth_clients.id
    expect(consoleClientId('https://auth.example.com/')).toBe(id);
    expect(consoleClientId('https://auth.example.com/tenant/')).toBe(id);
    expect(consoleClientId('https://auth.example.com:8443')).not.toBe(id);
    expect(consoleClientId('http://auth.example.com')).not.toBe(id);
  });

  it('redirects to the console at the issuer’s origin, exactly', () => {
    expect(consoleRedirectUris('https://auth.example.com/tenant')).toEqual({
      redirectUris: ['https://auth.example.com/console/callback'],
      postLogoutRedirectUris: ['https://auth.example.com/console/signed-out'],
    });
  });
});
