import { redirectUriKind } from './redirect-uri';

describe('redirectUriKind', () => {
  it.each([
    ['https://app.example.com/callback', 'https'],
    ['https://app.example.com', 'https'],
    ['https://app.example.com:8443/cb?tenant=a', 'https'],
    ['HTTPS://App.Example.com/cb', 'https'],
    ['https://[2001:db8::1]/cb', 'https'],
    ['http://127.0.0.1:8400/callback', 'loopback'],
    ['http://127.0.0.1/callback', 'loopback'],
    ['http://[::1]:53682/', 'loopback'],
    ['http://localhost:3000/auth/callback', 'loopback'],
    ['http://LOCALHOST:3000/cb', 'loopback'],
    ['com.example.app:/oauth2redirect', 'private_use'],
    ['com.example.app://callback', 'private_use'],
  ])('accepts %s as %s', (uri, kind) => {
    expect(redirectUriKind(uri)).toBe(kind);
  });

  it.each([
    ['http://app.example.com/callback', 'http off the loopback'],
    ['http://127.0.0.2/cb', 'another loopback address than the three'],
    ['http://0x7f.0.0.1/cb', 'a spelling a URL parser reads as 127.0.0.1'],
    ['http://localhost.evil.example/cb', 'a host that starts like localhost'],
    ['http://127.0.0.1@evil.example/cb', 'credentials in the authority'],
    ['https://user:pass@app.example.com/cb', 'credentials in the authority'],
    ['https://app.example.com/cb#frag', 'a fragment'],
    ['https://app.example.com/cb#', 'an empty fragment'],
    ['https://*.example.com/cb', 'a wildcard'],
    ['https:app.example.com/cb', 'no authority'],
    ['https:///cb', 'an empty host'],
    ['https://app.example.com:99999/cb', 'a port out of range'],
    ['https://app.example.com:/cb', 'an empty port'],
    ['https://app.example.com/c b', 'a space'],
    ['https://app.example.com/caf\u00e9', 'a character that is not ASCII'],
    ['/callback', 'a relative reference'],
    ['app.example.com/callback', 'no scheme'],
    ['javascript:alert(1)', 'javascript:'],
    ['data:text/html,hi', 'data:'],
    ['file:///etc/passwd', 'file:'],
    ['myapp:/callback', 'a scheme that is not a reverse domain name'],
    ['', 'nothing'],
    [`https://app.example.com/${'a'.repeat(2000)}`, 'more than 2000 characters'],
  ])('refuses %s (%s)', (uri) => {
    expect(redirectUriKind(uri)).toBeNull();
  });
});
