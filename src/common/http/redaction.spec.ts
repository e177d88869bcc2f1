import fc from 'fast-check';
import { redactUrl } from './redaction';

const SECRET = 'tk_live_Secret0123456789abcdefghijklmnopqrstuv';

/** `name` spelled as a client may: each character as is, in the other case, or percent-escaped. */
const spellings = (name: string) =>
  fc
    .array(fc.constantFrom('as-is', 'upper', 'escaped', 'escaped-lower-hex'), {
      minLength: name.length,
      maxLength: name.length,
    })
    .map((ways) =>
      [...name]
        .map((char, i) => {
          const hex = char.charCodeAt(0).toString(16).toUpperCase();
          if (ways[i] === 'upper') return char.toUpperCase();
          if (ways[i] === 'escaped') return `%${hex}`;
          if (ways[i] === 'escaped-lower-hex') return `%${hex.toLowerCase()}`;
          return char;
        })
        .join(''),
    );

describe('redactUrl', () => {
  it('returns a URL without a secret parameter as it is', () => {
    for (const url of [
      '/v1/health',
      '/v1/api-keys?limit=10&starting_after=key_0123',
      '/v1/audit-logs?action=api_key.created',
      '/v1/x?my_api_key=1&api_keys=2&tokens=3',
      '/v1/a%20b?q=a+b',
      '/v1/x?api_key',
    ])
      expect(redactUrl(url)).toBe(url);
  });

  it('masks every secret parameter, up to the next "&", and keeps the others', () => {
    expect(redactUrl(`/v1/auth/verify?api_key=${SECRET}&other=1`)).toBe(
      '/v1/auth/verify?api_key=[REDACTED]&other=1',
    );
    expect(
      redactUrl(`/x?a=1&access_token=t1&code=c1&refresh_token=r1&client_secret=s&token=t`),
    ).toBe(
      '/x?a=1&access_token=[REDACTED]&code=[REDACTED]&refresh_token=[REDACTED]&client_secret=[REDACTED]&token=[REDACTED]',
    );
    expect(redactUrl(`/oauth/logout?id_token_hint=eyJ.a.b&state=s`)).toBe(
      '/oauth/logout?id_token_hint=[REDACTED]&state=s',
    );
    // The parser reads the value up to "&" only: "#" and "?" inside it are part of the secret.
    expect(redactUrl(`/x?api_key=${SECRET}#tail?more=1`)).toBe('/x?api_key=[REDACTED]');
  });

  it('masks names the query parser decodes to a secret name, in any case', () => {
    for (const name of ['api%5Fkey', 'api%5fkey', '%61pi_key', '%61%70%69%5F%6B%65%79', 'Api_Key'])
      expect(redactUrl(`/v1/auth/verify?x=1&${name}=${SECRET}`)).toBe(
        `/v1/auth/verify?x=1&${name}=[REDACTED]`,
      );
    fc.assert(
      fc.property(spellings('api_key'), fc.constantFrom('?', '#', '?a=1&'), (name, before) => {
        const url = `/v1/auth/verify${before}${name}=${SECRET}&after=1`;
        const redacted = redactUrl(url);
        expect(redacted).not.toContain(SECRET);
        expect(redacted).toContain('&after=1');
      }),
    );
  });

  it('masks a query the router starts at "#", and a secret name inside another value', () => {
    // Fastify's router takes the query from the first "?" or "#": both are credentials.
    expect(redactUrl(`/v1/auth/verify#api_key=${SECRET}`)).toBe(
      '/v1/auth/verify#api_key=[REDACTED]',
    );
    expect(redactUrl(`/v1/auth/verify?a=1?api_key=${SECRET}`)).toBe(
      '/v1/auth/verify?a=1?api_key=[REDACTED]',
    );
  });

  it('leaves names with a malformed escape or a "+" alone: they decode to no secret name', () => {
    for (const url of ['/x?api%E0key=1', '/x?api_key+=1', '/x?api%2Bkey=1'])
      expect(redactUrl(url)).toBe(url);
  });
});
