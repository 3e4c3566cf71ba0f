// Access to the shared test stack from inside test files: database, Temporal, config and a worker.
import path from 'node:path';
import { type Worker } from '@temporalio/worker';
import type { Sequelize } from 'sequelize';
import { loadConfig, type Config, type CurrentRmsApiSettings } from '../../lib/config';
import { createSequelize } from '../../lib/db';
import { createLogger } from '../../lib/logger';
import { connectWorkerConnection, createTemporalClient } from '../../lib/temporal';
import { createPlatformWorker, installTemporalRuntime } from '../../workers/worker';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: tests must run through jest's global setup (npm test).`);
  return value;
}

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test');

// The SDK's Runtime is one per process and may already exist from an earlier test file.
try {
  installTemporalRuntime(createLogger(process.env.TEST_LOG_LEVEL ?? 'error', 'temporal-sdk')); // expected activity failures log at warn
} catch {
  /* already installed */
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: path.join(required('TEST_DATA_DIR'), 'app'),
    DATABASE_URL: required('TEST_DATABASE_URL'),
    TEMPORAL_ADDRESS: required('TEST_TEMPORAL_ADDRESS'),
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-signing',
    ADMIN_EMAIL: 'admin@example.com',
    ADMIN_PASSWORD: 'admin-password-for-tests',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

export function openTestDatabase(): Sequelize {
  return createSequelize(required('TEST_DATABASE_URL'), testLogger, 20);
}

export function openTestTemporalClient() {
  return createTemporalClient({ address: required('TEST_TEMPORAL_ADDRESS'), namespace: 'default' });
}

/** Where activities reach Current RMS when a test does not care (nothing listens there). */
const UNUSED_CURRENT_RMS: CurrentRmsApiSettings = { apiUrl: 'http://127.0.0.1:9/api/v1', subdomain: 'unused', apiToken: 'unused' };

/** A real worker on the platform task queue, running the prebuilt bundle from the global setup. */
export async function startTestWorker(
  sequelize: Sequelize,
  options: { currentRms?: CurrentRmsApiSettings; address?: string } = {},
): Promise<{ worker: Worker; stop(): Promise<void> }> {
  const connection = await connectWorkerConnection({ address: options.address ?? required('TEST_TEMPORAL_ADDRESS'), namespace: 'default' });
  const worker = await createPlatformWorker({
    connection,
    namespace: 'default',
    sequelize,
    logger: testLogger,
    currentRms: options.currentRms ?? UNUSED_CURRENT_RMS,
    workflowBundlePath: required('TEST_WORKFLOW_BUNDLE'),
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
