import { PerTurnBatches } from './per-turn-batches';

/** A sender that records each batch and answers every item doubled. */
function doubling() {
  const batches: number[][] = [];
  const batching = new PerTurnBatches<number, number>(async (items) => {
    batches.push([...items]);
    return items.map((item) => item * 2);
  }, 3);
  return { batches, batching };
}

describe('PerTurnBatches', () => {
  it('sends the items of one turn together and gives each caller its own result', async () => {
    const { batches, batching } = doubling();
    const results = await Promise.all([batching.add(1), batching.add(2)]);
    expect(results).toEqual([2, 4]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('sends a full batch at once and the rest of the turn after it', async () => {
    const { batches, batching } = doubling();
    const results = await Promise.all([1, 2, 3, 4, 5].map((item) => batching.add(item)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('sends the items of a later turn in a batch of their own', async () => {
    const { batches, batching } = doubling();
    await batching.add(1);
    await batching.add(2);
    expect(batches).toEqual([[1], [2]]);
  });

  it('fails every caller of a batch whose send fails, and sends the next batch anew', async () => {
    let fail = true;
    const batching = new PerTurnBatches<number, number>(async (items) => {
      if (fail) throw new Error('Redis went away');
      return items;
    }, 10);
    const failed = await Promise.allSettled([batching.add(1), batching.add(2)]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batching.add(3)).resolves.toBe(3);
  });

  it('fails every caller when the results do not match the items, rather than mismatching them', async () => {
    const batching = new PerTurnBatches<number, number>(async (items) => items.slice(1), 10);
    const results = await Promise.allSettled([batching.add(1), batching.add(2)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('fails every caller when send throws before it returns a promise', async () => {
    const batching = new PerTurnBatches<number, number>(() => {
      throw new Error('no connection');
    }, 10);
    await expect(batching.add(1)).rejects.toThrow('no connection');
  });

  it('fails every caller when send answers no list at all, rather than leaving them waiting', async () => {
    const batching = new PerTurnBatches<number, number>(
      async () => undefined as unknown as number[],
      10,
    );
    const results = await Promise.allSettled([batching.add(1), batching.add(2)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});
