import { basicCredentialsOf } from './basic-credentials';

const basic = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;

describe('basicCredentialsOf', () => {
  it('reads an id and secret with nothing encoded as they are', () => {
    expect(basicCredentialsOf(basic('client_1:tcs_abc-DEF_123'))).toEqual({
      clientId: 'client_1',
      secret: 'tcs_abc-DEF_123',
    });
  });

  it('form-decodes each part (RFC 6749 section 2.3.1): %XX and + for a space', () => {
    expect(basicCredentialsOf(basic('my%3Aclient:a+b%2Bc%25'))).toEqual({
      clientId: 'my:client',
      secret: 'a b+c%',
    });
  });

  it('tells a header it cannot read (malformed) from no Basic header at all (null)', () => {
    expect(basicCredentialsOf(basic('no-colon'))).toBe('malformed');
    expect(basicCredentialsOf(basic(':secret'))).toBe('malformed');
    expect(basicCredentialsOf(basic('client:%E0%A4%A'))).toBe('malformed');
    expect(basicCredentialsOf(undefined)).toBeNull();
    expect(basicCredentialsOf('Bearer abc')).toBeNull();
  });
});
