// The worker role's Temporal workers: one per task queue (events, syncs), each registering every workflow and activity.
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type LogLevel, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Sequelize } from 'sequelize';
import { createActivities } from '../activities';
import { ErrorCastingInterceptor } from '../activities/error-casting';
import { createSyncConnectors, type SyncConnectors, type SyncTargetSettings } from '../integrations';
import { CurrentRmsClient } from '../integrations/current-rms/client';
import { WORKER_TUNING_DEFAULTS, type Config, type CurrentRmsApiSettings } from '../lib/config';
import { LONGEST_ACTIVITY_ATTEMPT_MS } from '../domain/activity-policies';
import type { IntegrationSystem } from '../domain/integration-systems';
import { PLATFORM_TASK_QUEUES } from '../domain/task-queues';
import type { Logger } from '../lib/logger';

export interface PlatformWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  sequelize: Sequelize;
  logger: Logger;
  /** Where each external system is reached (the real one, or a sandbox under `npm start`). */
  externalSystems: { currentRms: CurrentRmsApiSettings } & Partial<SyncTargetSettings>;
  /** The sync targets webhooks and reconciliation drive (SYNC_SYSTEMS); each needs its settings above. */
  syncSystems: readonly IntegrationSystem[];
  /** For activities that signal other workflows. */
  client: Client;
  syncIdleTimeoutMs: number;
  /** A prebuilt bundle (`npm run build`); without it the workflows are bundled at start-up. */
  workflowBundlePath?: string;
  /** Slots and cache of each task queue's worker (WORKER_* settings); WORKER_TUNING_DEFAULTS when omitted. */
  tuning?: WorkerTuning;
  /** The sync targets' connectors; by default built from `externalSystems` (the e2e benchmark passes its own). */
  connectors?: SyncConnectors;
}

/** How much work each task queue's worker takes on at once, and how many workflows it keeps in memory between tasks. */
export interface WorkerTuning {
  maxConcurrentActivities: number;
  maxConcurrentWorkflowTasks: number;
  /** 0: no sticky cache. */
  maxCachedWorkflows: number;
  /** Concurrent polls: each brings one task, so with a slow server these bound how fast tasks arrive. */
  workflowTaskPollers: number;
  activityTaskPollers: number;
}

export const workerTuning = (config: Config): WorkerTuning => ({
  maxConcurrentActivities: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
  maxConcurrentWorkflowTasks: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
  maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  workflowTaskPollers: config.WORKER_WORKFLOW_TASK_POLLERS,
  activityTaskPollers: config.WORKER_ACTIVITY_TASK_POLLERS,
});

/** The Worker.create options a tuning sets (shared with the e2e benchmark's no-op ceiling worker). */
export function workerTuningOptions(
  tuning: WorkerTuning,
): Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows' | 'workflowTaskPollerBehavior' | 'activityTaskPollerBehavior'> {
  return {
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTasks,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.workflowTaskPollers },
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.activityTaskPollers },
  };
}

/** In-flight activities get this long to finish after a shutdown request. */
export const SHUTDOWN_GRACE_MS = LONGEST_ACTIVITY_ATTEMPT_MS + 15_000;

export const WORKFLOW_BUNDLE_PATH = path.resolve(__dirname, '..', 'workflow-bundle.js');

/** One Temporal worker per task queue; they share the activities (so each SaaS's rate limiter) and the workflow code. */
export interface PlatformWorker {
  /** In the order of PLATFORM_TASK_QUEUES. */
  workers: readonly Worker[];
  /** Runs them all until shutdown; when one fails the others are shut down, and the failure is rethrown. */
  run(): Promise<void>;
  /** Starts the graceful shutdown of every one still running. */
  shutdown(): void;
}

export async function createPlatformWorker(options: PlatformWorkerOptions): Promise<PlatformWorker> {
  const activities = createActivities({
    sequelize: options.sequelize,
    currentRms: new CurrentRmsClient(options.externalSystems.currentRms),
    syncSystems: options.syncSystems,
    connectors: options.connectors ?? createSyncConnectors(options.externalSystems),
    temporal: options.client,
    syncIdleTimeoutMs: options.syncIdleTimeoutMs,
  });
  // Bundled once for both workers when there is no prebuilt bundle, logging through the Runtime's logger (pino).
  const workflowBundle = options.workflowBundlePath
    ? { codePath: options.workflowBundlePath }
    : await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: Runtime.instance().logger });
  const created = await Promise.allSettled(
    PLATFORM_TASK_QUEUES.map((taskQueue) =>
      Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue,
        activities,
        interceptors: { activity: [() => ({ inbound: new ErrorCastingInterceptor() })] },
        workflowBundle,
        shutdownGraceTime: SHUTDOWN_GRACE_MS,
        ...workerTuningOptions(options.tuning ?? WORKER_TUNING_DEFAULTS),
      }),
    ),
  );
  const workers = created.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = created.find((result) => result.status === 'rejected');
  if (failure) {
    // A created worker holds the connection until it has run: start and stop it, so the caller can close the connection.
    await Promise.allSettled(
      workers.map((worker) => {
        const running = worker.run();
        worker.shutdown();
        return running;
      }),
    );
    throw failure.reason;
  }
  const shutdown = () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  return {
    workers,
    shutdown,
    async run() {
      const runs = workers.map((worker) => worker.run());
      try {
        await Promise.all(runs);
      } catch (error) {
        shutdown();
        await Promise.allSettled(runs);
        throw error;
      }
    },
  };
}

const SDK_LOG_LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN' };

/**
 * Routes the Temporal SDK's own log lines into pino, the native core's warnings and errors included (without
 * `logging.forward` core writes raw text to stdout, outside the log pipeline); `shutdownSignals: []` means the
 * caller handles signals. `prometheusBindAddress` (host:port) serves the SDK's worker metrics at /metrics (the e2e
 * benchmark reads them).
 */
export function installTemporalRuntime(logger: Logger, shutdownSignals?: NodeJS.Signals[], { prometheusBindAddress }: { prometheusBindAddress?: string } = {}): void {
  const temporalLogger = new DefaultLogger(SDK_LOG_LEVELS[logger.level] ?? 'ERROR', (entry) => {
    const level = entry.level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    logger[level]({ ...entry.meta, component: 'temporal-sdk' }, entry.message);
  });
  Runtime.install({
    logger: temporalLogger,
    ...(shutdownSignals ? { shutdownSignals } : {}),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      ...(prometheusBindAddress ? { metrics: { prometheus: { bindAddress: prometheusBindAddress } } } : {}),
    },
  });
}
