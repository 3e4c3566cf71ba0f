// Starts the real test stack once per run: embedded PostgreSQL and the Temporal CLI dev server,
// unless TEST_DATABASE_URL / TEST_TEMPORAL_ADDRESS point at running ones. Fails loudly if either is missing.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createSequelize } from '../../lib/db';
import { startLocalPostgres } from '../../lib/local-stack/postgres';
import { freePort } from '../../lib/local-stack/ports';
import { startLocalTemporal } from '../../lib/local-stack/temporal-server';
import { createLogger } from '../../lib/logger';
import { createTemporalClient, registerSearchAttributes } from '../../lib/temporal';
import { migrateUp } from '../../migrations/migrator';

export interface TestStackHandle {
  stop(): Promise<void>;
}

export default async function globalSetup(): Promise<void> {
  const started = performance.now();
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', 'test-stack');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'platform-test-'));
  chmodSync(dataDir, 0o755); // enterable by the unprivileged user PostgreSQL runs as under root
  const stops: (() => Promise<void>)[] = [];
  (globalThis as { __testStack?: TestStackHandle }).__testStack = {
    async stop() {
      for (const stop of stops.reverse()) await stop();
    },
  };

  const [postgresResult, temporalResult] = await Promise.allSettled([
    process.env.TEST_DATABASE_URL
      ? undefined
      : startLocalPostgres({
          dataDir: path.join(dataDir, 'postgres'),
          database: 'platform_test',
          logger,
          settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
        }),
    process.env.TEST_TEMPORAL_ADDRESS
      ? undefined
      : startLocalTemporal({ dataDir: path.join(dataDir, 'temporal'), namespace: 'default', port: await freePort(), uiPort: await freePort(), cliPath: process.env.TEMPORAL_CLI_PATH, logger }),
  ]);
  const postgres = postgresResult.status === 'fulfilled' ? postgresResult.value : undefined;
  const temporal = temporalResult.status === 'fulfilled' ? temporalResult.value : undefined;
  if (postgres) stops.push(() => postgres.stop());
  if (temporal) stops.push(() => temporal.stop());
  const failures = [postgresResult, temporalResult].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    await (globalThis as { __testStack?: TestStackHandle }).__testStack!.stop();
    throw new Error(
      `The tests need a real PostgreSQL and a real Temporal server and could not start them:\n${failures.map((f) => (f.reason as Error).message).join('\n')}\n` +
        'Fix: run `npm run temporal:install` (needs Go), or set TEMPORAL_CLI_PATH, TEST_TEMPORAL_ADDRESS or TEST_DATABASE_URL.',
    );
  }

  const databaseUrl = process.env.TEST_DATABASE_URL ?? postgres!.url;
  const temporalAddress = process.env.TEST_TEMPORAL_ADDRESS ?? temporal!.address;
  const sequelize = createSequelize(databaseUrl, logger);
  await migrateUp(sequelize, logger);
  await sequelize.close();
  const client = createTemporalClient({ address: temporalAddress, namespace: 'default' });
  await registerSearchAttributes(client, logger);
  await client.connection.close();

  const bundlePath = path.join(dataDir, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => logger.error(m), log() {} } });
  writeFileSync(bundlePath, code);

  // Jest workers start after global setup and inherit these.
  process.env.TEST_DATABASE_URL = databaseUrl;
  process.env.TEST_TEMPORAL_ADDRESS = temporalAddress;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.TEST_DATA_DIR = dataDir;
  console.log(`\nTest stack ready in ${((performance.now() - started) / 1000).toFixed(1)} s: PostgreSQL ${new URL(databaseUrl).host}, Temporal ${temporalAddress}`);
}
