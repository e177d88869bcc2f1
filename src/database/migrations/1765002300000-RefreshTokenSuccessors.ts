import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { idColumn } from '../id-columns';

const TABLES = ['refresh_tokens', 'oauth_refresh_tokens'];

/**
 * The refresh token each used one was replaced by: a client whose refresh answer was lost
 * presents the used token again, and within REFRESH_TOKEN_RETRY_GRACE_SECONDS it gets new tokens
 * in place of the successor it never received, if that successor is still unused.
 */
export class RefreshTokenSuccessors1765002300000 implements MigrationInterface {
  name = 'RefreshTokenSuccessors1765002300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await queryRunner.addColumn(
        table,
        new TableColumn(idColumn(queryRunner, 'replaced_by_id', { isNullable: true })),
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) await queryRunner.dropColumn(table, 'replaced_by_id');
  }
}
