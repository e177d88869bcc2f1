import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

// Written with TypeORM's Table API (not raw SQL) so the same migration runs on SQLite and MySQL.
const id = (name = 'id'): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: '36',
  isPrimary: name === 'id',
});
const ref = (name: string, isNullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: '36',
  isNullable,
});
const time = (name: string, isNullable = false): TableColumnOptions => ({
  name,
  type: 'datetime',
  precision: 3,
  isNullable,
});
const text = (name: string, length: number, isNullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
});

export class InitialSchema1763884800000 implements MigrationInterface {
  name = 'InitialSchema1763884800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          id(),
          text('email', 320),
          text('full_name', 200),
          text('password_hash', 255),
          { name: 'totp_secret', type: 'text', isNullable: true },
          time('mfa_enabled_at', true),
          { name: 'totp_last_step', type: 'bigint', isNullable: true },
          time('created_at'),
        ],
        uniques: [{ name: 'uq_users_email', columnNames: ['email'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'organizations',
        columns: [
          id(),
          text('name', 200),
          text('plan', 20),
          { name: 'rate_limit_per_minute', type: 'integer', isNullable: true },
          { name: 'personal', type: 'boolean', default: false },
          time('created_at'),
          time('updated_at'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'memberships',
        columns: [
          id(),
          ref('organization_id'),
          ref('user_id'),
          text('role', 20),
          time('created_at'),
        ],
        uniques: [{ name: 'uq_memberships_org_user', columnNames: ['organization_id', 'user_id'] }],
        indices: [{ name: 'ix_memberships_user', columnNames: ['user_id'] }],
        foreignKeys: [
          {
            name: 'fk_memberships_org',
            columnNames: ['organization_id'],
            referencedTableName: 'organizations',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_memberships_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          id(),
          ref('user_id'),
          ref('organization_id'),
          text('amr', 50),
          time('created_at'),
          time('expires_at'),
          time('revoked_at', true),
          text('revoked_reason', 40, true),
        ],
        indices: [{ name: 'ix_sessions_user', columnNames: ['user_id'] }],
        foreignKeys: [
          {
            name: 'fk_sessions_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'refresh_tokens',
        columns: [
          id(),
          ref('session_id'),
          text('token_hash', 64),
          time('created_at'),
          time('expires_at'),
          time('used_at', true),
        ],
        uniques: [{ name: 'uq_refresh_tokens_hash', columnNames: ['token_hash'] }],
        indices: [{ name: 'ix_refresh_tokens_session', columnNames: ['session_id'] }],
        foreignKeys: [
          {
            name: 'fk_refresh_tokens_session',
            columnNames: ['session_id'],
            referencedTableName: 'sessions',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'revoked_access_tokens',
        columns: [{ ...id('jti'), isPrimary: true }, time('expires_at')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'signing_keys',
        columns: [
          { ...text('kid', 64), isPrimary: true },
          text('algorithm', 10),
          { name: 'public_jwk', type: 'text' },
          { name: 'private_key', type: 'text' },
          time('created_at'),
          time('retired_at', true),
          time('verify_until', true),
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'signing_keys',
      'revoked_access_tokens',
      'refresh_tokens',
      'sessions',
      'memberships',
      'organizations',
      'users',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
