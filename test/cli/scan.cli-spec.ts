import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey, parseApiKey } from '../../src/modules/api-keys/api-key-format';
import { runCli, tempHome } from '../utils/cli';

// A few Node processes, each a few hundred milliseconds (seconds on a loaded machine).
jest.setTimeout(60_000);

interface Finding {
  file: string;
  line: number;
  column: number;
  environment: string;
  start: string;
  masked: string;
}

/** The key with one character of its random part changed: its checksum no longer holds. */
function mistyped(key: string): string {
  const at = key.length - 10;
  const typo = key.slice(0, at) + (key[at] === 'x' ? 'y' : 'x') + key.slice(at + 1);
  expect(parseApiKey(typo, 'tk')).toBeNull();
  return typo;
}

/** `tessera auth scan`: offline, no Tessera needed. */
describe('tessera auth scan', () => {
  const home = tempHome();
  const root = mkdtempSync(join(tmpdir(), 'tessera-scan-'));
  const { key: live, start: liveStart } = generateApiKey('tk', 'live');
  const { key: test, start: testStart } = generateApiKey('tk', 'test');
  const { key: otherDeployment, start: otherStart } = generateApiKey('acme', 'dev');
  const ignored = generateApiKey('tk', 'live').key;
  const every = [live, test, otherDeployment, ignored];

  const write = (path: string, content: string | Buffer) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };

  beforeAll(() => {
    write('config/.env', `# settings\nTESSERA_API_KEY=${live}\nOTHER=1\n`);
    write(
      'src/client.ts',
      [
        "import { Tessera } from '@tessera/sdk';",
        '',
        `// typo: ${mistyped(live)}`,
        `const made_up = 'tk_live_${'A'.repeat(38)}';`,
        `const tessera = new Tessera({ apiKey: "${test}" });`,
        `const both = ['${otherDeployment}', '${mistyped(test)}'];`,
      ].join('\r\n'),
    );
    write('node_modules/some-package/index.js', `module.exports = '${ignored}';\n`);
    write('.git/config', `[remote]\n  token = ${ignored}\n`);
    write(
      'assets/logo.png',
      Buffer.concat([Buffer.from([0x89, 0x50, 0, 0]), Buffer.from(ignored)]),
    );
    write('clean/readme.md', `No key here, only a mistyped one: ${mistyped(live)}\n`);
  });

  const scan = (...args: string[]) => runCli(home, ['auth', 'scan', ...args]);
  const neverWhole = (output: string) => {
    for (const key of every) expect(output).not.toContain(key);
  };

  it('reports every key with its file, line and column, masked, and exits 4', async () => {
    const result = await scan(root, '--format', 'json');
    expect(result.code).toBe(4);
    const findings = JSON.parse(result.stdout) as Finding[];
    expect(findings).toEqual([
      {
        file: join(root, 'config', '.env'),
        line: 2,
        column: 'TESSERA_API_KEY='.length + 1,
        environment: 'live',
        start: liveStart,
        masked: `${liveStart}…`,
      },
      {
        file: join(root, 'src', 'client.ts'),
        line: 5,
        column: 'const tessera = new Tessera({ apiKey: "'.length + 1,
        environment: 'test',
        start: testStart,
        masked: `${testStart}…`,
      },
      {
        file: join(root, 'src', 'client.ts'),
        line: 6,
        column: "const both = ['".length + 1,
        environment: 'dev',
        start: otherStart,
        masked: `${otherStart}…`,
      },
    ]);
    expect(result.stderr).toContain(
      '3 API keys found in 2 files (3 files read, 1 binary file skipped)',
    );
    neverWhole(result.stdout + result.stderr);
  });

  it('keeps to one deployment’s prefix, prints a table when piped, and scans a single file', async () => {
    const table = await scan(join(root, 'src'), '--prefix', 'tk');
    expect(table.code).toBe(4);
    expect(table.stdout.trim().split('\n')).toEqual([
      'FILE\tLINE\tCOLUMN\tKEY\tENV',
      `${join(root, 'src', 'client.ts')}\t5\t40\t${testStart}…\ttest`,
    ]);
    neverWhole(table.stdout + table.stderr);

    const file = await scan(join(root, 'config', '.env'), '--format', 'json');
    expect(file.code).toBe(4);
    expect((JSON.parse(file.stdout) as Finding[]).map((f) => f.line)).toEqual([2]);
  });

  it('exits 0 when it finds none (a mistyped key is none), and 1 for a path that is not there', async () => {
    const clean = await scan(join(root, 'clean'), '--format', 'json');
    expect(clean).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(clean.stderr).toContain('No Tessera API key found (1 file read)');

    const missing = await scan(join(root, 'nowhere'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no such file or directory: ${join(root, 'nowhere')}`);
    expect((await scan(root, '--prefix', 'Not_A_Prefix')).code).toBe(1);
  });
});
