import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { idColumn } from '../id-columns';

/**
 * SAML SSO connections, and the email domains each claims: a domain is the primary key of
 * sso_connection_domains, so two connections (of any organizations) can never claim the same
 * one, even when two requests race. Deleting an organization deletes its connections, and a
 * connection its domains (ON DELETE CASCADE).
 */
export class SsoConnections1765001400000 implements MigrationInterface {
  name = 'SsoConnections1765001400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const id = (name: string, options: Parameters<typeof idColumn>[2] = {}) =>
      idColumn(queryRunner, name, options);
    const time = (name: string, isNullable = false) => ({
      name,
      type: 'datetime',
      precision: 3,
      isNullable,
    });
    const text = (name: string, isNullable = false) => ({ name, type: 'text', isNullable });

    await queryRunner.createTable(
      new Table({
        name: 'sso_connections',
        columns: [
          id('id', { isPrimary: true }),
          id('organization_id'),
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'provider', type: 'varchar', length: '20' },
          { name: 'idp_entity_id', type: 'varchar', length: '1024' },
          { name: 'idp_sso_url', type: 'varchar', length: '2048' },
          text('idp_certificates'),
          { name: 'idp_metadata_url', type: 'varchar', length: '2048', isNullable: true },
          time('metadata_fetched_at', true),
          text('domains'),
          text('attribute_mapping'),
          { name: 'default_role', type: 'varchar', length: '20' },
          text('group_role_mapping'),
          { name: 'update_role_on_login', type: 'boolean', default: false },
          { name: 'allow_idp_initiated', type: 'boolean', default: false },
          text('redirect_urls'),
          text('sp_signing_key', true),
          text('sp_signing_certificate', true),
          { name: 'created_by', type: 'varchar', length: '80' },
          time('created_at'),
          time('updated_at'),
        ],
        indices: [{ name: 'ix_sso_connections_org', columnNames: ['organization_id', 'id'] }],
        foreignKeys: [
          {
            name: 'fk_sso_connections_org',
            columnNames: ['organization_id'],
            referencedTableName: 'organizations',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'sso_connection_domains',
        columns: [
          // Lower-case ASCII (IDNs in their xn-- form): no collation question arises.
          { name: 'domain', type: 'varchar', length: '253', isPrimary: true },
          id('connection_id'),
          id('organization_id'),
        ],
        indices: [{ name: 'ix_sso_connection_domains_connection', columnNames: ['connection_id'] }],
        foreignKeys: [
          {
            name: 'fk_sso_connection_domains_connection',
            columnNames: ['connection_id'],
            referencedTableName: 'sso_connections',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sso_connection_domains');
    await queryRunner.dropTable('sso_connections');
  }
}
