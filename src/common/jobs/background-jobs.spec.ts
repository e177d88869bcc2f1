import { queryTimeoutOr } from '../../database/query-timeout';
import { BackgroundJobs, LONG_QUERY_TIMEOUT_MS, SOON_AFTER_START_MS } from './background-jobs';

/** Lets the promise callbacks of a finished run settle. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('BackgroundJobs', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('never starts a run while the previous one is still going, and stops at shutdown', async () => {
    const jobs = new BackgroundJobs();
    let finish!: () => void;
    const task = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    jobs.every(1000, 'failed', task);
    jest.advanceTimersByTime(3500); // three ticks while the first run hangs
    expect(task).toHaveBeenCalledTimes(1);
    finish();
    await settle();
    jest.advanceTimersByTime(1000);
    expect(task).toHaveBeenCalledTimes(2);
    jobs.onModuleDestroy();
    finish();
    await settle();
    jest.advanceTimersByTime(5000);
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('keeps running after a failed run', async () => {
    const jobs = new BackgroundJobs();
    const task = jest.fn().mockRejectedValueOnce(new Error('database down')).mockResolvedValue(0);
    jobs.every(1000, 'failed', task);
    jest.advanceTimersByTime(1000);
    await settle();
    jest.advanceTimersByTime(1000);
    expect(task).toHaveBeenCalledTimes(2);
    jobs.onModuleDestroy();
  });

  it('runs a long-interval job once soon after start, then on its interval', async () => {
    const jobs = new BackgroundJobs();
    const task = jest.fn().mockResolvedValue(0);
    jobs.every(6 * 3_600_000, 'failed', task, { runSoonAfterStart: true });
    jest.advanceTimersByTime(SOON_AFTER_START_MS);
    await settle();
    expect(task).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(6 * 3_600_000 - SOON_AFTER_START_MS);
    await settle();
    expect(task).toHaveBeenCalledTimes(2);
    jobs.onModuleDestroy();
  });

  it('never runs a first run still pending at shutdown', () => {
    const jobs = new BackgroundJobs();
    const task = jest.fn().mockResolvedValue(0);
    jobs.every(3_600_000, 'failed', task, { runSoonAfterStart: true });
    jobs.onModuleDestroy();
    jest.advanceTimersByTime(3_600_000);
    expect(task).not.toHaveBeenCalled();
  });

  it('gives the queries of a longQueries job the long bound, and every other job the usual one', async () => {
    const jobs = new BackgroundJobs();
    const bounds: Record<string, number | null> = {};
    jobs.every(
      1000,
      'failed',
      async () => {
        await Promise.resolve(); // the bound follows the job through its awaits
        bounds.pruning = queryTimeoutOr(2000);
      },
      { longQueries: true },
    );
    jobs.every(1000, 'failed', async () => {
      bounds.flushing = queryTimeoutOr(2000);
    });
    jest.advanceTimersByTime(1000);
    await settle();
    expect(bounds).toEqual({ pruning: LONG_QUERY_TIMEOUT_MS, flushing: 2000 });
    jobs.onModuleDestroy();
  });
});
