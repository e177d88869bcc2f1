import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';
import { idColumn } from '../id-columns';

/**
 * SSO hardening: each claimed email domain carries the token its DNS TXT record must publish,
 * and when (and how) it was verified; sso_user_links remembers whom each connection provisioned,
 * the accounts it may sign in while its domain is unverified. Existing claims start unverified,
 * each with a token of its own.
 */
export class SsoDomainVerification1765001500000 implements MigrationInterface {
  name = 'SsoDomainVerification1765001500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('sso_connection_domains', [
      new TableColumn({
        name: 'verification_token',
        type: 'varchar',
        length: '64',
        isNullable: true,
      }),
      new TableColumn({ name: 'verified_at', type: 'datetime', precision: 3, isNullable: true }),
      new TableColumn({ name: 'verified_by', type: 'varchar', length: '20', isNullable: true }),
    ]);
    const claims = (await queryRunner.query('SELECT domain FROM sso_connection_domains')) as {
      domain: string;
    }[];
    for (const { domain } of claims) {
      await queryRunner.query(
        'UPDATE sso_connection_domains SET verification_token = ? WHERE domain = ?',
        [randomBytes(24).toString('base64url'), domain],
      );
    }

    await queryRunner.createTable(
      new Table({
        name: 'sso_user_links',
        columns: [
          idColumn(queryRunner, 'connection_id', { isPrimary: true }),
          idColumn(queryRunner, 'user_id', { isPrimary: true }),
          idColumn(queryRunner, 'organization_id'),
          { name: 'created_at', type: 'datetime', precision: 3 },
        ],
        indices: [{ name: 'ix_sso_user_links_user', columnNames: ['user_id'] }],
        foreignKeys: [
          {
            name: 'fk_sso_user_links_connection',
            columnNames: ['connection_id'],
            referencedTableName: 'sso_connections',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_sso_user_links_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sso_user_links');
    await queryRunner.dropColumn('sso_connection_domains', 'verified_by');
    await queryRunner.dropColumn('sso_connection_domains', 'verified_at');
    await queryRunner.dropColumn('sso_connection_domains', 'verification_token');
  }
}
