import { MigrationInterface, QueryRunner } from 'typeorm';
import { ID_COLLATION, isMysqlFamily } from '../id-columns';

type ColumnsByTable = Readonly<Record<string, readonly string[]>>;

/** Every column holding an id in the schema before this migration, primary keys and references. */
export const ID_COLUMNS: ColumnsByTable = {
  users: ['id'],
  organizations: ['id'],
  memberships: ['id', 'organization_id', 'user_id'],
  sessions: ['id', 'user_id', 'organization_id'],
  refresh_tokens: ['id', 'session_id'],
  revoked_access_tokens: ['jti'],
  signing_keys: ['kid'],
  api_keys: [
    'id',
    'organization_id',
    'service_account_id',
    'created_by',
    'acts_for',
    'rotated_from',
    'replaced_by',
  ],
  api_key_usage: ['key_id', 'organization_id'],
  audit_events: ['id', 'chain', 'organization_id', 'actor_id', 'target_id'],
  audit_checkpoints: ['chain'],
  audit_anchors: ['chain'],
};

/**
 * References to UUIDs a client could have spelled in upper case while MySQL ignored case
 * (X-Organization-ID, an organization in a path): lower-cased first, or their foreign keys
 * would no longer find the row they point at. Audit events stay as written: changing one would
 * break its hash chain.
 */
const CLIENT_SPELLED_REFERENCES: ColumnsByTable = {
  memberships: ['organization_id', 'user_id'],
  sessions: ['user_id', 'organization_id'],
  api_keys: ['organization_id'],
  api_key_usage: ['organization_id'],
};

/**
 * Id columns compared byte for byte on MySQL/MariaDB, as on SQLite (see id-columns.ts). A no-op
 * on SQLite. Runs after the other migrations of its time so it also converts the columns their
 * foreign keys tie to these; later migrations declare id columns with `idColumn` instead.
 */
export class BinaryIdCollation1765000900000 implements MigrationInterface {
  name = 'BinaryIdCollation1765000900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    if (!isMysqlFamily(queryRunner)) return;
    await collateIdColumns(queryRunner, ID_COLUMNS, 'binary', CLIENT_SPELLED_REFERENCES);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    if (!isMysqlFamily(queryRunner)) return;
    await collateIdColumns(queryRunner, ID_COLUMNS, 'table default');
  }
}

interface ColumnRow {
  tableName: string;
  columnName: string;
  columnType: string;
  dataType: string;
  isNullable: 'YES' | 'NO';
  columnDefault: string | null;
  collationName: string | null;
  tableCollation: string;
}

interface ForeignKeyRow {
  constraintName: string;
  tableName: string;
  columnName: string;
  referencedTableName: string;
  referencedColumnName: string;
  updateRule: string;
  deleteRule: string;
}

const quote = (identifier: string) => `\`${identifier.replace(/`/g, '``')}\``;
const columnKey = (table: string, column: string) => `${table}.${column}`;

/**
 * Gives `columns` (those that exist), and every column a foreign key ties to one of them, the
 * binary collation (or back their table's default). MySQL refuses to change a column a foreign
 * key uses, and a foreign key between columns of different collations: the foreign keys
 * involved are dropped, the columns changed, and the keys added back as they were. Exported for
 * its test, which runs it on tables of its own.
 */
export async function collateIdColumns(
  queryRunner: QueryRunner,
  columns: ColumnsByTable,
  target: 'binary' | 'table default',
  lowerCaseFirst: ColumnsByTable = {},
): Promise<void> {
  const existing = new Map(
    (await schemaColumns(queryRunner)).map((row) => [
      columnKey(row.tableName, row.columnName),
      row,
    ]),
  );
  const foreignKeys = await schemaForeignKeys(queryRunner);
  const selected = new Set(
    Object.entries(columns)
      .flatMap(([table, names]) => names.map((name) => columnKey(table, name)))
      .filter((key) => existing.has(key)),
  );
  for (let grown = true; grown;) {
    grown = false;
    for (const fk of foreignKeys) {
      const from = columnKey(fk.tableName, fk.columnName);
      const to = columnKey(fk.referencedTableName, fk.referencedColumnName);
      if (selected.has(from) !== selected.has(to)) {
        selected.add(selected.has(from) ? to : from);
        grown = true;
      }
    }
  }

  for (const [table, names] of Object.entries(lowerCaseFirst)) {
    for (const name of names.filter((n) => selected.has(columnKey(table, n)))) {
      await queryRunner.query(
        `UPDATE ${quote(table)} SET ${quote(name)} = LOWER(${quote(name)}) ` +
          `WHERE ${quote(name)} COLLATE ${ID_COLLATION} <> LOWER(${quote(name)})`,
      );
    }
  }

  const involved = constraintsOf(
    foreignKeys.filter((fk) => selected.has(columnKey(fk.tableName, fk.columnName))),
  );
  for (const fk of involved) {
    await queryRunner.query(
      `ALTER TABLE ${quote(fk.tableName)} DROP FOREIGN KEY ${quote(fk.constraintName)}`,
    );
  }
  const byTable = new Map<string, ColumnRow[]>();
  for (const key of selected) {
    const row = existing.get(key)!;
    byTable.set(row.tableName, [...(byTable.get(row.tableName) ?? []), row]);
  }
  for (const [table, rows] of byTable) {
    const changes = rows
      .map((row) => ({ row, collation: target === 'binary' ? ID_COLLATION : row.tableCollation }))
      .filter(({ row, collation }) => row.collationName !== collation)
      .map(({ row, collation }) => `MODIFY ${columnDefinition(row, collation)}`);
    if (changes.length > 0) {
      await queryRunner.query(`ALTER TABLE ${quote(table)} ${changes.join(', ')}`);
    }
  }
  for (const fk of involved) {
    await queryRunner.query(
      `ALTER TABLE ${quote(fk.tableName)} ADD CONSTRAINT ${quote(fk.constraintName)} ` +
        `FOREIGN KEY (${fk.columns.map(quote).join(', ')}) ` +
        `REFERENCES ${quote(fk.referencedTableName)} (${fk.referencedColumns.map(quote).join(', ')}) ` +
        `ON DELETE ${fk.deleteRule} ON UPDATE ${fk.updateRule}`,
    );
  }
}

/** The column as it is, with another collation; an id column is a string with no default. */
function columnDefinition(row: ColumnRow, collation: string): string {
  const hasDefault = row.columnDefault !== null && row.columnDefault !== 'NULL';
  if (!['varchar', 'char'].includes(row.dataType) || hasDefault) {
    throw new Error(
      `${row.tableName}.${row.columnName} (${row.columnType}, default ${row.columnDefault}) ` +
        'does not look like an id column',
    );
  }
  // The collation implies its character set (utf8mb4 for both).
  return (
    `${quote(row.columnName)} ${row.columnType} COLLATE ${collation} ` +
    (row.isNullable === 'YES' ? 'NULL' : 'NOT NULL')
  );
}

interface Constraint {
  constraintName: string;
  tableName: string;
  columns: string[];
  referencedTableName: string;
  referencedColumns: string[];
  updateRule: string;
  deleteRule: string;
}

/** Foreign keys whole (a composite key has a row per column), from their rows. */
function constraintsOf(rows: ForeignKeyRow[]): Constraint[] {
  const constraints = new Map<string, Constraint>();
  for (const row of rows) {
    const key = `${row.tableName}\u0000${row.constraintName}`;
    const constraint = constraints.get(key) ?? {
      constraintName: row.constraintName,
      tableName: row.tableName,
      columns: [],
      referencedTableName: row.referencedTableName,
      referencedColumns: [],
      updateRule: row.updateRule,
      deleteRule: row.deleteRule,
    };
    constraint.columns.push(row.columnName);
    constraint.referencedColumns.push(row.referencedColumnName);
    constraints.set(key, constraint);
  }
  return [...constraints.values()];
}

function schemaColumns(queryRunner: QueryRunner): Promise<ColumnRow[]> {
  return queryRunner.query(
    `SELECT c.TABLE_NAME AS tableName, c.COLUMN_NAME AS columnName, c.COLUMN_TYPE AS columnType,
       c.DATA_TYPE AS dataType, c.IS_NULLABLE AS isNullable, c.COLUMN_DEFAULT AS columnDefault,
       c.COLLATION_NAME AS collationName, t.TABLE_COLLATION AS tableCollation
     FROM information_schema.COLUMNS c
     JOIN information_schema.TABLES t
       ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
     WHERE c.TABLE_SCHEMA = DATABASE()`,
  );
}

/** Every foreign key of the schema, a row per column, in column order. */
function schemaForeignKeys(queryRunner: QueryRunner): Promise<ForeignKeyRow[]> {
  return queryRunner.query(
    `SELECT k.CONSTRAINT_NAME AS constraintName, k.TABLE_NAME AS tableName,
       k.COLUMN_NAME AS columnName, k.REFERENCED_TABLE_NAME AS referencedTableName,
       k.REFERENCED_COLUMN_NAME AS referencedColumnName,
       r.UPDATE_RULE AS updateRule, r.DELETE_RULE AS deleteRule
     FROM information_schema.KEY_COLUMN_USAGE k
     JOIN information_schema.REFERENTIAL_CONSTRAINTS r
       ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME
       AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
     WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
     ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
  );
}
