import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withConfigLock } from './config-lock';

const freshConfig = () => join(mkdtempSync(join(tmpdir(), 'tessera-lock-')), 'config');

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('withConfigLock', () => {
  it('runs one holder at a time, and leaves no lock behind', async () => {
    const configPath = freshConfig();
    const order: string[] = [];
    const holder = (name: string) =>
      withConfigLock({ configPath }, async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push(`${name} out`);
      });
    await Promise.all([holder('a'), holder('b')]);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(existsSync(`${configPath}.lock`)).toBe(false);
  });

  it('takes over at once a lock left by a process that died holding it', async () => {
    const configPath = freshConfig();
    writeFileSync(`${configPath}.lock`, `${hostname()} ${deadPid()} leftover`);
    await expect(withConfigLock({ configPath }, async () => 'ran')).resolves.toBe('ran');
    expect(existsSync(`${configPath}.lock`)).toBe(false);
  });

  it('waits for a live holder, and never removes a lock it does not hold', async () => {
    const configPath = freshConfig();
    const lockPath = `${configPath}.lock`;
    const theirs = `${hostname()} ${process.pid} another-process`;
    writeFileSync(lockPath, theirs);
    let ran = false;
    const waiting = withConfigLock({ configPath }, async () => {
      ran = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ran).toBe(false);
    expect(readFileSync(lockPath, 'utf8')).toBe(theirs);
    // The other process is done.
    unlinkSync(lockPath);
    await waiting;
    expect(ran).toBe(true);
  });
});
