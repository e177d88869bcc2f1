/**
 * Five projects: unit specs live beside the code (pure rules), e2e specs boot the real app
 * against a real database, browser specs drive the hosted pages in Chromium against a listening
 * app (test/browser), sdk specs run the SDK (packages/sdk, its pure rules beside its code) and the
 * example resource server against a Tessera listening on a real port (test/sdk), cli specs run the
 * built `tessera` command as a subprocess against one (test/cli). `npm test` runs all five on
 * SQLite; TEST_DATABASE_URL points the e2e, browser, sdk and cli projects at MariaDB/MySQL.
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
// A few dependencies ship only ESM, which Jest on Node 20 cannot require, or load one with
// import(), which Jest cannot run without --experimental-vm-modules (@fastify/cookie loads the
// ESM-only `cookie`): compile them to CJS.
const esmOnly = ['content-disposition', '@fastify/cookie', 'cookie'];
const shared = {
  testEnvironment: 'node',
  rootDir: '.',
  transform: {
    '^.+\\.ts$': tsJest,
    [`node_modules/(${esmOnly.join('|')})/.+\\.js$`]: [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
};
module.exports = {
  maxWorkers: 2,
  // Global: a per-project testTimeout is ignored. API key usage tests may wait up to 20 s for a
  // fresh calendar hour (usage is counted in real hours; rate-limit tests move a TestClock).
  testTimeout: 30000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/security/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/utils/global-setup.ts',
    },
    {
      ...shared,
      displayName: 'sdk',
      testMatch: ['<rootDir>/packages/sdk/src/**/*.spec.ts', '<rootDir>/test/sdk/**/*.sdk-spec.ts'],
      globalSetup: '<rootDir>/test/utils/global-setup.ts',
      // The SDK's sources, as tsconfig.json's paths map them: no build needed before the tests.
      moduleNameMapper: {
        '^@tessera/sdk$': '<rootDir>/packages/sdk/src/index.ts',
        '^@tessera/sdk/nest$': '<rootDir>/packages/sdk/src/nest/index.ts',
      },
    },
    {
      ...shared,
      displayName: 'cli',
      testMatch: ['<rootDir>/test/cli/**/*.cli-spec.ts'],
      // Builds packages/sdk when dist/ is older than its sources: the tests run the built CLI.
      globalSetup: '<rootDir>/test/cli/build-cli.ts',
    },
    {
      ...shared,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      // Builds the console when console/dist is missing or older than its sources.
      globalSetup: '<rootDir>/test/browser/build-console.ts',
    },
  ],
};
