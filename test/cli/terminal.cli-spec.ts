import { spawn } from 'node:child_process';
import { CLI_PATH, CliResult, runCli, tempHome } from '../utils/cli';
import { createApiKey } from '../utils/api-keys';
import { bearer, createUser, TestUser } from '../utils/factories';
import { createListeningApp, ListeningTestApp } from '../utils/listening-app';

// Each test runs the CLI several times, a Node process each (about 0.3 s alone, seconds on a
// loaded machine): more than the global 30 s.
jest.setTimeout(120_000);

/**
 * What only shows on a terminal (tables drawn, colour) and what runs until stopped (audit tail
 * --follow). The terminal is a real pseudo-terminal: util-linux's `script` (Debian's essential
 * bsdutils) runs the CLI on one.
 */
describe('tessera on a terminal, and audit tail --follow', () => {
  let t: ListeningTestApp;
  let user: TestUser;
  let home: string;

  beforeAll(async () => {
    t = await createListeningApp();
    user = await createUser(t, 'cli-tty');
    home = tempHome();
    await runCli(home, ['login', '--url', t.url], { input: `${user.email}\n${user.password}\n` });
    await createApiKey(t, bearer(user.accessToken), { name: 'on a tty', scopes: ['models:read'] });
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t?.close();
  });

  it('draws aligned columns with a bold header on a terminal, plain ones with NO_COLOR', async () => {
    const drawn = await onTerminal(home, ['auth', 'list-keys']);
    expect(drawn.code).toBe(0);
    // A slow call may have drawn (and erased) a spinner on the same terminal first.
    const lines = drawn.stdout.split('\r\n');
    const at = lines.findIndex((line) => line.includes('\u001b[1mID'));
    // eslint-disable-next-line no-control-regex -- the terminal's escape codes are what is tested
    expect(lines[at]).toMatch(/\u001b\[1mID {2,}NAME {2,}START {2,}.*\u001b\[0m$/);
    expect(lines[at + 1]).toMatch(/^key_\w+ {2,}on a tty {2,}tk_live_/);
    expect(drawn.stdout).not.toContain('\t');

    const plain = await onTerminal(home, ['auth', 'list-keys'], { NO_COLOR: '1' });
    // eslint-disable-next-line no-control-regex -- an erased spinner line may come first
    expect(plain.stdout).toMatch(/(^|\u001b\[2K)ID {2,}NAME {2,}START/);
    expect(plain.stdout).not.toContain('\u001b[1m');
  });

  it('writes control characters of server values as escapes, so a name cannot drive the terminal', async () => {
    // Any member who may create a key names it: this one would set the window title, erase the
    // line above and hide itself, were it written as it is.
    const name = 'ok\u001b]0;owned\u0007\u001b[2K\u001b[1Ahidden\u202e';
    const hostile = await createUser(t, 'cli-escapes');
    await createApiKey(t, bearer(hostile.accessToken), { name, scopes: ['models:read'] });
    const own = tempHome();
    await runCli(own, ['login', '--url', t.url], {
      input: `${hostile.email}\n${hostile.password}\n`,
    });
    for (const listed of [
      await runCli(own, ['auth', 'list-keys']),
      await onTerminal(own, ['auth', 'list-keys']),
    ]) {
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('ok\\x1b]0;owned\\x07\\x1b[2K\\x1b[1Ahidden\\u202e');
      expect(listed.stdout).not.toContain('\u001b]0;');
      expect(listed.stdout).not.toContain('\u202e');
    }
    // JSON escapes C0 itself; DEL, C1 and bidi overrides too, as \uXXXX (still the same JSON).
    const json = await runCli(own, ['auth', 'list-keys', '--format', 'json']);
    expect(json.stdout).not.toContain('\u202e');
    expect(json.stdout).toContain('hidden\\u202e');
    expect(JSON.parse(json.stdout)[0].name).toBe(name);
  });

  it('audit tail --follow prints new events as they happen, one JSON line each', async () => {
    const child = spawn(
      process.execPath,
      [
        CLI_PATH,
        'audit',
        'tail',
        '--follow',
        '--interval',
        '1',
        '--limit',
        '1',
        '--format',
        'json',
      ],
      { env: { PATH: process.env.PATH, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: { action: string; target: { id: string } }[] = [];
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const complete = buffered.split('\n');
      buffered = complete.pop()!;
      lines.push(...complete.map((line) => JSON.parse(line)));
    });
    try {
      await until(() => lines.length === 1);
      const later = await createApiKey(t, bearer(user.accessToken), {
        name: 'later',
        scopes: ['models:read'],
      });
      await until(() => lines.some((event) => event.target.id === later.id));
      expect(lines.find((event) => event.target.id === later.id)?.action).toBe('api_key.created');
      expect(child.exitCode).toBeNull(); // still following
    } finally {
      child.kill();
    }
  });
});

/** The CLI on a pseudo-terminal (stdout and stderr both go to it, lines end in \r\n). */
function onTerminal(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const command = [process.execPath, CLI_PATH, ...args].map((arg) => `'${arg}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: home, TERM: 'xterm', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
  });
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((next) => setTimeout(next, 100));
  }
}
