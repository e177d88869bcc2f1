import type { QueryRunner, TableColumnOptions } from 'typeorm';

/**
 * Ids are compared byte for byte: `ORG-…` is not `org-…`. SQLite compares text that way already;
 * MySQL/MariaDB compare by the column's collation, and the default ones ignore case. Id columns
 * there are therefore `utf8mb4_bin`, so the database finds exactly what the in-memory caches
 * (roles, plans, rate-limit counters, verified keys) find.
 */
export const ID_CHARSET = 'utf8mb4';
export const ID_COLLATION = 'utf8mb4_bin';

/** MySQL or MariaDB (TypeORM's `mysql` driver serves both). */
export function isMysqlFamily(queryRunner: QueryRunner): boolean {
  const type = queryRunner.connection.options.type;
  return type === 'mysql' || type === 'mariadb';
}

/**
 * A varchar column holding an id, for a migration's `new Table({ columns: [...] })` or
 * `addColumn`: binary-collated on MySQL/MariaDB, plain on SQLite (which has no such collation
 * and needs none). Every id column, its primary key and every reference to another id, is
 * declared with it, or foreign keys to other id columns fail for mismatched collations:
 *
 *   idColumn(queryRunner, 'id', { isPrimary: true }),
 *   idColumn(queryRunner, 'organization_id'),
 *   idColumn(queryRunner, 'api_key_id', { length: 40, isNullable: true }),
 */
export function idColumn(
  queryRunner: QueryRunner,
  name: string,
  options: Omit<TableColumnOptions, 'name' | 'type' | 'length'> & { length?: number } = {},
): TableColumnOptions {
  const { length = 36, ...rest } = options;
  return {
    name,
    type: 'varchar',
    length: String(length),
    ...(isMysqlFamily(queryRunner) ? { charset: ID_CHARSET, collation: ID_COLLATION } : {}),
    ...rest,
  };
}
