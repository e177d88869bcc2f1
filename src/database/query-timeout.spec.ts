import { setTimeout as sleep } from 'node:timers/promises';
import { queryTimeoutOr, withQueryTimeout } from './query-timeout';

describe('withQueryTimeout', () => {
  it('bounds the queries of its work, through every await, and no others', async () => {
    const seen = await withQueryTimeout(600_000, async () => {
      await sleep(1);
      return queryTimeoutOr(5_000);
    });
    expect(seen).toBe(600_000);
    expect(queryTimeoutOr(5_000)).toBe(5_000);
  });

  it('keeps each of two overlapping runs its own bound, whichever ends first', async () => {
    let releaseLong!: () => void;
    const long = withQueryTimeout(null, async () => {
      await new Promise<void>((resolve) => (releaseLong = resolve));
      return queryTimeoutOr(5_000);
    });
    const short = await withQueryTimeout(60_000, async () => {
      await sleep(1);
      return queryTimeoutOr(5_000);
    });
    releaseLong();
    expect(short).toBe(60_000);
    expect(await long).toBeNull();
  });

  it('lets go of the storage once no run is left (work it left behind gets the default bound)', async () => {
    let leftBehind!: Promise<number | null>;
    await withQueryTimeout(null, async () => {
      leftBehind = sleep(20).then(() => queryTimeoutOr(5_000));
    });
    expect(await leftBehind).toBe(5_000);
  });
});
