import { statSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { isWellFormedApiKey } from '@tessera/sdk';
import { createApiKey } from '../utils/api-keys';
import { jsonOf, runCli, tempHome } from '../utils/cli';
import { bearer, createUser, TestUser } from '../utils/factories';
import { freePort } from '../utils/free-port';
import { createListeningApp, ListeningTestApp } from '../utils/listening-app';

// Each test runs the CLI several times, a Node process each (about 0.3 s alone, seconds on a
// loaded machine): more than the global 30 s.
jest.setTimeout(120_000);

interface Key {
  id: string;
  key?: string;
  name: string;
  status: string;
  scopes: string[];
  environment: string;
}

/** The built `tessera` against a real Tessera: signing in, then an API key's whole life. */
describe('tessera auth (API keys)', () => {
  let t: ListeningTestApp;
  let user: TestUser;
  let home: string;
  const cli = (args: string[], input?: string) => runCli(home, args, { input });

  beforeAll(async () => {
    t = await createListeningApp();
    user = await createUser(t, 'cli');
    home = tempHome();
    const login = await cli(['login', '--url', t.url], `${user.email}\n${user.password}\n`);
    expect(login).toMatchObject({ code: 0 });
    expect(login.stdout).toContain(`Signed in to ${t.url} as user ${user.userId}`);
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t?.close();
  });

  it('keeps the session in ~/.tessera/config, mode 0600', () => {
    const config = join(home, '.tessera', 'config');
    expect(statSync(config).mode & 0o777).toBe(0o600);
  });

  it('creates a key and prints the API’s object with --format json', async () => {
    const created = jsonOf<Key>(
      await cli([
        'auth',
        'create-key',
        '--name',
        'worker',
        '--scope',
        'translate:read',
        '--scope',
        'api_keys:read',
        '--environment',
        'test',
        '--rate-limit',
        '500',
        '--allowed-ip',
        '127.0.0.1',
        '--expires-in-days',
        '7',
        '--format',
        'json',
      ]),
    );
    expect(created).toMatchObject({
      name: 'worker',
      environment: 'test',
      scopes: ['translate:read', 'api_keys:read'],
      rate_limit_per_hour: 500,
      allowed_ips: ['127.0.0.1'],
    });
    expect(isWellFormedApiKey(created.key!)).toBe(true);
  });

  it('prints plain tab-separated lines when piped (no colour, no padding)', async () => {
    const created = await cli(['auth', 'create-key', '--name', 'plain', '--scope', 'models:read']);
    expect(created.code).toBe(0);
    const fields = Object.fromEntries(
      created.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')),
    );
    expect(isWellFormedApiKey(fields.key)).toBe(true);
    expect(created.stderr).toContain('not shown again');

    const listed = await cli(['auth', 'list-keys']);
    expect(listed.code).toBe(0);
    const [header, ...rows] = listed.stdout.trim().split('\n');
    expect(header.split('\t')).toEqual(expect.arrayContaining(['ID', 'NAME', 'STATUS']));
    expect(rows.some((row) => row.startsWith(`${fields.id}\tplain\t`))).toBe(true);
    expect(listed.stdout).not.toContain('\u001b['); // no colour codes
  });

  it('lists keys as one JSON document, without their secrets', async () => {
    const created = jsonOf<Key>(
      await cli([
        'auth',
        'create-key',
        '--name',
        'listed',
        '--access',
        'read-only',
        '--format',
        'json',
      ]),
    );
    const listed = jsonOf<Key[]>(await cli(['auth', 'list-keys', '--format', 'json']));
    expect(listed.find((key) => key.id === created.id)).toMatchObject({
      name: 'listed',
      status: 'active',
    });
    expect(listed.every((key) => key.key === undefined)).toBe(true);
    const limited = jsonOf<Key[]>(
      await cli(['auth', 'list-keys', '--limit', '1', '--format', 'json']),
    );
    expect(limited).toHaveLength(1);
  });

  describe('validate', () => {
    it('asks Tessera about a well-formed key', async () => {
      const created = jsonOf<Key>(
        await cli([
          'auth',
          'create-key',
          '--name',
          'v',
          '--scope',
          'models:read',
          '--format',
          'json',
        ]),
      );
      const valid = jsonOf(await cli(['auth', 'validate', created.key!, '--format', 'json']));
      expect(valid).toMatchObject({ principal_type: 'api_key', subject: created.id });
      // Piped in: the key stays out of the process list and the shell history.
      const piped = await runCli(home, ['auth', 'validate'], { input: `${created.key}\n` });
      expect(piped.code).toBe(0);
      expect(piped.stdout).toContain(`subject\t${created.id}`);
    });

    it('refuses a typo offline, without a request', async () => {
      const { key } = jsonOf<Key>(
        await cli([
          'auth',
          'create-key',
          '--name',
          'typo',
          '--scope',
          'models:read',
          '--format',
          'json',
        ]),
      );
      const typo = key!.slice(0, 12) + (key![12] === 'a' ? 'b' : 'a') + key!.slice(13);
      // Any request would reach this server and be counted.
      let requests = 0;
      const counting: Server = createServer((_request, response) => {
        requests += 1;
        response.end('{}');
      });
      await new Promise<void>((ready) => counting.listen(0, '127.0.0.1', ready));
      const url = `http://127.0.0.1:${(counting.address() as AddressInfo).port}`;
      try {
        const loggedBefore = t.logs.lines.length;
        for (const target of [url, t.url]) {
          const refused = await cli(['--url', target, 'auth', 'validate', typo]);
          expect(refused).toMatchObject({ code: 2, stdout: '' });
          expect(refused.stderr).toBe(
            'tessera: not a Tessera API key: its shape or checksum is wrong\n',
          );
        }
        expect(requests).toBe(0);
        expect(t.logs.lines.length).toBe(loggedBefore);
      } finally {
        await new Promise((closed) => counting.close(closed));
      }
    });
  });

  it('rotates a key: a new secret, the old one working through the grace period', async () => {
    const old = jsonOf<Key>(
      await cli([
        'auth',
        'create-key',
        '--name',
        'rotating',
        '--scope',
        'models:read',
        '--format',
        'json',
      ]),
    );
    const rotated = jsonOf<Key & { rotated_from?: unknown }>(
      await cli(['auth', 'rotate-key', old.id, '--grace-period-hours', '1', '--format', 'json']),
    );
    expect(rotated.key).not.toBe(old.key);
    expect(rotated.name).toBe('rotating');
    for (const key of [old.key!, rotated.key!]) {
      expect((await cli(['auth', 'validate', key])).code).toBe(0);
    }
  });

  it('revokes a key: confirmation needed when piped, then refused at once', async () => {
    const created = jsonOf<Key>(
      await cli([
        'auth',
        'create-key',
        '--name',
        'doomed',
        '--scope',
        'models:read',
        '--format',
        'json',
      ]),
    );
    const unconfirmed = await cli(['auth', 'revoke-key', created.id]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/pass --yes/);
    expect((await cli(['auth', 'validate', created.key!])).code).toBe(0);

    const revoked = await cli(['auth', 'revoke-key', created.id, '--yes']);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked ${created.id}\n` });
    const refused = await cli(['auth', 'validate', created.key!]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^tessera: 401 API key revoked \(request id [\w-]+\)/);
  });

  it('shows a key’s usage', async () => {
    const created = jsonOf<Key>(
      await cli([
        'auth',
        'create-key',
        '--name',
        'used',
        '--scope',
        'models:read',
        '--format',
        'json',
      ]),
    );
    await cli(['auth', 'validate', created.key!]);
    const usage = jsonOf<{ data: { requests: number }[] }>(
      await cli(['auth', 'usage', created.id, '--format', 'json']),
    );
    expect(usage.data.reduce((sum, period) => sum + period.requests, 0)).toBeGreaterThanOrEqual(1);
  });

  describe('exit codes', () => {
    it('3 for a key that does not exist, with the server’s detail and request id', async () => {
      const missing = await cli(['auth', 'revoke-key', 'key_nope', '--yes']);
      expect(missing.code).toBe(3);
      expect(missing.stderr).toMatch(/^tessera: 404 API key not found \(request id [\w-]+\)\n$/);
    });

    it('4 for a missing scope', async () => {
      const readOnly = await createApiKey(t, bearer(user.accessToken), {
        name: 'read only',
        scopes: ['api_keys:read'],
      });
      const refused = await runCli(
        home,
        ['auth', 'create-key', '--name', 'x', '--scope', 'models:read'],
        {
          env: { TESSERA_API_KEY: readOnly.key, TESSERA_URL: t.url },
        },
      );
      expect(refused.code).toBe(4);
      expect(refused.stderr).toMatch(
        /^tessera: 403 Missing permission: api_keys.write \(request id /,
      );
    });

    it('1 for a bad command line or a value Tessera rejects (400, 422)', async () => {
      expect((await cli(['auth', 'create-key', '--scope', 'models:read'])).code).toBe(1); // no --name
      expect((await cli(['auth', 'list-keys', '--format', 'xml'])).code).toBe(1);
      expect((await cli(['auth', 'frobnicate'])).code).toBe(1);
      const unknown = await cli(['auth', 'create-key', '--name', 'x', '--scope', 'no:such:scope']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(
        /^tessera: 422 body\.scopes\.0: unknown scope: no:such:scope \(request id /,
      );
      const invalid = await cli(['auth', 'create-key', '--name', 'x', '--rate-limit', '5']);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toMatch(/^tessera: 422 body\.rate_limit_per_hour: .+ \(request id /);
    });

    it('2 when not signed in or the session is refused', async () => {
      const nobody = await runCli(tempHome(), ['auth', 'list-keys']);
      expect(nobody.code).toBe(2);
      expect(nobody.stderr).toMatch(/not signed in/);
      const forged = await runCli(tempHome(), ['auth', 'list-keys'], {
        env: {
          TESSERA_URL: t.url,
          TESSERA_API_KEY: 'tk_live_00000000000000000000000000000000AAAAAA',
        },
      });
      expect(forged.code).toBe(2);
    });

    it('5 when Tessera cannot be reached', async () => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      // A credential of the environment: the profile's goes to the profile's url only.
      const unreachable = await runCli(home, ['--url', closed, 'auth', 'list-keys'], {
        env: { TESSERA_API_KEY: 'tk_live_00000000000000000000000000000000AAAAAA' },
      });
      expect(unreachable.code).toBe(5);
      expect(unreachable.stderr).toMatch(
        /cannot reach Tessera at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/,
      );
    });

    it('0 for --help, on every command', async () => {
      for (const args of [['--help'], ['auth', '--help'], ['auth', 'rotate-key', '--help']]) {
        const help = await cli(args);
        expect(help.code).toBe(0);
        expect(help.stdout).toMatch(/^Usage: tessera/);
      }
    });
  });
});
