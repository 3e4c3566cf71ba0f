// `npm run worker`: the worker role (worker + outbox relay), against external PostgreSQL and Temporal (as production runs it).
import { existsSync } from 'node:fs';
import { loadConfig } from '../lib/config';
import { createSequelize } from '../lib/db';
import { createLogger } from '../lib/logger';
import { retryUntilReady } from '../lib/retry-until-ready';
import { connectWorkerConnection, createTemporalClient, temporalTarget } from '../lib/temporal';
import { startOutboxRelay } from './outbox-relay';
import { syncIdleTimeoutMs } from '../lib/sync-requests';
import { prepareNamespace, scheduleSettings } from './schedules';
import { createPlatformWorker, installTemporalRuntime, WORKFLOW_BUNDLE_PATH, workerTuning } from './worker';

async function main(): Promise<void> {
  const config = loadConfig(process.env, { requireExternalServices: true });
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  installTemporalRuntime(logger); // the SDK's Runtime drains the workers on SIGINT/SIGTERM
  const useBundle = config.NODE_ENV === 'production';
  if (useBundle && !existsSync(WORKFLOW_BUNDLE_PATH)) throw new Error(`No workflow bundle at ${WORKFLOW_BUNDLE_PATH}: run \`npm run build\`.`);

  const target = temporalTarget(config);
  const sequelize = createSequelize(config.DATABASE_URL!, logger);
  const client = createTemporalClient(target);
  // Temporal may be down when the worker starts (a restart, a deploy): wait for it rather than exit and crash-loop.
  const stopping = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stopping.abort());
  const waiting = { logger, signal: stopping.signal };
  const connection = await retryUntilReady('Connecting to Temporal', () => connectWorkerConnection(target), waiting);
  try {
    await retryUntilReady('Preparing the Temporal namespace', () => prepareNamespace(client, logger, scheduleSettings(config)), waiting);
    const worker = await createPlatformWorker({
      connection,
      namespace: target.namespace,
      sequelize,
      logger,
      client,
      externalSystems: { currentRms: config.currentRms!, salesforce: config.salesforce, xero: config.xero, monday: config.monday },
      syncSystems: config.SYNC_SYSTEMS,
      syncIdleTimeoutMs: syncIdleTimeoutMs(config),
      tuning: workerTuning(config),
      ...(useBundle ? { workflowBundlePath: WORKFLOW_BUNDLE_PATH } : {}),
    });
    const relay = startOutboxRelay({ sequelize, client, logger, pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS });
    logger.info({ taskQueues: worker.workers.map(({ options }) => options.taskQueue), bundle: useBundle }, 'worker and outbox relay running');
    try {
      await worker.run();
    } finally {
      await relay.stop();
    }
  } finally {
    await connection.close();
    await client.connection.close();
    await sequelize.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
