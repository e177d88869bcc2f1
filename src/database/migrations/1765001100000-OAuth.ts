import { MigrationInterface, QueryRunner, Table, TableForeignKeyOptions } from 'typeorm';
import { idColumn } from '../id-columns';

/**
 * The OAuth 2.0 authorization server's tables: clients, the grants users consent to, and the
 * codes and refresh tokens issued under a grant (only their hashes). Deleting a client deletes its
 * grants, and a grant its codes and refresh tokens (foreign keys, ON DELETE CASCADE).
 */
export class OAuth1765001100000 implements MigrationInterface {
  name = 'OAuth1765001100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const id = (name: string, options: Parameters<typeof idColumn>[2] = {}) =>
      idColumn(queryRunner, name, options);
    const time = (name: string, isNullable = false) => ({
      name,
      type: 'datetime',
      precision: 3,
      isNullable,
    });
    const references = (
      name: string,
      column: string,
      table: string,
      referenced = 'id',
    ): TableForeignKeyOptions => ({
      name,
      columnNames: [column],
      referencedTableName: table,
      referencedColumnNames: [referenced],
      onDelete: 'CASCADE',
    });

    await queryRunner.createTable(
      new Table({
        name: 'oauth_clients',
        columns: [
          id('id', { length: 40, isPrimary: true }),
          id('organization_id'),
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'client_type', type: 'varchar', length: '20' },
          { name: 'redirect_uris', type: 'text' },
          { name: 'post_logout_redirect_uris', type: 'text' },
          { name: 'grant_types', type: 'text' },
          { name: 'scopes', type: 'text' },
          { name: 'secret_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'previous_secret_hash', type: 'varchar', length: '64', isNullable: true },
          time('previous_secret_expires_at', true),
          { name: 'first_party', type: 'boolean', default: false },
          { name: 'created_by', type: 'varchar', length: '80' },
          time('created_at'),
          time('updated_at'),
        ],
        indices: [{ name: 'ix_oauth_clients_org', columnNames: ['organization_id', 'id'] }],
        foreignKeys: [references('fk_oauth_clients_org', 'organization_id', 'organizations')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'oauth_grants',
        columns: [
          id('id', { isPrimary: true }),
          id('client_id', { length: 40 }),
          id('user_id'),
          id('organization_id'),
          { name: 'scopes', type: 'text' },
          time('created_at'),
          time('last_used_at', true),
        ],
        uniques: [
          {
            name: 'ux_oauth_grants_client_user_org',
            columnNames: ['client_id', 'user_id', 'organization_id'],
          },
        ],
        indices: [{ name: 'ix_oauth_grants_user', columnNames: ['user_id', 'id'] }],
        foreignKeys: [
          references('fk_oauth_grants_client', 'client_id', 'oauth_clients'),
          references('fk_oauth_grants_user', 'user_id', 'users'),
          references('fk_oauth_grants_org', 'organization_id', 'organizations'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'oauth_authorization_codes',
        columns: [
          { name: 'code_hash', type: 'varchar', length: '64', isPrimary: true },
          id('grant_id'),
          id('client_id', { length: 40 }),
          id('user_id'),
          id('organization_id'),
          { name: 'redirect_uri', type: 'text' },
          { name: 'scopes', type: 'text' },
          { name: 'code_challenge', type: 'varchar', length: '128', isNullable: true },
          { name: 'nonce', type: 'varchar', length: '512', isNullable: true },
          time('auth_time'),
          { name: 'amr', type: 'varchar', length: '50' },
          time('created_at'),
          time('expires_at'),
          time('used_at', true),
        ],
        indices: [{ name: 'ix_oauth_codes_grant', columnNames: ['grant_id'] }],
        foreignKeys: [references('fk_oauth_codes_grant', 'grant_id', 'oauth_grants')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'oauth_refresh_tokens',
        columns: [
          id('id', { isPrimary: true }),
          id('grant_id'),
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'scopes', type: 'text' },
          time('auth_time'),
          { name: 'amr', type: 'varchar', length: '50' },
          time('created_at'),
          time('expires_at'),
          time('used_at', true),
        ],
        uniques: [{ name: 'uq_oauth_refresh_tokens_hash', columnNames: ['token_hash'] }],
        indices: [{ name: 'ix_oauth_refresh_tokens_grant', columnNames: ['grant_id'] }],
        foreignKeys: [references('fk_oauth_refresh_tokens_grant', 'grant_id', 'oauth_grants')],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('oauth_refresh_tokens');
    await queryRunner.dropTable('oauth_authorization_codes');
    await queryRunner.dropTable('oauth_grants');
    await queryRunner.dropTable('oauth_clients');
  }
}
