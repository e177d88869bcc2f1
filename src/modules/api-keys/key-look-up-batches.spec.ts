import { KeyLookUpBatches } from './key-look-up-batches';

describe('KeyLookUpBatches', () => {
  const rows = new Map([
    ['a', 'row a'],
    ['b', 'row b'],
    ['c', 'row c'],
  ]);

  function batches(maxBatch?: number) {
    const queries: string[][] = [];
    const loader = new KeyLookUpBatches<string>(async (hashes) => {
      queries.push(hashes);
      return new Map(hashes.filter((h) => rows.has(h)).map((h) => [h, rows.get(h)!]));
    }, maxBatch);
    return { loader, queries };
  }

  it('looks up the keys asked for in one turn of the event loop with one query', async () => {
    const { loader, queries } = batches();
    const answers = await Promise.all(['a', 'x', 'c', 'a'].map((h) => loader.load(h)));
    expect(answers).toEqual(['row a', null, 'row c', 'row a']);
    expect(queries).toEqual([['a', 'x', 'c']]);
  });

  it('starts a new batch for keys asked for after the last one went', async () => {
    const { loader, queries } = batches();
    expect(await loader.load('a')).toBe('row a');
    expect(await loader.load('b')).toBe('row b');
    expect(queries).toEqual([['a'], ['b']]);
  });

  it('splits a batch past its size', async () => {
    const { loader, queries } = batches(2);
    await Promise.all(['a', 'b', 'c'].map((h) => loader.load(h)));
    expect(queries).toEqual([['a', 'b'], ['c']]);
  });

  it('fails every look-up of a query that failed, and only those', async () => {
    let calls = 0;
    const loader = new KeyLookUpBatches<string>(async (hashes) => {
      calls += 1;
      if (calls === 1) throw new Error('database unavailable');
      return new Map(hashes.map((h) => [h, `row ${h}`]));
    }, 1);
    const [first, second] = await Promise.allSettled([loader.load('a'), loader.load('b')]);
    expect(first).toEqual({ status: 'rejected', reason: new Error('database unavailable') });
    expect(second).toEqual({ status: 'fulfilled', value: 'row b' });
  });
});
