import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { idColumn } from '../id-columns';

/**
 * Usage credits per API key (issue #20), as Unkey's `remaining`: `remaining` (null: unlimited),
 * an optional refill (`refill_interval` daily | monthly, `refill_amount`, `refill_day` of the
 * month), `last_refill_at` (when the balance was last set: created, updated or refilled),
 * `credits_version` (raised by every update of the balance, so counts of an older balance are
 * never written over a newer one) and `credits_id` (after a rotation, the key whose balance the
 * new one shares during the grace period; null: its own). Existing keys are unlimited.
 */
export class ApiKeyCredits1765001800000 implements MigrationInterface {
  name = 'ApiKeyCredits1765001800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('api_keys', [
      new TableColumn({ name: 'remaining', type: 'integer', isNullable: true }),
      new TableColumn({
        name: 'refill_interval',
        type: 'varchar',
        length: '10',
        isNullable: true,
      }),
      new TableColumn({ name: 'refill_amount', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'refill_day', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'last_refill_at', type: 'datetime', precision: 3, isNullable: true }),
      new TableColumn({ name: 'credits_version', type: 'integer', default: 0 }),
      new TableColumn(idColumn(queryRunner, 'credits_id', { length: 40, isNullable: true })),
    ]);
    await queryRunner.createIndex(
      'api_keys',
      new TableIndex({ name: 'ix_api_keys_credits', columnNames: ['credits_id'] }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('api_keys', 'ix_api_keys_credits');
    for (const column of [
      'credits_id',
      'credits_version',
      'last_refill_at',
      'refill_day',
      'refill_amount',
      'refill_interval',
      'remaining',
    ]) {
      await queryRunner.dropColumn('api_keys', column);
    }
  }
}
