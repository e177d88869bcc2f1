import { chunksOf } from './api-keys.repository';

describe('chunksOf (the usage flush statements)', () => {
  const sizes = (count: number, size?: number) =>
    chunksOf(
      Array.from({ length: count }, (_, i) => i),
      size,
    ).map((chunk) => chunk.length);

  it('cuts full chunks, then the rest in powers of two, every row once and in order', () => {
    expect(sizes(1_300)).toEqual([500, 500, 256, 32, 8, 4]);
    expect(sizes(0)).toEqual([]);
    expect(sizes(1)).toEqual([1]);
    expect(sizes(500)).toEqual([500]);
    expect(sizes(250, 100)).toEqual([100, 100, 32, 16, 2]);
    const rows = Array.from({ length: 777 }, (_, i) => i);
    expect(chunksOf(rows).flat()).toEqual(rows);
  });

  it('makes at most ten row counts however the batches vary', () => {
    const counts = new Set<number>();
    for (let rows = 0; rows <= 3_000; rows++) for (const n of sizes(rows)) counts.add(n);
    expect([...counts].sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 500]);
  });
});
