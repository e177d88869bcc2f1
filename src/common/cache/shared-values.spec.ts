import { itself, SharedValues } from './shared-values';

describe('SharedValues', () => {
  it('answers the first value made for a text to every later equal text', () => {
    const shared = new SharedValues<readonly string[]>();
    const make = jest.fn((text: string) => Object.freeze(text.split(' ')));
    const first = shared.of('a b', make);
    expect(shared.of(['a', 'b'].join(' '), make)).toBe(first);
    expect(make).toHaveBeenCalledTimes(1);
    expect(shared.of('c', make)).toEqual(['c']);
  });

  it('shares a string read anew (a row gives each its own copy)', () => {
    const shared = new SharedValues<string>();
    const first = shared.of(['org', '1'].join('-'), itself);
    expect(shared.of(['org', '1'].join('-'), itself)).toBe(first);
  });

  it('starts again empty past its bound, values already handed out unchanged', () => {
    const shared = new SharedValues<{ n: number }>(2);
    const a = shared.of('a', () => ({ n: 1 }));
    shared.of('b', () => ({ n: 2 }));
    shared.of('c', () => ({ n: 3 })); // the table restarts here
    const again = shared.of('a', () => ({ n: 1 }));
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
    expect(shared.of('a', () => ({ n: 9 }))).toBe(again);
  });
});
