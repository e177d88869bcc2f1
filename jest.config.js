/**
 * Three projects: unit specs live beside the code (pure rules), e2e specs boot the real app
 * against a real database, browser specs drive the hosted pages in Chromium against a listening
 * app (test/browser). `npm test` runs all three on SQLite; TEST_DATABASE_URL points the e2e and
 * browser projects at MariaDB/MySQL instead.
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
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      globalSetup: '<rootDir>/test/utils/global-setup.ts',
    },
  ],
};
