// Entry point of the e2e benchmark's worker process: the platform worker + outbox relay as workers/main.ts runs them, and the no-op ceiling.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { BUSINESS_KEY, EVENT_TYPE, OPPORTUNITY_ID } from '../../domain/search-attributes';
import { eventBusinessKey } from '../../domain/webhook-events';
import { createSyncConnectors } from '../../integrations';
import { XeroConnector } from '../../integrations/xero/connector';
import { RateLimiter } from '../../integrations/xero/rate-limiter';
import { loadConfig, type Config } from '../../lib/config';
import { freePort } from '../../lib/local-stack/ports';
import { createSequelize } from '../../lib/db';
import type { Logger } from '../../lib/logger';
import { syncIdleTimeoutMs } from '../../lib/sync-requests';
import { connectWorkerConnection, createTemporalClient, temporalTarget } from '../../lib/temporal';
import { startOutboxRelay } from '../../workers/outbox-relay';
import { createPlatformWorker, installTemporalRuntime, workerTuning, workerTuningOptions } from '../../workers/worker';
import type { benchNoop } from './noop-workflow';
import { NOOP_TASK_QUEUE, type EffectiveWorkerOptions, type NoopCeilingResult, type WorkerReply, type WorkerRequest, type WorkerSetup } from './worker-host';
import { parsePrometheus } from './worker-metrics';

/** The relay abandons a start after this long; so does the ceiling's starter. */
const START_DEADLINE_MS = 10_000;

interface State {
  setup: WorkerSetup;
  config: Config;
  logger: Logger;
  sequelize: Sequelize;
  client: Client;
  connection: NativeConnection;
  platformBundle: string;
  noopBundle: string;
  metricsUrl: string;
  stops: (() => Promise<void>)[];
}

let state: State | undefined;

const reply = (message: WorkerReply) => process.send!(message);

async function setUp(setup: WorkerSetup): Promise<{ state: State; bundleSeconds: number }> {
  const config = loadConfig(setup.env, { requireExternalServices: false });
  const logger = pino({ name: 'worker', level: config.LOG_LEVEL }, pino.destination({ dest: path.join(setup.workDir, 'worker.log'), sync: false }));
  const metricsPort = await freePort();
  // The parent stops this process (we drain the worker ourselves); the SDK's metrics tell where tasks waited.
  installTemporalRuntime(logger, [], { prometheusBindAddress: `127.0.0.1:${metricsPort}` });
  const started = performance.now();
  // Production runs a bundle prebuilt by `npm run build`; so does the benchmark (built here, before anything is measured).
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: (message: string) => logger.error(message), log() {} };
  const [platform, noop] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quiet }),
    bundleWorkflowCode({ workflowsPath: require.resolve('./noop-workflow'), logger: quiet }),
  ]);
  const platformBundle = path.join(setup.workDir, 'workflow-bundle.js');
  const noopBundle = path.join(setup.workDir, 'noop-bundle.js');
  writeFileSync(platformBundle, platform.code);
  writeFileSync(noopBundle, noop.code);
  const bundleSeconds = (performance.now() - started) / 1000;

  const target = temporalTarget(config);
  const sequelize = createSequelize(config.DATABASE_URL!, logger);
  const client = createTemporalClient(target);
  const connection = await connectWorkerConnection(target);
  const stops = [() => sequelize.close(), () => client.connection.close(), () => connection.close()];
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  return { state: { setup, config, logger, sequelize, client, connection, platformBundle, noopBundle, metricsUrl, stops }, bundleSeconds };
}

/** Starts `workflows` no-op workflows in batches of `startBatch` concurrent starts (as the relay starts a claimed batch) and waits for all to complete. */
async function noopCeiling({ config, client, connection, noopBundle }: State, workflows: number, startBatch: number): Promise<NoopCeilingResult> {
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: NOOP_TASK_QUEUE,
    workflowBundle: { codePath: noopBundle },
    activities: { noop: async () => {} },
    ...workerTuningOptions(workerTuning(config)),
  });
  const running = worker.run();
  try {
    const run = randomUUID().slice(0, 8);
    const queue = Array.from({ length: workflows }, (_, index) => index);
    let startFailures = 0;
    const started = performance.now();
    while (queue.length > 0) {
      const batch = queue.splice(0, startBatch);
      const settled = await Promise.allSettled(
        batch.map((index) => {
          const eventId = `${run}-${index}`;
          return client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
            client.workflow.start<typeof benchNoop>('benchNoop', {
              workflowId: `bench-noop-${eventId}`,
              taskQueue: NOOP_TASK_QUEUE,
              args: [{ eventId }],
              workflowIdConflictPolicy: 'USE_EXISTING',
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
              typedSearchAttributes: [
                { key: BUSINESS_KEY, value: eventBusinessKey(eventId) },
                { key: EVENT_TYPE, value: 'opportunity_update' },
                { key: OPPORTUNITY_ID, value: String((index % 1000) + 1) },
              ],
            }),
          );
        }),
      );
      settled.forEach((outcome, position) => {
        if (outcome.status === 'fulfilled') return;
        startFailures++;
        queue.push(batch[position]!); // started again in a later batch, as the relay does on its next pass
      });
    }
    const startSeconds = (performance.now() - started) / 1000;
    // Each benchmark run has its own Temporal server: every completed benchNoop is one of ours.
    const query = 'WorkflowType = "benchNoop" AND ExecutionStatus = "Completed"';
    while ((await client.workflow.count(query)).count < workflows) await sleep(250);
    const elapsedSeconds = (performance.now() - started) / 1000;
    return { workflows, startBatch, startFailures, startSeconds, elapsedSeconds, workflowsPerSecond: workflows / elapsedSeconds };
  } finally {
    worker.shutdown();
    await running;
  }
}

function numberAt(value: unknown, ...keys: string[]): number | null {
  let current = value;
  for (const key of keys) current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return typeof current === 'number' ? current : null;
}

async function startPlatform(current: State): Promise<EffectiveWorkerOptions> {
  const { config, logger, sequelize, client, connection, setup, platformBundle, stops } = current;
  const tuning = workerTuning(config);
  const { sandboxes } = setup;
  const worker = await createPlatformWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    sequelize,
    logger,
    client,
    externalSystems: sandboxes,
    connectors: {
      ...createSyncConnectors(sandboxes),
      // One limiter for the tenant, as the connector builds it, but with the lifted sandbox's per-minute window.
      xero: new XeroConnector(sandboxes.xero, { limiter: new RateLimiter({ maxConcurrent: 5, maxPerWindow: setup.xeroCallsPerWindow, windowMs: 60_000 }) }),
    },
    syncSystems: config.SYNC_SYSTEMS,
    syncIdleTimeoutMs: syncIdleTimeoutMs(config),
    workflowBundlePath: platformBundle,
    tuning,
  });
  const running = worker.run();
  running.catch((error: unknown) => {
    logger.fatal({ err: error }, 'worker stopped unexpectedly');
    process.exit(1);
  });
  const relay = startOutboxRelay({ sequelize, client, logger, pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS });
  stops.unshift(async () => {
    await relay.stop();
    worker.shutdown();
    await running;
  });
  const options = worker.workers[0]!.options; // every task queue's worker has the same settings
  return {
    tuning,
    maxCachedWorkflows: options.maxCachedWorkflows,
    workflowTaskSlots: numberAt(options.tuner, 'workflowTaskSlotSupplier', 'numSlots'),
    activityTaskSlots: numberAt(options.tuner, 'activityTaskSlotSupplier', 'numSlots'),
    localActivitySlots: numberAt(options.tuner, 'localActivityTaskSlotSupplier', 'numSlots'),
    workflowTaskPollers: numberAt(options.workflowTaskPollerBehavior, 'maximum'),
    activityTaskPollers: numberAt(options.activityTaskPollerBehavior, 'maximum'),
    sequelizePoolMax: sequelize.config.pool?.max ?? Number.NaN,
    outboxPollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
  };
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  if (request.kind === 'setup') {
    const { state: ready, bundleSeconds } = await setUp(request);
    state = ready;
    return { kind: 'ready', bundleSeconds };
  }
  if (!state) throw new Error(`${request.kind} before setup`);
  switch (request.kind) {
    case 'ceiling':
      return { kind: 'ceiling', result: await noopCeiling(state, request.workflows, request.startBatch) };
    case 'platform':
      return { kind: 'platform', options: await startPlatform(state) };
    case 'metrics':
      return { kind: 'metrics', sums: parsePrometheus(await (await fetch(state.metricsUrl)).text()) };
    case 'usage': {
      const memory = process.memoryUsage();
      return { kind: 'usage', usage: { rssMiB: memory.rss / 2 ** 20, heapUsedMiB: memory.heapUsed / 2 ** 20 } };
    }
  }
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const step of state?.stops ?? []) await step().catch(() => undefined);
  process.exit(0);
}

process.on('message', (request: WorkerRequest) => {
  handle(request).then(reply, (error: unknown) => reply({ kind: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
});
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
