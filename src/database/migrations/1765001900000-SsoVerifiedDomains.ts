import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { isMysqlFamily } from '../id-columns';

const TABLE = 'sso_connection_domains';
const VERIFIED_INDEX = 'ux_sso_connection_domains_verified';

/**
 * Only a verified domain claim is exclusive. A pending claim proves nothing (anyone can type a
 * domain), so several connections, of any organizations, may hold one: the primary key becomes
 * (domain, connection_id). `verified_domain` is the domain once the claim is verified, null
 * until then, under a unique index: the database keeps two verifications of one domain from
 * both succeeding, and both SQLite and MariaDB let a unique index hold any number of nulls.
 * A plain column the repository writes with `verified_at`, not a generated one: the two
 * databases declare and alter generated columns differently, and TypeORM's SQLite table
 * rebuild (the primary key change) would have to carry it over.
 */
export class SsoVerifiedDomains1765001900000 implements MigrationInterface {
  name = 'SsoVerifiedDomains1765001900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      TABLE,
      // As `domain`: lower-case ASCII (IDNs in their xn-- form), so no collation question arises.
      new TableColumn({
        name: 'verified_domain',
        type: 'varchar',
        length: '253',
        isNullable: true,
      }),
    );
    await queryRunner.query(
      `UPDATE ${TABLE} SET verified_domain = domain WHERE verified_at IS NOT NULL`,
    );
    await setPrimaryKey(queryRunner, ['domain', 'connection_id']);
    await queryRunner.createIndex(
      TABLE,
      new TableIndex({ name: VERIFIED_INDEX, columnNames: ['verified_domain'], isUnique: true }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Going back would have to pick one claim of each shared domain and drop the others, with
    // no owner's say: refused instead, naming what to remove first.
    const shared = (await queryRunner.query(
      `SELECT domain FROM ${TABLE} GROUP BY domain HAVING COUNT(*) > 1`,
    )) as { domain: string }[];
    if (shared.length > 0) {
      throw new Error(
        `Several SSO connections claim ${shared.map((row) => row.domain).join(', ')}: ` +
          'remove all but one claim of each before reverting SsoVerifiedDomains1765001900000',
      );
    }
    await queryRunner.dropIndex(TABLE, VERIFIED_INDEX);
    await setPrimaryKey(queryRunner, ['domain']);
    await queryRunner.dropColumn(TABLE, 'verified_domain');
  }
}

/**
 * MariaDB/MySQL change a primary key in place. SQLite cannot: TypeORM rebuilds the table (a
 * copy under the new definition, its indexes and foreign keys with it), which its
 * `createPrimaryKey` does for the columns marked primary, and `updatePrimaryKeys` does not do
 * at all (a no-op on SQLite).
 */
async function setPrimaryKey(queryRunner: QueryRunner, columns: string[]): Promise<void> {
  if (isMysqlFamily(queryRunner)) {
    const list = columns.map((column) => `\`${column}\``).join(', ');
    await queryRunner.query(`ALTER TABLE \`${TABLE}\` DROP PRIMARY KEY, ADD PRIMARY KEY (${list})`);
    return;
  }
  await queryRunner.dropPrimaryKey(TABLE);
  await queryRunner.createPrimaryKey(TABLE, columns);
}
