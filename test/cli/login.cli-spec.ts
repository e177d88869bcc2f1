import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { parseIni } from '@tessera/sdk';
import { createApiKey } from '../utils/api-keys';
import { jsonOf, runCli, tempHome } from '../utils/cli';
import { bearer, createUser } from '../utils/factories';
import { enrollTotp } from '../utils/totp';
import { createListeningApp, ListeningTestApp } from '../utils/listening-app';

// Each test runs the CLI several times, a Node process each (about 0.3 s alone, seconds on a
// loaded machine): more than the global 30 s.
jest.setTimeout(120_000);

interface Me {
  principal_type: string;
  subject: string;
  organization_id: string;
  mfa?: boolean;
}

/** `tessera login`, `whoami`, `logout` and profiles, against real Tessera servers. */
describe('tessera login', () => {
  let t: ListeningTestApp;
  let other: ListeningTestApp;

  beforeAll(async () => {
    [t, other] = await Promise.all([createListeningApp(), createListeningApp()]);
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    expect(other.logs.serverErrors()).toEqual([]);
    await Promise.all([t?.close(), other?.close()]);
  });

  const configOf = (home: string) =>
    parseIni(readFileSync(join(home, '.tessera', 'config'), 'utf8'));

  it('asks for the TOTP code when the account has MFA, answered on stdin', async () => {
    const user = await createUser(t, 'cli-mfa');
    const totp = await enrollTotp(t, user);

    const home = tempHome();
    const nextCode = totp.generate({ timestamp: Date.now() + 30_000 }); // not the one just used
    const login = await runCli(home, ['login', '--url', t.url], {
      input: `${user.email}\n${user.password}\n${nextCode}\n`,
    });
    expect(login.stderr).toBe('Email: Password: TOTP code: ');
    expect(login.code).toBe(0);
    const me = jsonOf<Me>(await runCli(home, ['whoami', '--format', 'json']));
    expect(me).toMatchObject({ principal_type: 'user', subject: user.userId, mfa: true });
    // A session that passed MFA may create keys.
    const created = await runCli(home, [
      'auth',
      'create-key',
      '--name',
      'mfa',
      '--scope',
      'models:read',
    ]);
    expect(created.code).toBe(0);
  });

  it('refuses a wrong password (2) and a missing answer (1), writing no profile', async () => {
    const user = await createUser(t, 'cli-wrong');
    const home = tempHome();
    const wrong = await runCli(home, ['login', '--url', t.url, '--email', user.email], {
      input: 'not-the-password\n',
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^Password: tessera: 401 .+ \(request id [\w-]+\)/);
    const silent = await runCli(home, ['login', '--url', t.url]);
    expect(silent.code).toBe(1);
    expect(silent.stderr).toMatch(/no answer to "Email:" on standard input/);
    expect((await runCli(home, ['whoami'])).code).toBe(2);
  });

  it('signs in with an API key (checked offline, then by Tessera)', async () => {
    const user = await createUser(t, 'cli-key');
    const { key, id } = await createApiKey(t, bearer(user.accessToken), {
      name: 'cli',
      scopes: ['api_keys:read'],
    });
    const home = tempHome();
    // The last character changed to one it is not: a fixed 'x' left 1 key in 62 unchanged.
    const mistyped = `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;
    const typo = await runCli(home, ['login', '--url', t.url, '--api-key', mistyped]);
    expect(typo.code).toBe(2);
    const login = await runCli(home, ['login', '--url', t.url, '--api-key', key]);
    expect(login.code).toBe(0);
    expect(configOf(home).default).toEqual({ url: t.url, api_key: key });
    expect(jsonOf<Me>(await runCli(home, ['whoami', '--format', 'json']))).toMatchObject({
      principal_type: 'api_key',
      subject: id,
    });
  });

  it('--profile and TESSERA_PROFILE switch between two servers', async () => {
    const ada = await createUser(t, 'cli-ada');
    const bob = await createUser(other, 'cli-bob');
    const home = tempHome();
    await runCli(home, ['login', '--url', t.url, '--profile', 'work'], {
      input: `${ada.email}\n${ada.password}\n`,
    });
    await runCli(home, ['login', '--url', other.url, '--profile', 'lab'], {
      input: `${bob.email}\n${bob.password}\n`,
    });
    const config = configOf(home);
    expect(Object.keys(config).sort()).toEqual(['lab', 'work']);
    expect(config.work.url).toBe(t.url);
    expect(config.lab.url).toBe(other.url);
    expect(statSync(join(home, '.tessera', 'config')).mode & 0o777).toBe(0o600);

    const whoAt = async (args: string[], env?: Record<string, string>) =>
      jsonOf<Me>(await runCli(home, [...args, 'whoami', '--format', 'json'], { env })).subject;
    expect(await whoAt(['--profile', 'work'])).toBe(ada.userId);
    expect(await whoAt(['--profile', 'lab'])).toBe(bob.userId);
    expect(await whoAt([], { TESSERA_PROFILE: 'lab' })).toBe(bob.userId);
    // The option after the command works too, and wins over the variable.
    const after = await runCli(home, ['whoami', '--profile', 'work', '--format', 'json'], {
      env: { TESSERA_PROFILE: 'lab' },
    });
    expect(jsonOf<Me>(after).subject).toBe(ada.userId);

    // A key made through one profile is not on the other server.
    const made = jsonOf<{ id: string }>(
      await runCli(home, [
        '--profile',
        'work',
        'auth',
        'create-key',
        '--name',
        'w',
        '--scope',
        'models:read',
        '--format',
        'json',
      ]),
    );
    const elsewhere = await runCli(home, [
      '--profile',
      'lab',
      'auth',
      'revoke-key',
      made.id,
      '--yes',
    ]);
    expect(elsewhere.code).toBe(3);
    // No profile of that name: not signed in.
    expect((await runCli(home, ['--profile', 'nope', 'whoami'])).code).toBe(2);
  });

  it('honours TESSERA_CONFIG_DIR', async () => {
    const user = await createUser(t, 'cli-dir');
    const home = tempHome();
    const dir = join(home, 'elsewhere');
    const env = { TESSERA_CONFIG_DIR: dir };
    await runCli(home, ['login', '--url', t.url], {
      input: `${user.email}\n${user.password}\n`,
      env,
    });
    expect(statSync(join(dir, 'config')).mode & 0o777).toBe(0o600);
    expect(jsonOf<Me>(await runCli(home, ['whoami', '--format', 'json'], { env })).subject).toBe(
      user.userId,
    );
    expect((await runCli(home, ['whoami'])).code).toBe(2); // not in ~/.tessera
  });

  it('logout ends the session on the server and removes the profile', async () => {
    const user = await createUser(t, 'cli-out');
    const home = tempHome();
    await runCli(home, ['login', '--url', t.url], { input: `${user.email}\n${user.password}\n` });
    const { refresh_token: refreshToken } = configOf(home).default;

    const logout = await runCli(home, ['logout']);
    expect(logout).toMatchObject({ code: 0, stdout: 'Signed out: profile default removed\n' });
    expect(configOf(home).default).toBeUndefined();
    await request(t.http)
      .post('/v1/auth/refresh')
      .send({ refresh_token: refreshToken })
      .expect(401);
    expect((await runCli(home, ['whoami'])).code).toBe(2);
    expect((await runCli(home, ['logout'])).code).toBe(0);
  });

  it('logout ends the profile’s own session even with TESSERA_API_KEY and TESSERA_URL set', async () => {
    const user = await createUser(t, 'cli-out-env');
    const home = tempHome();
    await runCli(home, ['login', '--url', t.url], { input: `${user.email}\n${user.password}\n` });
    const { refresh_token: refreshToken } = configOf(home).default;
    const { key } = await createApiKey(t, bearer(user.accessToken), {
      name: 'in the environment',
      scopes: ['models:read'],
    });
    const logout = await runCli(home, ['logout'], {
      env: { TESSERA_API_KEY: key, TESSERA_URL: other.url },
    });
    expect(logout.code).toBe(0);
    await request(t.http)
      .post('/v1/auth/refresh')
      .send({ refresh_token: refreshToken })
      .expect(401);
  });

  it('never sends a profile’s credential to another address (--url, TESSERA_URL)', async () => {
    const user = await createUser(t, 'cli-elsewhere');
    const home = tempHome();
    await runCli(home, ['login', '--url', t.url], { input: `${user.email}\n${user.password}\n` });
    const before = other.logs.entries().length;
    for (const run of [
      runCli(home, ['--url', other.url, 'whoami']),
      runCli(home, ['whoami'], { env: { TESSERA_URL: other.url } }),
    ]) {
      const refused = await run;
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`is for ${t.url}, not ${other.url}`);
    }
    // Not one request reached the other server.
    expect(other.logs.entries().slice(before)).toEqual([]);
    expect((await runCli(home, ['whoami'])).code).toBe(0);
  });
});
