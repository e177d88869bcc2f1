import { readdirSync, readFileSync } from 'node:fs';
import { PASSWORD_THREAD_NICENESS, PasswordThreads, stopPasswordThreads } from './password-threads';
import { hashPassword, verifyPassword } from './passwords';

/**
 * The nice value of each of this process's threads (Linux: field 19 of its stat). A thread that
 * ends between the listing and the read (a spare password thread leaving) is skipped.
 */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
  });
}

describe('password threads', () => {
  afterAll(() => stopPasswordThreads());

  it('hashes and verifies argon2id off the event loop, on threads at a lower priority', async () => {
    const before = threadNiceValues();
    const hashed = await hashPassword('correct horse battery staple');
    expect(hashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await expect(verifyPassword(hashed, 'correct horse battery staple')).resolves.toBe(true);
    await expect(verifyPassword(hashed, 'wrong')).resolves.toBe(false);
    await expect(verifyPassword('not a hash', 'wrong')).resolves.toBe(false);
    expect(before.filter((nice) => nice === PASSWORD_THREAD_NICENESS)).toEqual([]);
    // One check at a time needs one thread: no other is started.
    expect(threadNiceValues().filter((nice) => nice === PASSWORD_THREAD_NICENESS)).toHaveLength(1);
  });

  it('runs a burst of checks in parallel and answers each its own', async () => {
    const hashes = await Promise.all(['a', 'b', 'c', 'd'].map((p) => hashPassword(`pw-${p}`)));
    const answers = await Promise.all(
      hashes.flatMap((hash, i) => [
        verifyPassword(hash, `pw-${'abcd'[i]}`),
        verifyPassword(hash, `pw-${'abcd'[(i + 1) % 4]}`),
      ]),
    );
    expect(answers).toEqual([true, false, true, false, true, false, true, false]);
  });

  const niceThreads = () =>
    threadNiceValues().filter((nice) => nice === PASSWORD_THREAD_NICENESS).length;
  /** Polls: the second thread may come up after the first has done the whole burst. */
  const until = async (count: number) => {
    for (let waited = 0; niceThreads() !== count && waited < 5_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return niceThreads();
  };

  it('starts threads for a burst, up to its size, and ends the spare ones once idle', async () => {
    await stopPasswordThreads();
    // A spare thread ends 1 s after its last job: long enough to be seen on a loaded machine (at
    // 100 ms, CI saw it come and go before the first look), short enough to wait for.
    const pool = new PasswordThreads(2, 1_000);
    try {
      const hash = await pool.run<string>('hash', ['pw', {}]);
      await Promise.all([1, 2, 3, 4].map(() => pool.run('verify', [hash, 'pw'])));
      await expect(until(2)).resolves.toBe(2);
      await expect(until(1)).resolves.toBe(1);
      await expect(pool.run('verify', [hash, 'pw'])).resolves.toBe(true);
    } finally {
      await pool.stop();
    }
  });

  it('ends the last thread too, later than the spare ones, and starts one again for the next job', async () => {
    await stopPasswordThreads();
    // Spare threads end 1 s after their last job, the last one 3 s after.
    const pool = new PasswordThreads(2, 1_000, 3_000);
    try {
      const hash = await pool.run<string>('hash', ['pw', {}]);
      await Promise.all([1, 2, 3, 4].map(() => pool.run('verify', [hash, 'pw'])));
      const idleSince = Date.now();
      await expect(until(2)).resolves.toBe(2);
      // The spare goes at 1 s; the other, left the last, stays past its own spare timer.
      await expect(until(1)).resolves.toBe(1);
      await expect(until(0)).resolves.toBe(0);
      // Timers never fire early: ended at the spare's 1 s, the last would be seen well before.
      expect(Date.now() - idleSince).toBeGreaterThanOrEqual(2_500);
      await expect(pool.run('verify', [hash, 'pw'])).resolves.toBe(true);
      expect(niceThreads()).toBe(1);
    } finally {
      await pool.stop();
    }
  });
});
