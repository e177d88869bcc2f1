import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tessera } from '@tessera/sdk';
import { jsonOf, runCli, tempHome } from '../utils/cli';
import { createUser, TestUser } from '../utils/factories';
import { createListeningApp, ListeningTestApp } from '../utils/listening-app';
import { clientCredentialsToken, registerClient } from '../utils/oauth';
import { SamlTestIdp } from '../utils/saml-test-idp';
import { uniqueDomain } from '../utils/sso';

// Each test runs the CLI several times, a Node process each (about 0.3 s alone, seconds on a
// loaded machine): more than the global 30 s.
jest.setTimeout(120_000);

/** The CLI's other command groups against a real Tessera: service accounts, OAuth, SSO, orgs, audit. */
describe('tessera service-accounts, oauth, sso, orgs, audit', () => {
  let t: ListeningTestApp;
  let user: TestUser;
  let home: string;
  const cli = (...args: string[]) => runCli(home, args);

  beforeAll(async () => {
    t = await createListeningApp();
    user = await createUser(t, 'cli-sa');
    home = tempHome();
    await runCli(home, ['login', '--url', t.url], { input: `${user.email}\n${user.password}\n` });
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t?.close();
  });

  describe('service-accounts', () => {
    it('create --output writes a key file (0600) the SDK turns into a working token', async () => {
      const output = join(home, 'pipeline.json');
      const created = jsonOf<{
        id: string;
        client_id: string;
        key_file?: unknown;
        key_file_path: string;
      }>(
        await cli(
          'service-accounts',
          'create',
          '--name',
          'pipeline',
          '--scope',
          'translate:write',
          '--output',
          output,
          '--format',
          'json',
        ),
      );
      expect(created.key_file).toBeUndefined(); // the private key is in the file only
      expect(created.key_file_path).toBe(output);
      expect(statSync(output).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(output, 'utf8'))).toMatchObject({
        type: 'service_account',
        client_id: created.client_id,
        token_uri: `${t.url}/oauth/token`,
      });

      const tessera = new Tessera({ serviceAccountKey: output, useProfile: false, env: {} });
      await expect(tessera.verify()).resolves.toMatchObject({
        principal_type: 'service_account',
        subject: created.client_id,
        scopes: ['translate:write'],
      });
      const translated = await tessera.api.POST('/v1/translate', {
        body: { text: 'hello', target_language: 'de' },
      });
      expect(translated.response.status).toBe(201);
    });

    it('never overwrites a file, and creates no account when it cannot write one', async () => {
      const existing = join(home, 'taken.json');
      writeFileSync(existing, 'mine');
      const before = jsonOf<unknown[]>(await cli('service-accounts', 'list', '--format', 'json'));
      const refused = await cli(
        'service-accounts',
        'create',
        '--name',
        'x',
        '--scope',
        'models:read',
        '--output',
        existing,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/cannot write .*taken\.json: it exists/);
      expect(readFileSync(existing, 'utf8')).toBe('mine');
      const after = jsonOf<unknown[]>(await cli('service-accounts', 'list', '--format', 'json'));
      expect(after).toHaveLength(before.length);
    });

    it('lists accounts and keys, adds and revokes a key, deletes an account', async () => {
      const created = jsonOf<{ id: string }>(
        await cli(
          'service-accounts',
          'create',
          '--name',
          'lister',
          '--scope',
          'models:read',
          '--output',
          join(home, 'lister.json'),
          '--format',
          'json',
        ),
      );
      const listed = jsonOf<{ id: string }[]>(
        await cli('service-accounts', 'list', '--format', 'json'),
      );
      expect(listed.map((account) => account.id)).toContain(created.id);

      const second = jsonOf<{ private_key_id: string }>(
        await cli(
          'service-accounts',
          'create-key',
          created.id,
          '--output',
          join(home, 'second.json'),
          '--format',
          'json',
        ),
      );
      const keys = jsonOf<{ private_key_id: string; status: string }[]>(
        await cli('service-accounts', 'keys', created.id, '--format', 'json'),
      );
      expect(keys).toHaveLength(2);
      expect(
        (await cli('service-accounts', 'revoke-key', created.id, second.private_key_id, '--yes'))
          .code,
      ).toBe(0);
      const afterRevoke = jsonOf<{ private_key_id: string; status: string }[]>(
        await cli('service-accounts', 'keys', created.id, '--format', 'json'),
      );
      expect(afterRevoke.find((key) => key.private_key_id === second.private_key_id)?.status).toBe(
        'revoked',
      );

      expect((await cli('service-accounts', 'delete', created.id, '--yes')).code).toBe(0);
      expect((await cli('service-accounts', 'keys', created.id)).code).toBe(3);
    });
  });

  it('oauth clients create, list, delete; the secret shown once', async () => {
    const created = jsonOf<{ client_id: string; client_secret: string }>(
      await cli(
        'oauth',
        'clients',
        'create',
        '--name',
        'Web app',
        '--redirect-uri',
        'https://app.example/callback',
        '--scope',
        'openid',
        '--scope',
        'translate:read',
        '--grant-type',
        'authorization_code',
        '--format',
        'json',
      ),
    );
    expect(created.client_secret).toMatch(/^tcs_/);
    const listed = jsonOf<{ client_id: string; client_secret?: string }[]>(
      await cli('oauth', 'clients', 'list', '--format', 'json'),
    );
    expect(listed.find((client) => client.client_id === created.client_id)).toMatchObject({
      client_id: created.client_id,
    });
    expect(listed.every((client) => client.client_secret === undefined)).toBe(true);
    expect((await cli('oauth', 'clients', 'delete', created.client_id, '--yes')).code).toBe(0);
    expect((await cli('oauth', 'clients', 'delete', created.client_id, '--yes')).code).toBe(3);
  });

  it('sso connections create from a metadata file, list, delete', async () => {
    const idp = new SamlTestIdp();
    const metadata = join(home, 'idp-metadata.xml');
    writeFileSync(metadata, idp.metadataXml());
    const domain = uniqueDomain('cli');
    const created = jsonOf<{ id: string; idp_entity_id: string; domains: string[] }>(
      await cli(
        'sso',
        'connections',
        'create',
        '--name',
        'Corp',
        '--provider',
        'okta',
        '--metadata',
        metadata,
        '--domain',
        domain,
        '--format',
        'json',
      ),
    );
    expect(created).toMatchObject({ idp_entity_id: idp.entityId, domains: [domain] });
    const listed = jsonOf<{ id: string }[]>(
      await cli('sso', 'connections', 'list', '--format', 'json'),
    );
    expect(listed.map((connection) => connection.id)).toContain(created.id);
    expect((await cli('sso', 'connections', 'delete', created.id, '--yes')).code).toBe(0);
    const missing = await cli(
      'sso',
      'connections',
      'create',
      '--name',
      'x',
      '--metadata',
      join(home, 'none.xml'),
      '--domain',
      uniqueDomain(),
    );
    expect(missing.code).toBe(1);
  });

  it('orgs list and members', async () => {
    const orgs = jsonOf<{ id: string; role: string }[]>(
      await cli('orgs', 'list', '--format', 'json'),
    );
    expect(orgs).toEqual([expect.objectContaining({ id: user.organizationId, role: 'owner' })]);
    const members = jsonOf<{ user_id: string; email: string }[]>(
      await cli('orgs', 'members', '--format', 'json'),
    );
    expect(members).toEqual([expect.objectContaining({ user_id: user.userId, email: user.email })]);
    const table = await cli('orgs', 'members', user.organizationId);
    expect(table.stdout.split('\n')[1]).toMatch(new RegExp(`^${user.userId}\\t${user.email}\\t`));
  });

  it('audit tail, export and verify', async () => {
    await cli('auth', 'create-key', '--name', 'audited', '--scope', 'models:read');
    const tail = await cli('audit', 'tail', '--limit', '5', '--format', 'json');
    expect(tail.code).toBe(0);
    const events = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; occurred_at: string });
    expect(events.length).toBeLessThanOrEqual(5);
    expect(events.at(-1)?.action).toBe('api_key.created'); // oldest first, the newest last
    const sorted = [...events].sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
    expect(events).toEqual(sorted);

    // A machine's tokens within the audit window are one event with a count: the table says so.
    const machine = await registerClient(t, user);
    for (let i = 0; i < 3; i++) await clientCredentialsToken(t, machine);
    const issued = await cli('audit', 'tail', '--action', 'oauth.token.issued');
    const [header, ...rows] = issued.stdout.trim().split('\n');
    expect(header.split('\t').slice(0, 3)).toEqual(['TIME', 'ACTION', 'COUNT']);
    // The first token's event at once, then the other two as one (oldest first); an earlier
    // test's client has tokens of its own.
    const machines = rows.filter((row) => row.includes(machine.clientId));
    expect(machines.map((row) => row.split('\t').slice(1, 3))).toEqual([
      ['oauth.token.issued', '1'],
      ['oauth.token.issued', '2'],
    ]);

    // An earlier export left readable by others, and a link beside it to a file of someone's:
    // the export replaces the file as 0600, and replaces the link rather than writing through it.
    const output = join(home, 'audit.ndjson');
    writeFileSync(output, 'old export', { mode: 0o644 });
    const elsewhere = join(home, 'not-yours.txt');
    writeFileSync(elsewhere, 'untouched');
    const linked = join(home, 'linked.ndjson');
    symlinkSync(elsewhere, linked);
    for (const target of [output, linked]) {
      expect((await cli('audit', 'export', '--output', target)).code).toBe(0);
      expect(statSync(target).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(elsewhere, 'utf8')).toBe('untouched');
    expect(lstatSync(linked).isSymbolicLink()).toBe(false);
    // A pipe (as `--output >(gzip > x)` gives) is written to as it is.
    const fifo = join(home, 'audit.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = readFile(fifo, 'utf8');
    expect((await cli('audit', 'export', '--output', fifo)).code).toBe(0);
    expect((await reader).trim().split('\n').length).toBeGreaterThan(1);
    const exported = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string });
    expect(exported.map((event) => event.action)).toContain('api_key.created');

    const verified = jsonOf<{ valid: boolean; events_checked: number }>(
      await cli('audit', 'verify', '--format', 'json'),
    );
    expect(verified).toMatchObject({ valid: true });
    expect(verified.events_checked).toBeGreaterThanOrEqual(exported.length);
  });
});
