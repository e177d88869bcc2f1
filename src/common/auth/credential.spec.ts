import type { FastifyRequest } from 'fastify';
import { extractCredential } from './credential';

function requestWith(headers: Record<string, string>, query: Record<string, unknown> = {}) {
  return { headers, query } as unknown as FastifyRequest;
}

describe('extractCredential', () => {
  it('takes a Bearer token whatever the case of the scheme, without surrounding spaces', () => {
    for (const header of ['Bearer abc.def.ghi', 'bearer abc.def.ghi', 'BEARER   abc.def.ghi  ']) {
      expect(extractCredential(requestWith({ authorization: header }), false)).toBe('abc.def.ghi');
    }
  });

  it('ignores other schemes and an empty Bearer, then falls back to X-API-Key', () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer    ', 'Bearerabc']) {
      expect(extractCredential(requestWith({ authorization: header }), false)).toBeNull();
      expect(
        extractCredential(requestWith({ authorization: header, 'x-api-key': 'tk_live_x' }), false),
      ).toBe('tk_live_x');
    }
  });

  it('reads ?api_key= only when allowed', () => {
    const request = requestWith({}, { api_key: 'tk_test_y' });
    expect(extractCredential(request, true)).toBe('tk_test_y');
    expect(extractCredential(request, false)).toBeNull();
  });
});
