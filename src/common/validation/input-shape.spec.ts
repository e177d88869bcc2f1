import { inputShapeIssues, MAX_INPUT_DEPTH, MAX_INPUT_VALUES } from './input-shape';

/** `value` inside `levels` arrays (the first level being the field's own). */
function nested(levels: number, value: unknown = 1): unknown {
  let current = value;
  for (let i = 0; i < levels; i++) current = [current];
  return current;
}

describe('inputShapeIssues', () => {
  it('finds nothing wrong with ordinary input', () => {
    expect(inputShapeIssues(undefined)).toEqual([]);
    expect(inputShapeIssues('key_0123')).toEqual([]);
    expect(inputShapeIssues({ name: 'Ada 👩‍💻', scopes: ['a', 'b'], n: 3, none: null })).toEqual([]);
  });

  it('allows 32 levels of nesting, the body included, and refuses the 33rd at its top field', () => {
    expect(inputShapeIssues({ deep: nested(MAX_INPUT_DEPTH - 1) })).toEqual([]);
    expect(inputShapeIssues({ ok: 1, deep: nested(MAX_INPUT_DEPTH) })).toEqual([
      {
        loc: ['deep'],
        msg: 'value is nested more than 32 levels deep',
        type: 'value_error.nesting',
      },
    ]);
    // Far deeper than the stack of a recursive walk would take: one issue, found at once.
    expect(inputShapeIssues({ deep: nested(100_000) })).toHaveLength(1);
  });

  it('points at every string with a lone surrogate, in values and in lists', () => {
    const issue = (loc: (string | number)[]) => ({
      loc,
      msg: 'string is not valid Unicode (it contains a lone UTF-16 surrogate)',
      type: 'value_error.str.surrogate',
    });
    expect(
      inputShapeIssues({
        high: 'a\uD800',
        low: '\uDC00b',
        swapped: '\uDC00\uD800',
        pair: '\uD83D\uDC4D',
        list: ['ok', 'x\uDBFF'],
      }),
    ).toEqual([issue(['high']), issue(['low']), issue(['swapped']), issue(['list', 1])]);
    expect(inputShapeIssues('\uD800')).toEqual([issue([])]);
  });

  it('refuses a field name with a lone surrogate without echoing it', () => {
    expect(inputShapeIssues({ inner: { '\uD800': 1 } })).toEqual([
      expect.objectContaining({ loc: ['inner'], msg: 'field names must be valid Unicode' }),
    ]);
  });

  it('allows 10,000 values (entries and field values) and refuses more at the top field', () => {
    expect(MAX_INPUT_VALUES).toBe(10_000);
    expect(inputShapeIssues({ list: new Array(9_999).fill('ok') })).toEqual([]);
    expect(inputShapeIssues({ a: 1, list: new Array(1_000_000).fill([0]) })).toEqual([
      { loc: ['list'], msg: 'input holds more than 10000 values', type: 'value_error.input_size' },
    ]);
    expect(inputShapeIssues(new Array(10_001).fill(0))).toEqual([
      expect.objectContaining({ loc: [10_000], type: 'value_error.input_size' }),
    ]);
  });

  it('reports a bounded number of bad strings', () => {
    expect(inputShapeIssues({ list: new Array(5_000).fill('\uD800') })).toHaveLength(20);
  });
});
