import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-errors';
import { extractCredential, requestedOrganizationId } from './credential';

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

describe('requestedOrganizationId', () => {
  const id = '0190f3a2-7c4e-7d1b-9a2f-3c5d7e9f1a2b';

  it('is null without X-Organization-ID or X-Client-ID', () => {
    expect(requestedOrganizationId(requestWith({}))).toBeNull();
    expect(requestedOrganizationId(requestWith({ 'x-organization-id': '' }))).toBeNull();
  });

  it('gives the canonical id whatever the case, from either header (X-Organization-ID first)', () => {
    for (const value of [id, id.toUpperCase(), ` ${id.toUpperCase()} `]) {
      expect(requestedOrganizationId(requestWith({ 'x-organization-id': value }))).toBe(id);
      expect(requestedOrganizationId(requestWith({ 'x-client-id': value }))).toBe(id);
    }
    const other = '0190f3a2-7c4e-7d1b-9a2f-000000000000';
    expect(
      requestedOrganizationId(requestWith({ 'x-organization-id': id, 'x-client-id': other })),
    ).toBe(id);
  });

  it('throws a 400 naming the header for anything but a UUID', () => {
    for (const header of ['x-organization-id', 'x-client-id']) {
      for (const value of ['acme', `${id}0`, id.replace(/-/g, ''), `${id}, ${id}`, '   ']) {
        let thrown: unknown;
        try {
          requestedOrganizationId(requestWith({ [header]: value }));
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ApiError);
        expect(thrown).toMatchObject({
          detail: `${header === 'x-client-id' ? 'X-Client-ID' : 'X-Organization-ID'} must be an organization id (a UUID)`,
          code: 'invalid_organization_id',
        });
        expect((thrown as ApiError).getStatus()).toBe(400);
      }
    }
  });
});
