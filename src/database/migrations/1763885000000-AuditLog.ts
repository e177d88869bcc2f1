import { MigrationInterface, QueryRunner, Table } from 'typeorm';

export class AuditLog1763885000000 implements MigrationInterface {
  name = 'AuditLog1763885000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const text = (name: string, length: number, isNullable = false) => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable,
    });
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          { ...text('id', 40), isPrimary: true },
          text('chain', 36),
          { name: 'seq', type: 'integer' },
          { name: 'occurred_at', type: 'datetime', precision: 3 },
          text('organization_id', 36, true),
          text('actor_type', 20),
          text('actor_id', 80, true),
          text('actor_ip', 45, true),
          text('actor_user_agent', 300, true),
          text('action', 60),
          text('target_type', 30, true),
          text('target_id', 80, true),
          text('outcome', 10),
          text('request_id', 128, true),
          { name: 'metadata', type: 'text' },
          text('prev_hash', 64),
          text('hash', 64),
        ],
        uniques: [{ name: 'uq_audit_events_chain_seq', columnNames: ['chain', 'seq'] }],
        indices: [{ name: 'ix_audit_events_org_id', columnNames: ['organization_id', 'id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_checkpoints',
        columns: [
          { ...text('chain', 36), isPrimary: true },
          { name: 'last_pruned_seq', type: 'integer' },
          text('last_pruned_hash', 64),
          { name: 'pruned_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_checkpoints');
    await queryRunner.dropTable('audit_events');
  }
}
