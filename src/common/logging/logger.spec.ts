import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('createLogger', () => {
  it('never writes the statement or bound values of a failed query', () => {
    const { logger, lines } = capturingLogger();
    const failed = Object.assign(new Error('UNIQUE constraint failed: api_keys.key_hash'), {
      code: 'SQLITE_CONSTRAINT_UNIQUE',
      query: 'INSERT INTO users (email, password_hash) VALUES (?, ?)',
      parameters: ['alice@example.com', '$argon2id$v=19$secret-hash'],
      driverError: {
        code: 'ER_DUP_ENTRY',
        errno: 1062,
        sql: "INSERT INTO users VALUES ('alice@example.com', '$argon2id$v=19$secret-hash')",
      },
    });
    logger.warn({ err: failed }, 'write failed');
    const written = lines.join('');
    expect(written).toContain('write failed');
    expect(written).toContain('SQLITE_CONSTRAINT_UNIQUE');
    expect(written).toContain('ER_DUP_ENTRY');
    expect(written).not.toContain('secret-hash');
    expect(written).not.toContain('INSERT INTO');
  });
});
