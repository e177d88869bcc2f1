import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource, Table } from 'typeorm';
import { idColumn } from '../../src/database/id-columns';
import {
  collateIdColumns,
  ID_COLUMNS,
} from '../../src/database/migrations/1765000900000-BinaryIdCollation';
import { asKey, createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { ownDatabase } from '../utils/own-database';
import { TestClock } from '../utils/test-clock';
import { TEST_ADMIN_TOKEN, testDatabaseUrl } from '../utils/test-env';

/** Tests of MySQL/MariaDB's collations; SQLite has none to test (it compares bytes). */
const onMysql = testDatabaseUrl() ? it : it.skip;

/** The id as issued, all upper case, and every other letter upper case. */
function spellingsOf(id: string): [string, string, string] {
  const everyOther = [...id].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
  // An id whose every other character is a digit or a dash (about 1 in 100 UUIDv7s now, their
  // time prefix mostly digits) would spell itself: its first letter upper-cased instead.
  const mixed =
    everyOther === id ? id.replace(/[a-z]/, (letter) => letter.toUpperCase()) : everyOther;
  return [id, id.toUpperCase(), mixed];
}

/**
 * Ids are compared byte for byte everywhere: by the database (SQLite always did; MySQL/MariaDB's
 * id columns are binary-collated) and by the caches in front of it. X-Organization-ID is taken
 * in any case and canonicalised (RFC 9562: UUIDs are case-insensitive on input); an id in a path
 * must be spelled as issued, or it names nothing (404).
 */
describe('ids', () => {
  let t: TestApp;
  const admin = bearer(TEST_ADMIN_TOKEN);

  beforeAll(async () => {
    // Of its own: the collation tests make scratch tables, which a suite listing the schema's
    // columns (input-limits) would otherwise find in the shared one.
    t = await createTestApp(ownDatabase('ids'));
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  /** An owner, their organization, and a member of it whose own organization is another. */
  async function organizationWithMember(): Promise<{
    owner: TestUser;
    member: TestUser;
    organizationId: string;
  }> {
    const owner = await createUser(t, 'ids-owner');
    const member = await createUser(t, 'ids-member');
    await request(t.http)
      .post(`/v1/organizations/${owner.organizationId}/members`)
      .set(bearer(owner.accessToken))
      .send({ email: member.email, role: 'admin' })
      .expect(201);
    return { owner, member, organizationId: owner.organizationId };
  }

  describe('X-Organization-ID in another case', () => {
    it('acts in the canonical organization, with X-Client-ID as with X-Organization-ID', async () => {
      const { member, organizationId } = await organizationWithMember();
      for (const spelling of spellingsOf(organizationId)) {
        for (const header of ['X-Organization-ID', 'X-Client-ID']) {
          const verify = await request(t.http)
            .get('/v1/auth/verify')
            .set({ ...bearer(member.accessToken), [header]: spelling })
            .expect(200);
          expect(verify.body).toEqual(
            expect.objectContaining({ organization_id: organizationId, role: 'admin' }),
          );
        }
      }
    });

    it('refuses a removed member under every spelling, including ones their cache has seen', async () => {
      const { owner, member, organizationId } = await organizationWithMember();
      const asMemberIn = (spelling: string) => ({
        ...bearer(member.accessToken),
        'X-Organization-ID': spelling,
      });
      for (const spelling of spellingsOf(organizationId)) {
        await request(t.http).get('/v1/iam/users').set(asMemberIn(spelling)).expect(200);
      }
      await request(t.http)
        .delete(`/v1/organizations/${organizationId}/members/${member.userId}`)
        .set(bearer(owner.accessToken))
        .expect(204);
      for (const spelling of spellingsOf(organizationId)) {
        await request(t.http)
          .get('/v1/iam/users')
          .set(asMemberIn(spelling))
          .expect(403, { detail: 'Not a member of this organization', code: 'not_a_member' });
      }
    });

    it('puts a key created under any spelling in the canonical organization', async () => {
      const { owner, organizationId } = await organizationWithMember();
      const [, upper, mixed] = spellingsOf(organizationId);
      const byOwner = await createApiKey(
        t,
        { ...bearer(owner.accessToken), 'X-Organization-ID': upper },
        { name: 'upper', scopes: ['translate:read'] },
      );
      const byAdmin = await createApiKey(
        t,
        { ...admin, 'X-Organization-ID': mixed },
        { name: 'mixed', scopes: ['translate:read'] },
      );
      for (const key of [byOwner, byAdmin]) {
        for (const spelling of spellingsOf(organizationId)) {
          const verify = await request(t.http)
            .get('/v1/auth/verify')
            .set({ ...asKey(key.key), 'X-Organization-ID': spelling })
            .expect(200);
          expect(verify.body.organization_id).toBe(organizationId);
        }
      }
      const listed = await request(t.http)
        .get('/v1/api-keys?limit=100')
        .set({ ...bearer(owner.accessToken), 'X-Organization-ID': organizationId })
        .expect(200);
      expect(listed.body.data.map((k: { id: string }) => k.id)).toEqual(
        expect.arrayContaining([byOwner.id, byAdmin.id]),
      );
    });

    it('counts every spelling against the organization’s one per-minute limit', async () => {
      await withTestApp(
        { RATE_LIMITS_ENABLED: 'true', PUBLIC_RATE_LIMIT_PER_MINUTE: '1000' },
        async (limited) => {
          const user = await createUser(limited, 'ids-limited'); // public routes: not counted
          const spellings = spellingsOf(user.organizationId);
          const verify = (i: number) =>
            request(limited.http)
              .get('/v1/auth/verify')
              .set({ ...bearer(user.accessToken), 'X-Organization-ID': spellings[i % 3] });
          for (let i = 0; i < 60; i++) {
            await verify(i)
              .expect(200)
              .expect('x-ratelimit-limit', '60')
              .expect('x-ratelimit-remaining', String(59 - i));
          }
          for (let i = 0; i < 3; i++) await verify(i).expect(429);
        },
        // Stands still one second into a minute: the 60 requests never straddle two windows.
        { clock: TestClock.atStartOfNextHour() },
      );
    });
  });

  describe('a malformed X-Organization-ID', () => {
    it('gets 400 with every credential, naming the header it came in', async () => {
      const { owner, organizationId } = await organizationWithMember();
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'k',
        scopes: ['translate:read'],
      });
      const malformed = [
        'not-an-id',
        `${organizationId}0`,
        `{${organizationId}}`,
        organizationId.replace(/-/g, ''),
        organizationId.replace(/[0-9a-f]$/, 'g'),
        `${organizationId}, ${organizationId}`,
      ];
      for (const credential of [bearer(owner.accessToken), asKey(key.key), admin]) {
        for (const value of malformed) {
          for (const header of ['X-Organization-ID', 'X-Client-ID']) {
            await request(t.http)
              .get('/v1/api-keys')
              .set({ ...credential, [header]: value })
              .expect(400, {
                detail: `${header} must be an organization id (a UUID)`,
                code: 'invalid_organization_id',
              });
          }
        }
      }
    });
  });

  describe('ids in paths', () => {
    it('answers 404 for an organization id in another spelling or shape, as for a missing one', async () => {
      const { owner, organizationId } = await organizationWithMember();
      const [, upper, mixed] = spellingsOf(organizationId);
      for (const credential of [bearer(owner.accessToken), admin]) {
        await request(t.http)
          .get(`/v1/organizations/${organizationId}`)
          .set(credential)
          .expect(200);
        for (const id of [upper, mixed, 'not-an-id', `${organizationId}0`]) {
          await request(t.http)
            .get(`/v1/organizations/${id}`)
            .set(credential)
            .expect(404, { detail: 'Organization not found' });
          await request(t.http)
            .patch(`/v1/organizations/${id}`)
            .set(credential)
            .send({ name: 'Renamed' })
            .expect(404, { detail: 'Organization not found' });
        }
      }
    });

    it('neither removes nor changes a member named by another spelling of their id', async () => {
      const { owner, member, organizationId } = await organizationWithMember();
      const inOrganization = { ...bearer(member.accessToken), 'X-Organization-ID': organizationId };
      await request(t.http).get('/v1/iam/users').set(inOrganization).expect(200);
      for (const id of spellingsOf(member.userId).slice(1).concat('not-an-id')) {
        await request(t.http)
          .patch(`/v1/organizations/${organizationId}/members/${id}`)
          .set(bearer(owner.accessToken))
          .send({ role: 'viewer' })
          .expect(404, { detail: 'Member not found' });
        await request(t.http)
          .delete(`/v1/organizations/${organizationId}/members/${id}`)
          .set(bearer(owner.accessToken))
          .expect(404, { detail: 'Member not found' });
      }
      // Nor through another spelling of the organization's id.
      await request(t.http)
        .delete(`/v1/organizations/${organizationId.toUpperCase()}/members/${member.userId}`)
        .set(bearer(owner.accessToken))
        .expect(404, { detail: 'Organization not found' });
      const still = await request(t.http).get('/v1/auth/verify').set(inOrganization).expect(200);
      expect(still.body.role).toBe('admin');
    });

    it('answers 404 for an API key id in another spelling or shape, on every key route', async () => {
      const { owner } = await organizationWithMember();
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'k',
        scopes: ['translate:read'],
      });
      await request(t.http)
        .get(`/v1/api-keys/${key.id}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      const others = [key.id.toUpperCase(), `key_${key.id.slice(4).toUpperCase()}`, 'key_nope'];
      for (const id of others) {
        const as = bearer(owner.accessToken);
        const notFound = { detail: 'API key not found' };
        await request(t.http).get(`/v1/api-keys/${id}`).set(as).expect(404, notFound);
        await request(t.http).get(`/v1/api-keys/${id}/usage`).set(as).expect(404, notFound);
        await request(t.http)
          .patch(`/v1/api-keys/${id}`)
          .set(as)
          .send({ name: 'renamed' })
          .expect(404, notFound);
        await request(t.http).post(`/v1/api-keys/${id}/rotate`).set(as).send({}).expect(404);
        await request(t.http).delete(`/v1/api-keys/${id}`).set(as).expect(404, notFound);
      }
      await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
    });
  });

  describe('in the database', () => {
    it('finds nothing by another spelling of an id (binary collation on MySQL/MariaDB)', async () => {
      const { owner, member, organizationId } = await organizationWithMember();
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'k',
        scopes: ['translate:read'],
      });
      const db = t.app.get(DataSource);
      const count = async (sql: string, value: string) =>
        Number((await db.query(sql, [value]))[0].n);
      const lookUps: [string, string][] = [
        ['SELECT COUNT(*) AS n FROM organizations WHERE id = ?', organizationId],
        ['SELECT COUNT(*) AS n FROM memberships WHERE organization_id = ?', organizationId],
        ['SELECT COUNT(*) AS n FROM memberships WHERE user_id = ?', member.userId],
        ['SELECT COUNT(*) AS n FROM users WHERE id = ?', member.userId],
        ['SELECT COUNT(*) AS n FROM api_keys WHERE id = ?', key.id],
        ['SELECT COUNT(*) AS n FROM api_keys WHERE organization_id = ?', organizationId],
      ];
      for (const [sql, id] of lookUps) {
        expect(await count(sql, id)).toBeGreaterThan(0);
        expect(await count(sql, id.toUpperCase())).toBe(0);
      }
    });

    onMysql('gives every id column the binary collation', async () => {
      const rows: { tableName: string; columnName: string; collation: string }[] = await t.app
        .get(DataSource)
        .query(
          `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS columnName, COLLATION_NAME AS collation
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()`,
        );
      const collationOf = new Map(rows.map((r) => [`${r.tableName}.${r.columnName}`, r.collation]));
      const idColumns = Object.entries(ID_COLUMNS).flatMap(([table, columns]) =>
        columns.map((column) => `${table}.${column}`),
      );
      expect(idColumns.length).toBeGreaterThan(20);
      expect(idColumns.map((column) => [column, collationOf.get(column)])).toEqual(
        idColumns.map((column) => [column, 'utf8mb4_bin']),
      );
    });

    onMysql(
      'converts the columns foreign keys tie together, lower-cases client-spelled references first, and back',
      async () => {
        const suffix = randomBytes(4).toString('hex');
        const parent = `ids_parent_${suffix}`;
        const child = `ids_child_${suffix}`;
        const runner = t.app.get(DataSource).createQueryRunner();
        const collations = async () =>
          (
            (await runner.query(
              `SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS name, COLLATION_NAME AS collation
               FROM information_schema.COLUMNS
               WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?) AND COLUMN_NAME LIKE '%id'
               ORDER BY name`,
              [child, parent],
            )) as { name: string; collation: string }[]
          ).map((row) => `${row.name} ${row.collation}`);
        const foreignKeys = () =>
          runner.query(
            `SELECT CONSTRAINT_NAME AS name, DELETE_RULE AS onDelete
             FROM information_schema.REFERENTIAL_CONSTRAINTS
             WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
            [child],
          );
        try {
          await runner.query(
            `CREATE TABLE ${parent} (id varchar(36) COLLATE utf8mb4_unicode_ci PRIMARY KEY)
             DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_unicode_ci`,
          );
          await runner.query(
            `CREATE TABLE ${child} (id varchar(36) PRIMARY KEY, parent_id varchar(36) NOT NULL,
               CONSTRAINT fk_${child} FOREIGN KEY (parent_id) REFERENCES ${parent} (id)
               ON DELETE CASCADE) DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_unicode_ci`,
          );
          const id = '0190f000-abcd-7000-8000-00000000000a';
          await runner.query(`INSERT INTO ${parent} (id) VALUES (?)`, [id]);
          // Accepted while the columns ignored case, as X-Organization-ID used to be.
          await runner.query(`INSERT INTO ${child} (id, parent_id) VALUES ('c', ?)`, [
            id.toUpperCase(),
          ]);

          await collateIdColumns(runner, { [parent]: ['id'] }, 'binary', {
            [child]: ['parent_id'],
          });
          expect(await collations()).toEqual([
            `${child}.id utf8mb4_unicode_ci`,
            `${child}.parent_id utf8mb4_bin`,
            `${parent}.id utf8mb4_bin`,
          ]);
          expect(await runner.query(`SELECT parent_id AS p FROM ${child}`)).toEqual([{ p: id }]);
          expect(await foreignKeys()).toEqual([{ name: `fk_${child}`, onDelete: 'CASCADE' }]);
          await expect(
            runner.query(`INSERT INTO ${child} (id, parent_id) VALUES ('d', ?)`, [
              id.toUpperCase(),
            ]),
          ).rejects.toThrow(/foreign key constraint fails/);

          await collateIdColumns(runner, { [parent]: ['id'] }, 'table default');
          expect(await collations()).toEqual([
            `${child}.id utf8mb4_unicode_ci`,
            `${child}.parent_id utf8mb4_unicode_ci`,
            `${parent}.id utf8mb4_unicode_ci`,
          ]);
          expect(await foreignKeys()).toEqual([{ name: `fk_${child}`, onDelete: 'CASCADE' }]);
        } finally {
          await runner.query(`DROP TABLE IF EXISTS ${child}`);
          await runner.query(`DROP TABLE IF EXISTS ${parent}`);
          await runner.release();
        }
      },
    );

    it('lets a later migration declare an id column referencing an existing one (idColumn)', async () => {
      const { owner } = await organizationWithMember();
      const table = `ids_later_${randomBytes(4).toString('hex')}`;
      const runner = t.app.get(DataSource).createQueryRunner();
      try {
        await runner.createTable(
          new Table({
            name: table,
            columns: [
              idColumn(runner, 'id', { isPrimary: true }),
              idColumn(runner, 'organization_id'),
              idColumn(runner, 'api_key_id', { length: 40, isNullable: true }),
            ],
            foreignKeys: [
              {
                columnNames: ['organization_id'],
                referencedTableName: 'organizations',
                referencedColumnNames: ['id'],
                onDelete: 'CASCADE',
              },
            ],
          }),
        );
        await runner.query(`INSERT INTO ${table} (id, organization_id) VALUES (?, ?)`, [
          'x',
          owner.organizationId,
        ]);
        const found = (id: string) =>
          runner.query(`SELECT id FROM ${table} WHERE organization_id = ?`, [id]);
        expect(await found(owner.organizationId)).toEqual([{ id: 'x' }]);
        expect(await found(owner.organizationId.toUpperCase())).toEqual([]);
      } finally {
        await runner.dropTable(table, true);
        await runner.release();
      }
    });
  });

  describe('the instance administrator naming an organization that does not exist', () => {
    it('gets 404 Organization not found, on every route that acts in it', async () => {
      const missing = { ...admin, 'X-Organization-ID': '0190f000-0000-7000-8000-000000000000' };
      const notFound = { detail: 'Organization not found' };
      await request(t.http)
        .post('/v1/api-keys')
        .set(missing)
        .send({ name: 'ghost', scopes: ['translate:read'] })
        .expect(404, notFound);
      await request(t.http).get('/v1/api-keys').set(missing).expect(404, notFound);
      await request(t.http).get('/v1/iam/users').set(missing).expect(404, notFound);
      await request(t.http).get('/v1/auth/verify').set(missing).expect(404, notFound);
      await request(t.http)
        .get('/v1/organizations/0190f000-0000-7000-8000-000000000000/members')
        .set(admin)
        .expect(404, notFound);
    });
  });
});
