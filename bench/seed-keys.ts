// Many API keys at once, written straight to an instance's database: the cold-key rows present
// 20,000 keys once each and the memory check 100,000, and through the API (an audit event and a
// request each) making them would take minutes. Each is a copy of a key made through the API
// (same organization, owner, scopes and limit) with a secret and hash of its own, hashed with
// the instance's pepper exactly as the service hashes them (src/modules/api-keys).
import Database from 'better-sqlite3';
import type { ConfigService } from '@nestjs/config';
import { createConnection } from 'mysql2/promise';
import { MasterKeyService } from '../src/common/crypto/master-key';
import type { EnvironmentVariables } from '../src/config/env.schema';
import { API_KEY_ID_PREFIX, prefixedId } from '../src/common/ids';
import { generateApiKey } from '../src/modules/api-keys/api-key-format';
import { ApiKeyPepper } from '../src/modules/api-keys/api-key-pepper';

/** Where an instance keeps its data: the SQLite file, or a MariaDB database. */
export type KeyStore = { sqlitePath: string } | { mysqlUrl: string };

const ROWS_PER_STATEMENT = 1_000;

function pepperOf(masterKey: string): ApiKeyPepper {
  const config = { get: (name: string) => (name === 'TESSERA_MASTER_KEY' ? masterKey : undefined) };
  return new ApiKeyPepper(
    new MasterKeyService(config as unknown as ConfigService<EnvironmentVariables, true>),
  );
}

type Row = Record<string, unknown>;

/** `count` keys like the key `templateId`; the secrets, in the order written. */
export async function seedKeys(
  store: KeyStore,
  masterKey: string,
  templateId: string,
  count: number,
): Promise<string[]> {
  const pepper = pepperOf(masterKey);
  const secrets: string[] = [];
  const copyOf = (template: Row, index: number): Row => {
    const { key, start } = generateApiKey('tk', 'live');
    secrets.push(key);
    return {
      ...template,
      id: prefixedId(API_KEY_ID_PREFIX),
      name: `seeded-${index}`,
      key_hash: pepper.hash(key),
      start,
    };
  };
  if ('sqlitePath' in store) {
    const db = new Database(store.sqlitePath);
    try {
      db.pragma('busy_timeout = 10000');
      const template = db.prepare('SELECT * FROM api_keys WHERE id = ?').get(templateId) as Row;
      const columns = Object.keys(template);
      const insert = db.prepare(
        `INSERT INTO api_keys (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
      );
      db.transaction(() => {
        for (let i = 0; i < count; i++) insert.run(copyOf(template, i));
      })();
    } finally {
      db.close();
    }
    return secrets;
  }
  const connection = await createConnection(store.mysqlUrl.replace(/^mariadb:/, 'mysql:'));
  try {
    const [found] = await connection.query('SELECT * FROM api_keys WHERE id = ?', [templateId]);
    const template = (found as Row[])[0];
    const columns = Object.keys(template);
    for (let done = 0; done < count; done += ROWS_PER_STATEMENT) {
      const rows: unknown[][] = [];
      for (let i = done; i < Math.min(count, done + ROWS_PER_STATEMENT); i++) {
        const row = copyOf(template, i);
        rows.push(columns.map((column) => row[column]));
      }
      await connection.query(`INSERT INTO api_keys (${columns.join(', ')}) VALUES ?`, [rows]);
    }
  } finally {
    await connection.end();
  }
  return secrets;
}
