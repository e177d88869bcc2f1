import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * The log of cache invalidations (CacheInvalidationRecord): what an instance reads when Redis did
 * not bring it a change. `seq` is the database's own counter (AUTOINCREMENT, AUTO_INCREMENT).
 */
export class CacheInvalidations1765001000000 implements MigrationInterface {
  name = 'CacheInvalidations1765001000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'cache_invalidations',
        columns: [
          {
            name: 'seq',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'event', type: 'text' },
          { name: 'created_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await queryRunner.createIndex(
      'cache_invalidations',
      new TableIndex({ name: 'idx_cache_invalidations_created_at', columnNames: ['created_at'] }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('cache_invalidations');
  }
}
