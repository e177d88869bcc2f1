import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, CliResult } from '../utils/cli';
import { createUser } from '../utils/factories';
import { createListeningApp, ListeningTestApp } from '../utils/listening-app';

// Each test runs the CLI several times, a Node process each (about 0.3 s alone, seconds on a
// loaded machine): more than the global 30 s.
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const EXAMPLE_PATH = join(ROOT, 'examples', 'cli-quickstart.sh');

/** The README's CLI example is examples/cli-quickstart.sh, verbatim, and it runs. */
describe('the README’s CLI example', () => {
  let t: ListeningTestApp;

  beforeAll(async () => {
    t = await createListeningApp();
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t?.close();
  });

  it('is in README.md as it is in examples/cli-quickstart.sh', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const script = readFileSync(EXAMPLE_PATH, 'utf8').replace(/^#!.*\nset -euo pipefail\n\n/, '');
    expect(readme).toContain('```sh\n' + script + '```');
  });

  it('runs under bash against a real Tessera, the prompts answered on stdin', async () => {
    const user = await createUser(t, 'readme-cli');
    const work = mkdtempSync(join(tmpdir(), 'tessera-cli-example-'));
    // `tessera` on the PATH, as `npm install -g @tessera/sdk` (or npx in this repository) gives.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'tessera'),
      `#!/bin/sh\nexec "${process.execPath}" "${CLI_PATH}" "$@"\n`,
    );
    chmodSync(join(bin, 'tessera'), 0o755);

    const result = await runBash(
      EXAMPLE_PATH,
      work,
      {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: work,
        TESSERA_URL: t.url,
      },
      `${user.email}\n${user.password}\n`,
    );

    expect(result.stderr).toContain('Email: Password: ');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      `Signed in to ${t.url} as user ${user.userId} (organization ${user.organizationId}), profile default`,
    );
    expect(lines).toContain(`subject\t${user.userId}`);
    expect(result.stdout).toMatch(/^valid\ttrue$/m);
    expect(result.stdout).toMatch(/^Revoked key_\w+$/m);
    expect(result.stderr).toContain(
      'tessera: not a Tessera API key: its shape or checksum is wrong',
    );
    expect(lines).toContain('exit code 2');
    expect(lines.at(-1)).toBe('Signed out: profile default removed');

    const keys = JSON.parse(readFileSync(join(work, 'keys.json'), 'utf8')) as { name: string }[];
    expect(keys.map((key) => key.name)).toContain('worker');
    const rotated = JSON.parse(readFileSync(join(work, 'rotated.json'), 'utf8')) as { key: string };
    expect(rotated.key).toMatch(/^tk_test_/);
    expect(statSync(join(work, 'ci-key.json')).mode & 0o777).toBe(0o600);
    const ci = JSON.parse(readFileSync(join(work, 'ci-whoami.json'), 'utf8')) as object;
    expect(ci).toMatchObject({ principal_type: 'service_account', scopes: ['translate:write'] });
  });
});

function runBash(
  script: string,
  cwd: string,
  env: Record<string, string | undefined>,
  input: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
