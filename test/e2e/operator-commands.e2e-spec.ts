import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { AddressInfo, createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createOperatorContext } from '../../src/cli/operator-context';
import { PendingMigrationsError } from '../../src/cli/migrated-data-source';
import { NoBackgroundJobs } from '../../src/cli/no-background-jobs';
import { rotateSigningKey } from '../../src/cli/rotate-signing-key';
import { RedisConnections } from '../../src/common/cluster/redis-connections';
import { BackgroundJobs } from '../../src/common/jobs/background-jobs';
import { validateEnvironment } from '../../src/config/env.schema';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { MIGRATIONS } from '../../src/database/migrations';
import { SigningKeysService } from '../../src/modules/tokens/signing-keys.service';
import { TokensModule } from '../../src/modules/tokens/tokens.module';
import { createTestApp } from '../utils/create-app';
import { createUser } from '../utils/factories';
import { testEnvironment } from '../utils/test-env';

/** A SQLite file of its own (operator commands are tested on SQLite in every run). */
const freshSqlitePath = () =>
  join(mkdtempSync(join(tmpdir(), 'tessera-operator-')), 'tessera.sqlite');

/** The app's settings for that file, as the command reads them from its environment. */
const settingsFor = (sqlitePath: string, extra: Record<string, string> = {}) =>
  testEnvironment({ DATABASE_URL: undefined, SQLITE_PATH: sqlitePath, ...extra });

/** Boots the service on the file (which migrates it and creates a key); the JWKS kids it serves. */
async function serviceKids(sqlitePath: string): Promise<string[]> {
  const t = await createTestApp(settingsFor(sqlitePath, { DB_MIGRATIONS_RUN: 'true' }));
  try {
    const jwks = await request(t.http).get('/.well-known/jwks.json').expect(200);
    return jwks.body.keys.map((key: { kid: string }) => key.kid);
  } finally {
    await t.close();
  }
}

/** A TCP port that counts connections: Redis, as far as a client that should not call it knows. */
async function connectionCounter(): Promise<{ url: string; count: () => number; close(): void }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    count: () => connections,
    close: () => server.close(),
  };
}

describe('operator commands (keys:rotate) on a context of their own', () => {
  it('rotates the signing key with the database only: no Redis, no HTTP, no background job', async () => {
    const sqlitePath = freshSqlitePath();
    const [before] = await serviceKids(sqlitePath);
    const redis = await connectionCounter();
    const timers = jest.spyOn(global, 'setInterval');
    try {
      const env = validateEnvironment(settingsFor(sqlitePath, { REDIS_URL: redis.url }));
      const context = await createOperatorContext(env, [TokensModule], { logger: false });
      let rotated: { retired: string | null; created: string };
      try {
        expect(context.get(BackgroundJobs)).toBeInstanceOf(NoBackgroundJobs);
        // SigningKeysService asked for its reload job; it was not started.
        expect((context.get(BackgroundJobs) as NoBackgroundJobs).skipped).toEqual([
          'Could not reload signing keys',
        ]);
        expect(() => context.get(RedisConnections, { strict: false })).toThrow();
        expect('getHttpServer' in context).toBe(false);
        rotated = await context.get(SigningKeysService).rotate();
        // A client connecting to Redis would be in by now.
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        await context.close();
      }
      expect(rotated.retired).toBe(before);
      expect(rotated.created).not.toBe(before);
      expect(redis.count()).toBe(0);
      expect(timers).not.toHaveBeenCalled();
      // The service, started again, signs with the new key and still publishes the old one.
      const t = await createTestApp(settingsFor(sqlitePath, { DB_MIGRATIONS_RUN: 'true' }));
      try {
        const user = await createUser(t, 'after-rotation');
        const header = JSON.parse(
          Buffer.from(user.accessToken.split('.')[0], 'base64url').toString(),
        );
        expect(header.kid).toBe(rotated.created);
        const jwks = await request(t.http).get('/.well-known/jwks.json').expect(200);
        expect(jwks.body.keys.map((key: { kid: string }) => key.kid).sort()).toEqual(
          [before, rotated.created].sort(),
        );
      } finally {
        await t.close();
      }
    } finally {
      timers.mockRestore();
      redis.close();
    }
  });

  it('refuses a database whose migrations have not all run, naming them, and changes nothing', async () => {
    const empty = freshSqlitePath();
    const refused = rotateSigningKey(validateEnvironment(settingsFor(empty)), { logger: false });
    await expect(refused).rejects.toThrow(PendingMigrationsError);
    await expect(refused).rejects.toThrow(
      new RegExp(
        `missing ${MIGRATIONS.length} migration\\(s\\): InitialSchema1763884800000, .*npm run migration:run`,
      ),
    );
    const partly = freshSqlitePath();
    await serviceKids(partly);
    const dataSource = new DataSource(
      buildDataSourceOptions({ sqlitePath: partly, migrationsRun: false }),
    );
    await dataSource.initialize();
    try {
      await dataSource.query(
        `DELETE FROM migrations WHERE name = 'BinaryIdCollation1765000900000'`,
      );
      const behind = rotateSigningKey(validateEnvironment(settingsFor(partly)), { logger: false });
      await expect(behind).rejects.toThrow(
        'The database is missing 1 migration(s): BinaryIdCollation1765000900000.',
      );
      const keys: { retired_at: string | null }[] = await dataSource.query(
        'SELECT retired_at FROM signing_keys',
      );
      expect(keys).toEqual([{ retired_at: null }]); // not rotated
    } finally {
      await dataSource.destroy();
    }
    // The empty file was opened, not migrated: it holds no table at all.
    const untouched = new DataSource(
      buildDataSourceOptions({ sqlitePath: empty, migrationsRun: false }),
    );
    await untouched.initialize();
    try {
      expect(await untouched.query(`SELECT name FROM sqlite_master WHERE type = 'table'`)).toEqual(
        [],
      );
    } finally {
      await untouched.destroy();
    }
  });

  it('runs as `npm run keys:rotate` does: prints the retired and created kids, exits 0', async () => {
    const sqlitePath = freshSqlitePath();
    const [before] = await serviceKids(sqlitePath);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    for (const [name, value] of Object.entries(settingsFor(sqlitePath))) {
      if (value !== undefined) env[name] = value;
    }
    // The built script is dist/src/cli/rotate-signing-key.js; the same file through ts-node here.
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/cli/rotate-signing-key.ts'],
      { env, cwd: join(__dirname, '../..') },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({ retired: before, created: expect.stringMatching(/^sk_/) });
  }, 60_000);
});
