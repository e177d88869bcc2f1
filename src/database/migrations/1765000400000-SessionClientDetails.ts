import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * What GET /v1/auth/sessions shows of a session: where it signed in from (address and user agent,
 * taken at sign-in) and when it was last refreshed. Nullable: sessions opened before this
 * migration have none of them.
 */
export class SessionClientDetails1765000400000 implements MigrationInterface {
  name = 'SessionClientDetails1765000400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('sessions', [
      new TableColumn({ name: 'ip', type: 'varchar', length: '45', isNullable: true }),
      new TableColumn({ name: 'user_agent', type: 'varchar', length: '300', isNullable: true }),
      new TableColumn({ name: 'last_used_at', type: 'datetime', precision: 3, isNullable: true }),
    ]);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('sessions', ['last_used_at', 'user_agent', 'ip']);
  }
}
