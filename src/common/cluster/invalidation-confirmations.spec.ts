import { InvalidationConfirmations } from './invalidation-confirmations';

describe('InvalidationConfirmations', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ends the wait when every receiver confirmed, even confirmations that came before the count', async () => {
    const confirmations = new InvalidationConfirmations(250);
    const outcome = confirmations.open('m1');
    confirmations.confirm('m1'); // over the subscriber connection, before PUBLISH's reply
    confirmations.expect('m1', 2);
    confirmations.confirm('m1');
    await expect(outcome).resolves.toEqual({ confirmed: 2, expected: 2 });
  });

  it('keeps waiting while a receiver has not confirmed, and gives up at the timeout', async () => {
    const confirmations = new InvalidationConfirmations(250);
    let settled = false;
    const outcome = confirmations.open('m2').finally(() => (settled = true));
    confirmations.expect('m2', 3);
    confirmations.confirm('m2');
    jest.advanceTimersByTime(249);
    await Promise.resolve();
    expect(settled).toBe(false);
    jest.advanceTimersByTime(1);
    await expect(outcome).resolves.toEqual({ confirmed: 1, expected: 3 });
    confirmations.confirm('m2'); // late: ignored
  });

  it('keeps the waits of different messages apart', async () => {
    const confirmations = new InvalidationConfirmations(250);
    const first = confirmations.open('a');
    const second = confirmations.open('b');
    confirmations.expect('a', 1);
    confirmations.expect('b', 1);
    confirmations.confirm('b');
    await expect(second).resolves.toEqual({ confirmed: 1, expected: 1 });
    jest.advanceTimersByTime(250);
    await expect(first).resolves.toEqual({ confirmed: 0, expected: 1 });
  });
});
