// Jest for the fault-injection suite only (npm run test:chaos): test/chaos/*.chaos.ts, which starts and breaks its own PostgreSQL and Temporal.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/chaos'],
  testMatch: ['**/*.chaos.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testTimeout: 15 * 60_000,
  maxWorkers: 1,
  verbose: true,
};
