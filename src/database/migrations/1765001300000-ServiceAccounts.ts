import { MigrationInterface, QueryRunner, Table, TableForeignKeyOptions } from 'typeorm';
import { idColumn } from '../id-columns';

/**
 * Service accounts and their public keys (the private keys are never stored). Deleting an
 * organization deletes its accounts, and an account its keys (ON DELETE CASCADE). Its API keys
 * (`api_keys.service_account_id`, a column since the ApiKeys migration) are revoked, not deleted,
 * by the deletion itself, so they stay listed as revoked with their usage.
 */
export class ServiceAccounts1765001300000 implements MigrationInterface {
  name = 'ServiceAccounts1765001300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const id = (name: string, options: Parameters<typeof idColumn>[2] = {}) =>
      idColumn(queryRunner, name, options);
    const time = (name: string, isNullable = false) => ({
      name,
      type: 'datetime',
      precision: 3,
      isNullable,
    });
    const references = (name: string, column: string, table: string): TableForeignKeyOptions => ({
      name,
      columnNames: [column],
      referencedTableName: table,
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    });

    await queryRunner.createTable(
      new Table({
        name: 'service_accounts',
        columns: [
          id('id', { isPrimary: true }),
          id('organization_id'),
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'description', type: 'varchar', length: '1000' },
          { name: 'scopes', type: 'text' },
          time('disabled_at', true),
          { name: 'created_by', type: 'varchar', length: '80' },
          time('created_at'),
          time('updated_at'),
        ],
        indices: [{ name: 'ix_service_accounts_org', columnNames: ['organization_id', 'id'] }],
        foreignKeys: [references('fk_service_accounts_org', 'organization_id', 'organizations')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'service_account_keys',
        columns: [
          id('id', { isPrimary: true }),
          id('service_account_id'),
          id('organization_id'),
          { name: 'algorithm', type: 'varchar', length: '10' },
          { name: 'public_jwk', type: 'text' },
          { name: 'origin', type: 'varchar', length: '10' },
          { name: 'created_by', type: 'varchar', length: '80' },
          time('created_at'),
          time('expires_at'),
          time('revoked_at', true),
          time('last_used_at', true),
        ],
        indices: [
          {
            name: 'ix_service_account_keys_account',
            columnNames: ['service_account_id', 'id'],
          },
        ],
        foreignKeys: [
          references('fk_service_account_keys_account', 'service_account_id', 'service_accounts'),
        ],
      }),
    );

    // API keys of an account are listed under it (GET /v1/api-keys?service_account_id=).
    await queryRunner.query(
      'CREATE INDEX ix_api_keys_service_account ON api_keys (service_account_id, id)',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('api_keys', 'ix_api_keys_service_account');
    await queryRunner.dropTable('service_account_keys');
    await queryRunner.dropTable('service_accounts');
  }
}
