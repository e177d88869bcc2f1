import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** The signed head of each audit chain (see AuditAnchor). */
export class AuditAnchors1765000300000 implements MigrationInterface {
  name = 'AuditAnchors1765000300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const hash = (name: string) => ({ name, type: 'varchar', length: '64' });
    await queryRunner.createTable(
      new Table({
        name: 'audit_anchors',
        columns: [
          { name: 'chain', type: 'varchar', length: '36', isPrimary: true },
          { name: 'start_seq', type: 'integer' },
          hash('start_hash'),
          { name: 'seq', type: 'integer' },
          hash('hash'),
          hash('hmac'),
          { name: 'anchored_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_anchors');
  }
}
