import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { idColumn } from '../id-columns';

/**
 * The hosted login page's browser sessions: the cookie's token is kept only as its SHA-256. Each
 * stands on a login session (`sessions`) whose revocation ends it, and goes with that session or
 * its user (foreign keys, ON DELETE CASCADE: pruning an expired session removes it too).
 */
export class BrowserSessions1765001200000 implements MigrationInterface {
  name = 'BrowserSessions1765001200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const time = (name: string) => ({ name, type: 'datetime', precision: 3 });
    await queryRunner.createTable(
      new Table({
        name: 'browser_sessions',
        columns: [
          idColumn(queryRunner, 'id', { isPrimary: true }),
          { name: 'token_hash', type: 'varchar', length: '64' },
          idColumn(queryRunner, 'user_id'),
          idColumn(queryRunner, 'session_id'),
          time('auth_time'),
          { name: 'amr', type: 'varchar', length: '50' },
          time('created_at'),
          time('expires_at'),
          time('last_seen_at'),
        ],
        uniques: [{ name: 'uq_browser_sessions_token_hash', columnNames: ['token_hash'] }],
        indices: [{ name: 'ix_browser_sessions_session', columnNames: ['session_id'] }],
        foreignKeys: [
          {
            name: 'fk_browser_sessions_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_browser_sessions_session',
            columnNames: ['session_id'],
            referencedTableName: 'sessions',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('browser_sessions');
  }
}
