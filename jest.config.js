// Jest: SWC-transpiled TypeScript; one shared real PostgreSQL + Temporal dev server per run (global setup).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/end-leftover-workflows.ts'],
  testTimeout: 60_000,
  maxWorkers: 1,
  verbose: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
