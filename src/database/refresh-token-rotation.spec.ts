import { mayBeRetry } from './refresh-token-rotation';

describe('mayBeRetry', () => {
  const usedAt = new Date('2026-12-07T12:00:00Z');
  const used = { id: 'a', usedAt, replacedById: 'b' };
  const at = (ms: number) => usedAt.getTime() + ms;

  it('takes a used token with a successor back within the grace, and not after it', () => {
    expect(mayBeRetry(used, at(0), 10_000)).toBe(true);
    expect(mayBeRetry(used, at(10_000), 10_000)).toBe(true);
    expect(mayBeRetry(used, at(10_001), 10_000)).toBe(false);
  });

  it('never with a grace of 0 (the default)', () => {
    expect(mayBeRetry(used, at(0), 0)).toBe(false);
  });

  it('never for a token its own retry retired (no successor) or one never used', () => {
    expect(mayBeRetry({ ...used, replacedById: null }, at(1), 10_000)).toBe(false);
    expect(mayBeRetry({ ...used, usedAt: null }, at(1), 10_000)).toBe(false);
  });
});
