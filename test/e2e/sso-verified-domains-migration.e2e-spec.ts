import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { MIGRATIONS } from '../../src/database/migrations';
import { SsoVerifiedDomains1765001900000 } from '../../src/database/migrations/1765001900000-SsoVerifiedDomains';
import { testDatabaseUrl } from '../utils/test-env';

const THROUGH = MIGRATIONS.indexOf(SsoVerifiedDomains1765001900000);

/**
 * SsoVerifiedDomains1765001900000 on claims made before it: a verified claim keeps the domain
 * (verified_domain), a pending one does not; afterwards several connections may claim a domain
 * pending, never two verified; reverting refuses while a domain is shared. On a database of its
 * own (a SQLite file; beside TEST_DATABASE_URL's database on MariaDB), as it is rolled back.
 */
describe('migration: only a verified SSO domain claim is unique', () => {
  let db: DataSource;
  let dropDatabase: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    db = new DataSource({
      ...buildDataSourceOptions(await ownDatabase()),
      migrations: MIGRATIONS.slice(0, THROUGH + 1),
    });
    await db.initialize();
    const previous = new DataSource({ ...db.options, migrations: MIGRATIONS.slice(0, THROUGH) });
    await previous.initialize();
    await previous.runMigrations();
    await seed(previous);
    await previous.destroy();
  });
  afterAll(async () => {
    await db?.destroy();
    await dropDatabase?.();
  });

  /** A fresh SQLite file, or a fresh database beside the tests' MariaDB one. */
  async function ownDatabase() {
    const url = testDatabaseUrl();
    if (!url) {
      const sqlitePath = join(mkdtempSync(join(tmpdir(), 'tessera-migration-')), 'db.sqlite');
      return { sqlitePath, migrationsRun: false };
    }
    const server = new DataSource(
      buildDataSourceOptions({ url, sqlitePath: '', migrationsRun: false }),
    );
    await server.initialize();
    const name = `${new URL(url).pathname.slice(1)}_sso_migration`;
    await server.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await server.query(`CREATE DATABASE \`${name}\``);
    dropDatabase = async () => {
      await server.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await server.destroy();
    };
    const own = new URL(url);
    own.pathname = `/${name}`;
    return { url: own.toString(), sqlitePath: '', migrationsRun: false };
  }

  async function seed(previous: DataSource): Promise<void> {
    const now = '2025-01-01 00:00:00.000';
    await previous.query(
      'INSERT INTO organizations (id, name, plan, personal, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      ['org-1', 'Acme', 'free', 0, now, now],
    );
    for (const id of ['sso_1', 'sso_2']) {
      await previous.query(
        'INSERT INTO sso_connections (id, organization_id, name, provider, idp_entity_id, idp_sso_url, idp_certificates, domains, attribute_mapping, default_role, group_role_mapping, redirect_urls, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          id,
          'org-1',
          id,
          'okta',
          'e',
          'https://idp',
          '[]',
          '[]',
          '{}',
          'member',
          '{}',
          '[]',
          'instance_admin',
          now,
          now,
        ],
      );
    }
    await previous.query(
      'INSERT INTO sso_connection_domains (domain, connection_id, organization_id, verification_token, verified_at, verified_by) VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)',
      [
        ...['verified.example', 'sso_1', 'org-1', 't1', now, 'operator'],
        ...['pending.example', 'sso_1', 'org-1', 't2', null, null],
      ],
    );
  }

  const claim = (domain: string, connectionId: string, verifiedDomain: string | null = null) =>
    db.query(
      'INSERT INTO sso_connection_domains (domain, connection_id, organization_id, verification_token, verified_domain) VALUES (?, ?, ?, ?, ?)',
      [domain, connectionId, 'org-1', 't', verifiedDomain],
    );

  it('carries verified claims over, lets pending ones be shared, and reverts only once none is', async () => {
    await db.runMigrations();
    const rows = (await db.query(
      'SELECT domain, verified_domain FROM sso_connection_domains ORDER BY domain',
    )) as { domain: string; verified_domain: string | null }[];
    expect(rows).toEqual([
      { domain: 'pending.example', verified_domain: null },
      { domain: 'verified.example', verified_domain: 'verified.example' },
    ]);

    await claim('pending.example', 'sso_2');
    await expect(claim('verified.example', 'sso_2', 'verified.example')).rejects.toThrow(
      /unique|duplicate/i,
    );
    await expect(claim('pending.example', 'sso_2')).rejects.toThrow(/unique|duplicate/i);

    await expect(db.undoLastMigration()).rejects.toThrow(
      /Several SSO connections claim pending\.example/,
    );
    await db.query('DELETE FROM sso_connection_domains WHERE connection_id = ?', ['sso_2']);
    await db.undoLastMigration();
    await expect(
      db.query(
        'INSERT INTO sso_connection_domains (domain, connection_id, organization_id) VALUES (?, ?, ?)',
        ['pending.example', 'sso_2', 'org-1'],
      ),
    ).rejects.toThrow(/unique|duplicate/i);
    const columns = (await db.query('SELECT * FROM sso_connection_domains')) as object[];
    expect(Object.keys(columns[0])).not.toContain('verified_domain');
    expect(columns).toHaveLength(2);
  });
});
