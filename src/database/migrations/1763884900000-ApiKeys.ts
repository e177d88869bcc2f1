import { MigrationInterface, QueryRunner, Table } from 'typeorm';

export class ApiKeys1763884900000 implements MigrationInterface {
  name = 'ApiKeys1763884900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const time = (name: string, isNullable = true) => ({
      name,
      type: 'datetime',
      precision: 3,
      isNullable,
    });
    await queryRunner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'organization_id', type: 'varchar', length: '36' },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'key_hash', type: 'varchar', length: '64' },
          { name: 'start', type: 'varchar', length: '40' },
          { name: 'environment', type: 'varchar', length: '10' },
          { name: 'scopes', type: 'text' },
          { name: 'rate_limit_per_hour', type: 'integer' },
          { name: 'allowed_ips', type: 'text' },
          { name: 'service_account_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'created_by', type: 'varchar', length: '80' },
          { name: 'rotated_from', type: 'varchar', length: '40', isNullable: true },
          time('created_at', false),
          time('expires_at'),
          time('revoked_at'),
          time('last_used_at'),
          { name: 'last_ip', type: 'varchar', length: '45', isNullable: true },
        ],
        uniques: [{ name: 'uq_api_keys_hash', columnNames: ['key_hash'] }],
        indices: [{ name: 'ix_api_keys_org', columnNames: ['organization_id', 'id'] }],
        foreignKeys: [
          {
            name: 'fk_api_keys_org',
            columnNames: ['organization_id'],
            referencedTableName: 'organizations',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'api_key_usage',
        columns: [
          { name: 'key_id', type: 'varchar', length: '40', isPrimary: true },
          { ...time('period_start', false), isPrimary: true },
          { name: 'organization_id', type: 'varchar', length: '36' },
          { name: 'requests', type: 'integer', default: 0 },
          { name: 'rejected', type: 'integer', default: 0 },
        ],
        foreignKeys: [
          {
            name: 'fk_api_key_usage_key',
            columnNames: ['key_id'],
            referencedTableName: 'api_keys',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('api_key_usage');
    await queryRunner.dropTable('api_keys');
  }
}
