import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdoutDestination } from './stdout-destination';

const waitForFlush = () => new Promise((resolve) => setTimeout(resolve, 1_300));

describe('StdoutDestination', () => {
  it('writes every line whole and in order: short, multi-byte and longer than a chunk', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'stdout-destination-')), 'out.log');
    const fd = openSync(file, 'w');
    const destination = new StdoutDestination(fd);
    const lines: string[] = [];
    for (let i = 0; i < 3_000; i++) lines.push(`{"n":${i},"text":"é€😀 ${'x'.repeat(i % 300)}"}\n`);
    lines.splice(1_000, 0, `{"long":"${'€'.repeat(70_000)}"}\n`);
    for (const [i, line] of lines.entries()) {
      destination.write(line);
      if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await waitForFlush();
    // The descriptor stays open: sonic-boom's periodic flush still holds it.
    expect(readFileSync(file, 'utf8')).toBe(lines.join(''));
  });

  it('writes the lines of the last turn when the process exits at once', () => {
    const script = `
      const { StdoutDestination } = require(${JSON.stringify(require.resolve('./stdout-destination'))});
      const destination = new StdoutDestination();
      for (let i = 0; i < 1000; i++) destination.write('line ' + i + '\\n');
      process.exit(0);
    `;
    const child = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', script],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(child.status).toBe(0);
    const expected = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join('');
    expect(child.stdout).toBe(expected);
  });
});
