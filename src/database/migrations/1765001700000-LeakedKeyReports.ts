import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Leaked-key reports from secret scanners: when a key was first reported (it was revoked then, or
 * only flagged), and what a report does to an organization's keys (`revoke`, the default for
 * every organization there is, or `flag`).
 */
export class LeakedKeyReports1765001700000 implements MigrationInterface {
  name = 'LeakedKeyReports1765001700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'api_keys',
      new TableColumn({
        name: 'leak_reported_at',
        type: 'datetime',
        precision: 3,
        isNullable: true,
      }),
    );
    await queryRunner.addColumn(
      'organizations',
      new TableColumn({
        name: 'leaked_key_policy',
        type: 'varchar',
        length: '10',
        default: "'revoke'",
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('organizations', 'leaked_key_policy');
    await queryRunner.dropColumn('api_keys', 'leak_reported_at');
  }
}
