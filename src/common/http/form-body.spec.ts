import { parseForm } from './form-body';

/** What URLSearchParams, the WHATWG form decoding, makes of the body. */
function whatwg(body: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = fields[name];
    fields[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return fields;
}

describe('parseForm', () => {
  it.each([
    'grant_type=client_credentials&scope=translate:read',
    'token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_x&token_type_hint=access_token',
    'a=1&&b=2&',
    '&a',
    'a=&=b&c',
    'a=1=2',
    'scope=a&scope=b&scope=c',
    'redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=x+y',
    'name=Zo%C3%AB&broken=%E0%A4%A&plus=a+b%2Bc',
    'é=ü&ключ=значение',
    '',
  ])('reads %p as the WHATWG form decoding does', (body) => {
    expect({ ...parseForm(body) }).toEqual(whatwg(body));
  });

  it('makes a repeated name a list, in order', () => {
    expect(parseForm('scope=a&x=1&scope=b').scope).toEqual(['a', 'b']);
  });

  it('keeps a field named like an Object.prototype member as a plain field', () => {
    const fields = parseForm('__proto__=x&constructor=y');
    expect(fields.__proto__).toBe('x');
    expect(fields.constructor).toBe('y');
  });
});
