import fc from 'fast-check';
import { MAX_INPUT_DEPTH, MAX_INPUT_VALUES } from '../../../src/common/validation/input-shape';
import { exampleOf, Schema } from './openapi-routes';

/**
 * JSON text sent as written, for what no JavaScript value serializes to: numbers out of a
 * double's range (`1e400` parses to Infinity), more digits than a double holds.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value that may hold RawJson pieces (JSON.stringify cannot write them). */
export function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Characters that trip text handling: NUL and controls, bidi marks (RTL override, RLM), zero
 * widths, a combining accent alone and after a letter, 4-byte characters and emoji sequences,
 * lone and reversed surrogates, case mappings that change length, quoting and markup.
 */
const ODD_CHARACTERS = [
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u202e',
  '\u200f',
  '\u061c',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u0301',
  'e\u0301',
  '\u2028',
  '\uffff',
  '\ufffd',
  '😀',
  '👩\u200d👩\u200d👧',
  '🇩🇪',
  '𝒜',
  '\udbff\udfff',
  '\ud800',
  '\udfff',
  '\udc00\ud800',
  '中',
  'ß',
  'İ',
  'ﬁ',
  'Ⅻ',
  '\n',
  '\r\n',
  '\t',
  '"',
  '\\',
  "'",
  '`',
  '%',
  '%00',
  '../',
  '<script>',
  '${',
  '{{',
  '*',
  ':',
  '@',
  '/',
];

export const oddCharacter = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD_CHARACTERS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 1 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
  },
);

/** Lengths around the columns and limits of the API (64, 100, 200, 256, 320, 5000) and past. */
const LENGTHS = [33, 37, 61, 65, 81, 101, 129, 201, 255, 257, 321, 513, 1025, 5001, 20_000, 60_000];

/** Text of one of `lengths` characters (code points, as columns count them), a piece repeated. */
export function longText(lengths: number[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.string({ unit: oddCharacter, minLength: 1, maxLength: 3 }),
      fc.constantFrom(...lengths),
    )
    .map(([piece, length]) => {
      const characters = Array.from(piece);
      return Array.from({ length }, (_, i) => characters[i % characters.length]).join('');
    });
}

export const longString = longText(LENGTHS);

export const oddString = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: oddCharacter, maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '0',
      '-1',
      'null',
      'true',
      '1e308',
      'NaN',
      'Infinity',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'admin:*',
      '*',
      '%',
      '%00',
      '../../etc/passwd',
      "' OR '1'='1",
      '<html><body>',
      'ada@example.com',
      'tk_live_00000000000000000000000000000000000000',
      '00000000-0000-0000-0000-000000000000',
    ),
  },
  { weight: 1, arbitrary: longString },
);

export const oddNumber = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      0,
      -0,
      1,
      -1,
      0.5,
      -0.5,
      1.5,
      9,
      10,
      11,
      99,
      100,
      101,
      720,
      721,
      3650,
      3651,
      100_000,
      100_001,
      1_000_000,
      1_000_001,
      2 ** 31 - 1,
      2 ** 31,
      -(2 ** 31),
      2 ** 32,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 53),
      2 ** 63,
      2 ** 64,
      1e21,
      1e308,
      -1e308,
      5e-324,
      Number.MAX_VALUE,
      Number.EPSILON,
    ),
  },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        '1e400',
        '-1e400',
        '123456789012345678901234567890',
        '0.00000000000000000000000000000000001',
        '1E2',
        '-0.0',
        '1.0',
        '10.000000000000000001',
      )
      .map((text) => new RawJson(text)),
  },
);

/** Containers nested `levels` deep around `leaf`, just under, at and over the 32-level limit. */
export const deeplyNested = fc
  .record({
    kind: fc.constantFrom('array', 'object'),
    levels: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: MAX_INPUT_DEPTH - 4, max: MAX_INPUT_DEPTH + 2 }) },
      { weight: 1, arbitrary: fc.constantFrom(64, 500, 2000) },
    ),
    leaf: fc.oneof(fc.constant(1), fc.constant('x'), fc.constant(null), oddString),
  })
  .map(({ kind, levels, leaf }) => {
    let value: unknown = leaf;
    for (let level = 0; level < levels; level++) value = kind === 'array' ? [value] : { a: value };
    return value;
  });

const HUGE_SIZES = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: MAX_INPUT_VALUES - 3, max: MAX_INPUT_VALUES + 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(20_000, 60_000) },
);

/** Lists and objects near and over the 10,000-value limit (and over the body size limit). */
export const hugeList = fc
  .tuple(HUGE_SIZES, fc.constantFrom<unknown>(0, 1, null, true, 'a', '', [], {}))
  .map(([length, item]) => new Array<unknown>(length).fill(item));
export const hugeObject = HUGE_SIZES.map((size) =>
  Object.fromEntries(Array.from({ length: size }, (_, i) => [i.toString(36), 0])),
);

/** Values of the wrong JSON type for nearly any field. */
export const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  oddNumber,
  oddString,
  fc.constant({}),
  fc.constant([]),
  fc.constant([null]),
  fc.array(oddString, { maxLength: 3 }),
  fc.array(oddNumber, { maxLength: 3 }),
  fc.dictionary(oddString, oddString, { maxKeys: 3 }),
);

/** Any JSON value, weighted toward the kinds that break servers. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: oddString },
  { weight: 2, arbitrary: oddNumber },
  { weight: 2, arbitrary: wrongType },
  { weight: 1, arbitrary: deeplyNested },
  { weight: 1, arbitrary: hugeList },
  { weight: 1, arbitrary: hugeObject },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: oddCharacter }) },
);

/**
 * Strings the API itself knows (every enum value and example in its OpenAPI document: scopes,
 * roles, plans, durations, addresses), so mutated fields often hold a value a service acts on.
 */
export function vocabularyOf(schemas: Schema[]): string[] {
  const words = new Set<string>();
  const visit = (schema: Schema | undefined) => {
    if (!schema) return;
    for (const value of [...(schema.enum ?? []), schema.example, schema.default].flat()) {
      if (typeof value === 'string') words.add(value);
    }
    visit(schema.items);
    Object.values(schema.properties ?? {}).forEach(visit);
  };
  schemas.forEach(visit);
  return [...words];
}

/** Values a field of this schema nearly accepts: its bounds and one past, its words reshaped. */
export function nearlyValid(schema: Schema, vocabulary: string[]): fc.Arbitrary<unknown> {
  const known = fc.constantFrom(...vocabulary, 'admin:*', 'translate:*', '*:*', 'x:y');
  const choices: fc.Arbitrary<unknown>[] = [fc.constant(exampleOf(schema)), known];
  if (schema.enum?.length) {
    const choice = fc.constantFrom(...schema.enum);
    choices.push(
      choice,
      choice.map((v) => (typeof v === 'string' ? ` ${v.toUpperCase()}` : v)),
    );
  }
  if (schema.type === 'number' || schema.type === 'integer') {
    const { minimum = 0, maximum = 1000 } = schema;
    choices.push(
      fc.constantFrom(minimum, maximum, minimum - 1, maximum + 1, minimum + 0.5, maximum * 10),
      fc.constantFrom(String(minimum), String(maximum), `${maximum}.0`),
    );
  }
  if (schema.type === 'string') {
    choices.push(
      fc.constantFrom('', 'x'.repeat((schema.maxLength ?? 200) + 1), `${exampleOf(schema)} `),
      known.map((word) => `${word}\u0000`),
      fc.uuid().map((uuid) => (schema.format === 'uuid' ? uuid.toUpperCase() : uuid)),
    );
  }
  if (schema.type === 'array') {
    const item = nearlyValid(schema.items ?? {}, vocabulary);
    choices.push(
      fc.array(item, { minLength: 1, maxLength: 4 }),
      fc.tuple(item, fc.constantFrom(99, 100, 101)).map(([v, n]) => new Array(n).fill(v)),
    );
  }
  return fc.oneof(...choices);
}

/**
 * What one request sends as its body: the route's valid base body as it is, with one field
 * changed or removed (so the request reaches the service) or several set to nearly valid values
 * (combinations a service must decide between), any JSON instead of it, or text that is not JSON
 * at all, under the JSON content type or another.
 */
export type BodyPlan =
  | { kind: 'valid' }
  | { kind: 'set'; field: string; value: unknown }
  | { kind: 'merge'; fields: Record<string, unknown> }
  | { kind: 'remove'; field: string }
  | { kind: 'replace'; value: unknown }
  | { kind: 'text'; contentType: string; text: string };

const MALFORMED_JSON = [
  '',
  '{',
  '{"a":}',
  '[1,]',
  'nul',
  'undefined',
  '"\\ud800"',
  '{"a":1}garbage',
  '\ufeff{}',
  '{"a":1,"a":2}',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '1e400',
  '"x"',
  `${'['.repeat(100_000)}`,
  '{"a":"\\u0000"}',
  '{"a":"\\x00"}',
  "{'a':1}",
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/xml',
];

export function bodyPlan(schema: Schema | undefined, vocabulary: string[]): fc.Arbitrary<BodyPlan> {
  const properties = schema?.properties ?? {};
  const fields = Object.keys(properties);
  const extraField = fc.constantFrom('__proto__', 'constructor', 'admin', 'id', 'organization_id');
  const field = fields.length
    ? fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...fields) },
        { weight: 1, arbitrary: extraField },
      )
    : extraField;
  const plans: fc.WeightedArbitrary<BodyPlan>[] = [
    {
      weight: 6,
      arbitrary: field.chain((name) =>
        fc
          .oneof(
            { weight: 3, arbitrary: nearlyValid(properties[name] ?? {}, vocabulary) },
            { weight: 3, arbitrary: anyJson },
            // An optional field sent as null: "given" or "left out", depending on who reads it.
            { weight: 1, arbitrary: fc.constant(null) },
          )
          .map((value): BodyPlan => ({ kind: 'set', field: name, value })),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(anyJson, fc.dictionary(field, anyJson, { maxKeys: 4 }))
        .map((value): BodyPlan => ({ kind: 'replace', value })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          contentType: fc.constantFrom(...CONTENT_TYPES),
          text: fc.oneof(fc.constantFrom(...MALFORMED_JSON), oddString),
        })
        .map((plan): BodyPlan => ({ kind: 'text', ...plan })),
    },
  ];
  if (fields.length > 1) {
    const nearly = (name: string) =>
      nearlyValid(properties[name] ?? {}, vocabulary).map((value): [string, unknown] => [
        name,
        value,
      ]);
    plans.push({
      weight: 2,
      arbitrary: fc
        .uniqueArray(fc.constantFrom(...fields), { minLength: 2, maxLength: 4 })
        .chain((names) => fc.tuple(...names.map(nearly)))
        .map((entries): BodyPlan => ({ kind: 'merge', fields: Object.fromEntries(entries) })),
    });
  }
  if (fields.length) {
    plans.push({
      weight: 1,
      arbitrary: fc
        .constantFrom(...fields)
        .map((name): BodyPlan => ({ kind: 'remove', field: name })),
    });
  }
  return fc.oneof(...plans);
}

/** The body a plan makes of the route's base body: JSON text, or the raw text and its type. */
export function bodyFrom(
  plan: BodyPlan,
  base: Record<string, unknown>,
): { contentType: string; text: string } {
  switch (plan.kind) {
    case 'valid':
      return { contentType: 'application/json', text: jsonText(base) };
    case 'set': {
      const body = { ...base };
      // Defined as an own property, as JSON.parse would (`body.__proto__ = x` sets the prototype).
      Object.defineProperty(body, plan.field, { value: plan.value, enumerable: true });
      return { contentType: 'application/json', text: jsonText(body) };
    }
    case 'merge':
      return { contentType: 'application/json', text: jsonText({ ...base, ...plan.fields }) };
    case 'remove': {
      const body = { ...base };
      delete body[plan.field];
      return { contentType: 'application/json', text: jsonText(body) };
    }
    case 'replace':
      return { contentType: 'application/json', text: jsonText(plan.value) };
    case 'text':
      return plan;
  }
}
