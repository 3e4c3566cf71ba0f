// Access to the shared test stack from inside test files: database, Temporal, config and a worker.
import path from 'node:path';
import type { Sequelize } from 'sequelize';
import { loadConfig, type Config, type CurrentRmsApiSettings } from '../../lib/config';
import type { IntegrationSystem } from '../../domain/integration-systems';
import type { SyncTargetSettings } from '../../integrations';
import { createSequelize } from '../../lib/db';
import { createLogger } from '../../lib/logger';
import { connectWorkerConnection, createTemporalClient } from '../../lib/temporal';
import { createPlatformWorker, installTemporalRuntime, type PlatformWorker } from '../../workers/worker';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: tests must run through jest's global setup (npm test).`);
  return value;
}

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test');

/**
 * Installs the platform's SDK Runtime before a worker connects. Only then: once installed, its log forwarding keeps the
 * process alive until the last worker connection closes, so a test file that starts no worker must not install it.
 * It is one per process and may already exist from an earlier connection.
 */
function installTestTemporalRuntime(): void {
  try {
    installTemporalRuntime(createLogger(process.env.TEST_LOG_LEVEL ?? 'error', 'temporal-sdk')); // expected activity failures log at warn
  } catch {
    /* already installed */
  }
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

/** Where activities reach an external system when a test does not care (nothing listens on port 9). */
const NOWHERE = 'http://127.0.0.1:9';
const UNUSED_SYSTEMS: { currentRms: CurrentRmsApiSettings } & SyncTargetSettings = {
  currentRms: { apiUrl: `${NOWHERE}/api/v1`, subdomain: 'unused', apiToken: 'unused' },
  salesforce: { loginUrl: NOWHERE, instanceUrl: undefined, clientId: 'unused', clientSecret: 'unused', jwt: undefined, apiVersion: '62.0', externalIdField: 'CurrentRMS_Id__c' },
  xero: { apiUrl: `${NOWHERE}/api.xro/2.0`, tokenUrl: `${NOWHERE}/connect/token`, clientId: 'unused', clientSecret: 'unused', tenantId: '' },
  monday: { apiUrl: `${NOWHERE}/v2`, apiToken: 'unused', boardId: '1', uidColumnId: 'unused' },
};

export interface TestWorkerOptions extends Partial<typeof UNUSED_SYSTEMS> {
  address?: string;
  /** None by default: webhook tests then start no sync workflows. */
  syncSystems?: IntegrationSystem[];
  syncIdleTimeoutMs?: number;
}

/** The real worker role (a worker on each platform task queue), running the prebuilt bundle from the global setup. */
export async function startTestWorker(sequelize: Sequelize, { address = required('TEST_TEMPORAL_ADDRESS'), syncSystems = [], syncIdleTimeoutMs = 2_000, ...systems }: TestWorkerOptions = {}): Promise<{ worker: PlatformWorker; stop(): Promise<void> }> {
  installTestTemporalRuntime();
  const connection = await connectWorkerConnection({ address, namespace: 'default' });
  const client = createTemporalClient({ address, namespace: 'default' });
  const worker = await createPlatformWorker({
    connection,
    namespace: 'default',
    sequelize,
    logger: testLogger,
    client,
    externalSystems: { ...UNUSED_SYSTEMS, ...systems },
    syncSystems,
    syncIdleTimeoutMs,
    workflowBundlePath: required('TEST_WORKFLOW_BUNDLE'),
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await client.connection.close();
    },
  };
}
