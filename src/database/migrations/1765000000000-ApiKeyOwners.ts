import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * `acts_for`: whose power a key acts with, `user:<id>` (its creator, or the user behind the key
 * that created it) or `instance_admin`; a key never does more than that user's current role
 * allows. `replaced_by`: the key a rotation replaced it with, so a key is rotated once.
 */
export class ApiKeyOwners1765000000000 implements MigrationInterface {
  name = 'ApiKeyOwners1765000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('api_keys', [
      new TableColumn({ name: 'acts_for', type: 'varchar', length: '50', isNullable: true }),
      new TableColumn({ name: 'replaced_by', type: 'varchar', length: '40', isNullable: true }),
    ]);
    await backfill(queryRunner);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('api_keys', 'replaced_by');
    await queryRunner.dropColumn('api_keys', 'acts_for');
  }
}

interface KeyRow {
  id: string;
  created_by: string;
  rotated_from: string | null;
}

/**
 * A key made by a key acts for whoever that one acts for, however long the chain; a rotated key
 * points to its replacement. In code rather than SQL: MySQL cannot update a table from a
 * subquery over itself.
 */
async function backfill(queryRunner: QueryRunner): Promise<void> {
  const rows: KeyRow[] = await queryRunner.query(
    `SELECT id, created_by, rotated_from FROM api_keys ORDER BY id`,
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const actsFor = (row: KeyRow, depth = 0): string | null => {
    if (row.created_by.startsWith('user:')) return row.created_by;
    if (row.created_by.startsWith('instance_admin:')) return 'instance_admin';
    const parent = byId.get(row.created_by.slice('api_key:'.length));
    return parent && depth < 100 ? actsFor(parent, depth + 1) : null;
  };
  for (const row of rows) {
    const owner = actsFor(row);
    if (owner) {
      await queryRunner.query(`UPDATE api_keys SET acts_for = ? WHERE id = ?`, [owner, row.id]);
    }
    if (row.rotated_from && byId.has(row.rotated_from)) {
      await queryRunner.query(
        `UPDATE api_keys SET replaced_by = ? WHERE id = ? AND replaced_by IS NULL`,
        [row.id, row.rotated_from],
      );
    }
  }
}
