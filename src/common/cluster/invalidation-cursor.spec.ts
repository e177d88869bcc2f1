import { InvalidationCursor } from './invalidation-cursor';

describe('InvalidationCursor', () => {
  it('reads on from the newest entry it took in', () => {
    const cursor = new InvalidationCursor(10, 60_000);
    expect(cursor.next(0)).toEqual({ after: 10, missing: [] });
    cursor.advance([11, 12], 0);
    expect(cursor.next(0)).toEqual({ after: 12, missing: [] });
  });

  it('asks again for a number skipped over (an insert that committed after a later one)', () => {
    const cursor = new InvalidationCursor(10, 60_000);
    cursor.advance([11, 14], 0);
    expect(cursor.next(1000)).toEqual({ after: 14, missing: [12, 13] });
    cursor.advance([13, 15], 1000);
    expect(cursor.next(2000)).toEqual({ after: 15, missing: [12] });
  });

  it('stops waiting for a gap after the wait (a rolled back insert never fills it)', () => {
    const cursor = new InvalidationCursor(0, 60_000);
    cursor.advance([2], 0);
    expect(cursor.next(60_000).missing).toEqual([1]);
    expect(cursor.next(60_001).missing).toEqual([]);
  });

  it('ignores what it took in already', () => {
    const cursor = new InvalidationCursor(5, 60_000);
    cursor.advance([3, 5, 6], 0);
    expect(cursor.next(0)).toEqual({ after: 6, missing: [] });
  });

  it('awaits at most the 500 newest gaps after a jump of the counter', () => {
    const cursor = new InvalidationCursor(0, 60_000);
    cursor.advance([100_000], 0);
    const { after, missing } = cursor.next(0);
    expect(after).toBe(100_000);
    expect(missing).toHaveLength(500);
    expect(missing[0]).toBe(99_500);
    cursor.advance([100_010], 0);
    expect(cursor.next(0).missing).toHaveLength(500);
    expect(cursor.next(0).missing).toContain(100_009);
  });
});
