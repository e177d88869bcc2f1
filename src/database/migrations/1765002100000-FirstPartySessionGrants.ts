import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { idColumn } from '../id-columns';

const INDEX = 'ix_sessions_oauth_grant';

/**
 * The grant a first-party client's session came from (Tessera's console signs in through its
 * own authorization code grant): ending the grant, or a reuse of its code, ends the session too.
 */
export class FirstPartySessionGrants1765002100000 implements MigrationInterface {
  name = 'FirstPartySessionGrants1765002100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'sessions',
      new TableColumn(idColumn(queryRunner, 'oauth_grant_id', { isNullable: true })),
    );
    await queryRunner.createIndex(
      'sessions',
      new TableIndex({ name: INDEX, columnNames: ['oauth_grant_id'] }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('sessions', INDEX);
    await queryRunner.dropColumn('sessions', 'oauth_grant_id');
  }
}
