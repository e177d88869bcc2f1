import { pageCspAllowingRedirectsTo, securityHeaders } from './security-headers';

describe('pageCspAllowingRedirectsTo', () => {
  const formAction = (csp: string) => /form-action ([^;]*);/.exec(csp)?.[1];

  it('keeps every other directive of the pages’ CSP', () => {
    const base = securityHeaders().pages['content-security-policy'];
    const widened = pageCspAllowingRedirectsTo(['https://app.example/callback']);
    expect(widened.replace(/form-action [^;]*;/, '')).toBe(base.replace(/form-action [^;]*;/, ''));
    expect(formAction(base)).toBe("'self'");
  });

  it('adds each redirect URI’s origin, never its path or query, once', () => {
    expect(
      formAction(
        pageCspAllowingRedirectsTo([
          'https://app.example/callback?x=1',
          'https://app.example/other',
          'http://127.0.0.1:8080/cb',
          'https://app.example:8443/cb',
        ]),
      ),
    ).toBe("'self' https://app.example http://127.0.0.1:8080 https://app.example:8443");
  });

  it('names a private-use scheme, and an IPv6 loopback, by scheme alone; drops what is no URI', () => {
    expect(
      formAction(
        pageCspAllowingRedirectsTo(['com.example.app:/callback', 'http://[::1]:8080/cb', 'nope']),
      ),
    ).toBe("'self' com.example.app: http:");
  });
});
