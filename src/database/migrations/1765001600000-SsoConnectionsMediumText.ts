import { MigrationInterface, QueryRunner } from 'typeorm';
import { isMysqlFamily } from '../id-columns';

/**
 * The JSON columns of a connection that its limits let grow past TEXT's 65,535 bytes on MySQL
 * and MariaDB: 100 groups of 256 characters (three bytes each in UTF-8) are 78 KB; 20 redirect
 * URLs of 2048 characters, 160 KB in four-byte characters; the certificates a metadata refresh
 * keeps through a rotation, up to five published ones plus those still in their overlap.
 * MEDIUMTEXT (16 MB) holds any of them. SQLite's TEXT has no such limit: nothing to do there.
 */
const COLUMNS = ['idp_certificates', 'group_role_mapping', 'redirect_urls'];

export class SsoConnectionsMediumText1765001600000 implements MigrationInterface {
  name = 'SsoConnectionsMediumText1765001600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await this.retype(queryRunner, 'MEDIUMTEXT');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await this.retype(queryRunner, 'TEXT');
  }

  private async retype(queryRunner: QueryRunner, type: 'MEDIUMTEXT' | 'TEXT'): Promise<void> {
    if (!isMysqlFamily(queryRunner)) return;
    const changes = COLUMNS.map((column) => `MODIFY \`${column}\` ${type} NOT NULL`).join(', ');
    await queryRunner.query(`ALTER TABLE \`sso_connections\` ${changes}`);
  }
}
