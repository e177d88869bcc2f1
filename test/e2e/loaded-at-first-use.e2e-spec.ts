import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { testEnvironment } from '../utils/test-env';

/**
 * Libraries most instances never use are loaded at their first use, not at start (issue #19):
 * the SAML stack at the first SSO request, mysql2 on MySQL/MariaDB only, ioredis with REDIS_URL
 * only; together ~8.5 MB of heap. A top-level import of any of them would undo that without a
 * test failing anywhere else: this starts the app in a process of its own (SQLite, no Redis, no
 * SSO connection) and lists the packages it loaded.
 */
const LOADED_AT_FIRST_USE = [
  '@node-saml/node-saml',
  '@xmldom/xmldom',
  'xml-crypto',
  'xpath',
  'mysql2',
  'ioredis',
];

const CHILD = `
require('reflect-metadata');
const { createApp } = require('./src/app.factory');
createApp().then(async (app) => {
  const loaded = Object.keys(require.cache);
  await app.close();
  process.stdout.write(JSON.stringify(loaded));
});
`;

describe('libraries loaded at first use', () => {
  it('leaves the SAML stack, mysql2 and ioredis unloaded on an instance that uses none', async () => {
    // On SQLite whatever TEST_DATABASE_URL says: on MySQL, mysql2 is loaded at start.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    for (const [name, value] of Object.entries(testEnvironment({ DATABASE_URL: undefined }))) {
      if (value !== undefined) env[name] = value;
    }
    env.DB_MIGRATIONS_RUN = 'true';
    env.LOG_LEVEL = 'warn';
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', CHILD], {
      env,
      cwd: join(__dirname, '../..'),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const packages = new Set(
      (JSON.parse(stdout) as string[]).flatMap((file) => {
        const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
        return match ? [match[1]] : [];
      }),
    );
    // The check sees what the app loads: its database driver and framework are there.
    expect([...packages]).toEqual(expect.arrayContaining(['better-sqlite3', '@nestjs/core']));
    expect(LOADED_AT_FIRST_USE.filter((name) => packages.has(name))).toEqual([]);
  }, 60_000);
});
