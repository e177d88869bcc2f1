import fc from 'fast-check';
import { longText, oddNumber, oddString } from './json-input';
import type { QueryParameter } from './openapi-routes';

/**
 * Percent-encoding of any JavaScript string, lone surrogates included (encodeURIComponent throws
 * on those): each becomes the three bytes a lenient encoder would write (WTF-8), which are no
 * valid UTF-8.
 */
export function percentEncoded(text: string): string {
  let encoded = '';
  for (const character of text) {
    const unit = character.charCodeAt(0);
    if (character.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      encoded += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else {
      encoded += encodeURIComponent(character);
    }
  }
  return encoded;
}

/** Query text that is not percent-encoding done right: stray `%`, overlong UTF-8, brackets. */
const RAW_QUERY_PIECES = [
  '%',
  '%zz',
  '%00',
  '%C0%AF',
  '%ED%A0%80',
  '%FF%FE',
  '+',
  '&&',
  '==',
  '=',
  '[]=1',
  'a[b]=1',
  'limit[]=1',
  'limit=1&limit=2',
  'since=&until=',
];

/**
 * Lengths of long text in a URL: around the id columns and Fastify's 100-character parameters,
 * and one past the 16 KB Node reads of a request's head once percent-encoded.
 */
const URL_LENGTHS = [37, 65, 81, 101, 129, 257, 1025, 5001];

/** Odd text for URLs and headers: mostly short, sometimes long, rarely past the 16 KB head. */
const urlText = fc.oneof(
  { weight: 5, arbitrary: oddString.filter((text) => text.length <= 1000) },
  { weight: 1, arbitrary: longText(URL_LENGTHS) },
);

/**
 * Date-like strings, ISO 8601 and near it: week and ordinal dates, the basic format, hour-only
 * times, decimal commas, leap seconds, years 0000 and 9999 and out of a Date's range, offsets
 * out of range. A validator and `new Date()` disagree on several of these.
 */
export const dateLike = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '2020-W01',
      '2020-W01-1',
      '2020W011',
      '2020-001',
      '2020001',
      '20200101',
      '20200101T101010Z',
      '2020-01-01T10',
      '2020-01-01T10Z',
      '2020-01-01T10:00:00,5Z',
      '2020-01-01T24:00',
      '2020-01-01T23:59:60Z',
      '2020-02-30',
      '2021-02-29',
      '2020-13-01',
      '0000-01-01',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.999999999-12:00',
      '+275760-09-13T00:00:00Z',
      '-000001-01-01T00:00:00Z',
      '2020-01-01T00:00:00+14:00',
      '2020-01-01T00:00:00-23:59',
      '2020-01-01T00:00:00+24:00',
      '1970-01-01T00:00:00Z',
      '2020',
      '2020-01',
      'now',
      'yesterday',
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
      .map((date) => date.toISOString()),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((year) => String(year).padStart(4, '0')),
        fc.constantFrom('', '-', 'W', '-W'),
        fc.integer({ min: 0, max: 400 }).map((n) => String(n).padStart(2, '0')),
        fc.constantFrom('', 'T', 'T10', 'T10:00', 'T10:00:00', 'T10:00:00.123456', 'T25:61'),
        fc.constantFrom('', 'Z', '+01:00', '-12', '+1400', ',5'),
      )
      .map((parts) => parts.join('')),
  },
);

/** A value for a query parameter of this schema, or for one the route does not document. */
function queryValue(schema: QueryParameter['schema'] | undefined, realIds: string[]) {
  const values: fc.Arbitrary<string>[] = [urlText, dateLike, oddNumber.map(String)];
  if (realIds.length) values.push(fc.constantFrom(...realIds));
  if (schema?.enum?.length) {
    const choice = fc.constantFrom(...schema.enum.map(String));
    values.push(
      choice,
      choice.map((v) => v.toUpperCase()),
    );
  }
  if (schema?.type === 'number' || schema?.type === 'integer') {
    values.push(
      fc.constantFrom('0', '1', '100', '101', '-1', '1.5', '1e2', '0x10', ' 5', '５', '', '1,2'),
      fc.constantFrom('99999999999999999999', 'NaN', 'Infinity', '-0', '+1', '00001'),
    );
  }
  return fc.oneof(...values);
}

/**
 * A query string (without `?`): the route's documented parameters with near and odd values,
 * unknown ones, repeated ones (which arrive as lists), and raw text that is no valid encoding.
 */
export function queryString(query: QueryParameter[], realIds: string[]): fc.Arbitrary<string> {
  const documented = query.map((parameter) =>
    fc
      .tuple(fc.constant(parameter.name), queryValue(parameter.schema, realIds))
      .map(([name, value]) => `${name}=${percentEncoded(value)}`),
  );
  const unknown = fc
    .tuple(
      fc.oneof(urlText, fc.constantFrom('api_key', '__proto__', 'constructor', 'toString')),
      queryValue(undefined, realIds),
    )
    .map(([name, value]) => `${percentEncoded(name)}=${percentEncoded(value)}`);
  const pair = fc.oneof(
    ...(documented.length ? [{ weight: 4, arbitrary: fc.oneof(...documented) }] : []),
    { weight: 1, arbitrary: unknown },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_QUERY_PIECES) },
  );
  return fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join('&'));
}

/**
 * A path segment naming a record: a real one (made by the suite, chosen by index at request time,
 * since records are replaced as the fuzzing revokes or deletes them), one reshaped (another case,
 * a suffix), or junk: of the right shape but unknown, or anything, percent-encoded as sent.
 */
export type PathIdChoice =
  | { real: number; reshape: 'none' | 'upper' | 'space' | 'longer' | 'shorter' | 'nul' }
  | { text: string };

export function pathId(realCount: number): fc.Arbitrary<PathIdChoice> {
  const junk = fc
    .oneof(
      fc.uuid(),
      fc.stringMatching(/^key_[0-9a-f]{32}$/),
      urlText.filter((text) => text.length > 0).map(percentEncoded),
      fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2F',
        '%00',
        '%',
        '%zz',
        '%ED%A0%80',
        'null',
        '0',
        '-1',
      ),
    )
    .map((text): PathIdChoice => ({ text }));
  if (realCount === 0) return junk;
  const real = fc.record({
    real: fc.nat({ max: realCount - 1 }),
    reshape: fc.oneof(
      { weight: 6, arbitrary: fc.constant('none' as const) },
      { weight: 1, arbitrary: fc.constantFrom('upper', 'space', 'longer', 'shorter', 'nul') },
    ),
  });
  return fc.oneof({ weight: 3, arbitrary: real }, { weight: 1, arbitrary: junk });
}

export function pathSegment(choice: PathIdChoice, realIds: string[]): string {
  if ('text' in choice) return choice.text;
  const id = realIds[choice.real];
  switch (choice.reshape) {
    case 'none':
      return id;
    case 'upper':
      return id.toUpperCase();
    case 'space':
      return `${id}%20`;
    case 'longer':
      return `${id}0`;
    case 'shorter':
      return id.slice(0, -1);
    case 'nul':
      return `${id}%00`;
  }
}

/** Header text Node's HTTP client can send: tab, visible ASCII and Latin-1 (no CR, LF, NUL). */
export const headerText = fc.string({
  unit: fc
    .oneof(
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0x80, max: 0xff }),
      fc.constant(9),
    )
    .map((code) => String.fromCharCode(code)),
  maxLength: 80,
});

const longHeaderText = fc
  .tuple(
    headerText.filter((text) => text.length > 0),
    fc.constantFrom(129, 1025, 8000),
  )
  .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length));

/** An X-Forwarded-For value: addresses of every form, with ports and zones, lists, junk. */
export const forwardedFor = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4Extended(),
  fc.ipV4().map((ip) => `::ffff:${ip}`),
  fc.ipV4().map((ip) => `64:ff9b::${ip}`),
  fc.tuple(fc.ipV6(), fc.string({ maxLength: 60 })).map(([ip, zone]) => `${ip}%${zone}`),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 99999 })).map(([ip, port]) => `${ip}:${port}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 99999 })).map(([ip, port]) => `[${ip}]:${port}`),
  fc
    .array(fc.oneof(fc.ipV4(), fc.ipV6(), headerText), { minLength: 2, maxLength: 5 })
    .map((list) => list.join(', ')),
  fc.constantFrom('unknown', '', ' ', ',', '127.0.0.1, ', '0.0.0.0', '::', '::1', '[::1]'),
  headerText,
  longHeaderText,
);

/** An X-Request-Id: acceptable tokens, one too long, anything else. */
export const requestIdHeader = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
  fc.constant('a'.repeat(129)),
  headerText,
  longHeaderText,
);

/** An X-Organization-ID (or its alias X-Client-ID): real ids, reshaped ones, lists, junk. */
export function organizationHeader(realIds: string[]): fc.Arbitrary<string> {
  const real = fc.constantFrom(...realIds);
  return fc.oneof(
    real,
    real.map((id) => id.toUpperCase()),
    real.map((id) => ` ${id} `),
    fc.tuple(real, real).map(([a, b]) => `${a},${b}`),
    fc.uuid(),
    fc.constantFrom('', 'null', '*', '00000000-0000-0000-0000-000000000000'),
    headerText,
    longHeaderText,
  );
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** Three base64url parts, as a JWT: its header and claims random, odd or plausible. */
const jwtLike = fc
  .tuple(
    fc.record({
      alg: fc.constantFrom('RS256', 'none', 'HS256', 'ES256', ''),
      kid: fc.oneof(urlText, fc.uuid()),
      typ: fc.constantFrom('JWT', 'at+jwt'),
    }),
    fc.record(
      {
        sub: fc.oneof(fc.uuid(), urlText),
        org_id: fc.oneof(fc.uuid(), urlText),
        scope: urlText,
        exp: fc.oneof(oddNumber, urlText),
        iss: fc.constantFrom('http://tessera.test', 'x'),
        aud: fc.oneof(fc.constant('http://tessera.test'), fc.array(urlText)),
        jti: urlText,
      },
      { requiredKeys: [] },
    ),
    fc.string({ unit: 'binary-ascii', maxLength: 64 }),
  )
  .map((parts) =>
    parts
      .map((part) => base64url(typeof part === 'string' ? part : JSON.stringify(part)))
      .join('.'),
  );

/**
 * Credentials that are not valid ones: junk schemes and tokens, JWT-shaped ones, and the real
 * credentials reshaped (cut short, one character more, another case).
 */
export function junkCredential(realSecrets: string[]): fc.Arbitrary<Record<string, string>> {
  const reshaped = fc
    .tuple(fc.constantFrom(...realSecrets), fc.constantFrom('cut', 'more', 'upper'))
    .map(([secret, how]) =>
      how === 'cut' ? secret.slice(0, -1) : how === 'more' ? `${secret}0` : secret.toUpperCase(),
    );
  const token = fc.oneof(headerText, jwtLike, reshaped);
  return fc.oneof(
    token.map((value) => ({ Authorization: `Bearer ${value}` })),
    token.map((value) => ({ 'X-API-Key': value })),
    headerText.map((value) => ({ Authorization: value })),
    fc
      .constantFrom('Basic YTpi', 'Bearer', 'Bearer  ', 'bearer x', 'Token abc', 'Bearer a b')
      .map((value) => ({ Authorization: value })),
  );
}
