import { MigrationInterface, QueryRunner } from 'typeorm';
import { isMysqlFamily } from '../id-columns';
import { collateIdColumns } from './1765000900000-BinaryIdCollation';

const EMAIL_COLUMNS = { users: ['email'] };

/**
 * Emails compared byte for byte on MySQL/MariaDB, as on SQLite. Their default collations ignore
 * accents: `alicé@example.com` found alice@example.com's account, so an administrator adding
 * one person by email gave another the role, and a password signed in under either address.
 * Emails are lower-cased before they are stored or looked up, so case needs no help from the
 * collation. The unique index holds: the binary collation only tells more addresses apart.
 */
export class ExactEmails1765002200000 implements MigrationInterface {
  name = 'ExactEmails1765002200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    if (!isMysqlFamily(queryRunner)) return;
    await collateIdColumns(queryRunner, EMAIL_COLUMNS, 'binary');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    if (!isMysqlFamily(queryRunner)) return;
    // Fails if two addresses now differ only by accents (the old unique index would refuse them).
    await collateIdColumns(queryRunner, EMAIL_COLUMNS, 'table default');
  }
}
