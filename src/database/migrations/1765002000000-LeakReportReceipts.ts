import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** The leak reports already acted on, so a replayed one acts on nothing (LeakReportReceipt). */
export class LeakReportReceipts1765002000000 implements MigrationInterface {
  name = 'LeakReportReceipts1765002000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'leak_report_receipts',
        columns: [
          { name: 'digest', type: 'varchar', length: '64', isPrimary: true },
          { name: 'reporter_key_id', type: 'varchar', length: '200' },
          { name: 'received_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('leak_report_receipts');
  }
}
