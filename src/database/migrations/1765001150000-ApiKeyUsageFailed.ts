import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * API key usage counts requests the server failed to answer (5xx, e.g. 503 while the database was
 * unavailable) apart from those it served: before, they were counted as served. Hours written
 * before this migration have none.
 */
export class ApiKeyUsageFailed1765001150000 implements MigrationInterface {
  name = 'ApiKeyUsageFailed1765001150000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'api_key_usage',
      new TableColumn({ name: 'failed', type: 'integer', default: 0 }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('api_key_usage', 'failed');
  }
}
