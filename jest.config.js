/**
 * @swc/jest transpiles without type-checking, which keeps the suite fast; types are checked
 * once by `npm run typecheck` (tsc) in CI instead of once per test file by ts-jest.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/lib/'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  testTimeout: 120_000,
  maxWorkers: 2,
};
