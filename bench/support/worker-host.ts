// The e2e benchmark's worker role as a separate Node process (as production runs it: worker + outbox relay, prebuilt bundle).
import path from 'node:path';
import type { WorkerTuning } from '../../workers/worker';
import { exchange as exchangeWith, forkTypeScript, stopChild } from './ipc';
import type { SandboxSettings } from './sandbox-host';
import type { MetricSums } from './worker-metrics';

/** The ceiling's own task queue. */
export const NOOP_TASK_QUEUE = 'bench-noop';

export interface WorkerSetup {
  /** The environment the worker's loadConfig reads (database, Temporal, WORKER_* tuning, log level). */
  env: Record<string, string>;
  sandboxes: SandboxSettings;
  xeroCallsPerWindow: number;
  /** Where the workflow bundles and the worker's log go. */
  workDir: string;
}

/** What the SDK made of the tuning (its defaults filled in). */
export interface EffectiveWorkerOptions {
  tuning: WorkerTuning;
  maxCachedWorkflows: number;
  workflowTaskSlots: number | null;
  activityTaskSlots: number | null;
  localActivitySlots: number | null;
  workflowTaskPollers: number | null;
  activityTaskPollers: number | null;
  sequelizePoolMax: number;
  outboxPollIntervalMs: number;
}

export interface NoopCeilingResult {
  workflows: number;
  /** Concurrent starts per batch, as the outbox relay starts a claimed batch. */
  startBatch: number;
  startFailures: number;
  /** First start → last start answered. */
  startSeconds: number;
  /** First start → every workflow completed (seen through visibility, polled every 250 ms). */
  elapsedSeconds: number;
  workflowsPerSecond: number;
}

export interface WorkerUsage {
  rssMiB: number;
  heapUsedMiB: number;
}

export type WorkerRequest = ({ kind: 'setup' } & WorkerSetup) | { kind: 'ceiling'; workflows: number; startBatch: number } | { kind: 'platform' } | { kind: 'usage' } | { kind: 'metrics' };

export type WorkerReply =
  | { kind: 'ready'; bundleSeconds: number }
  | { kind: 'ceiling'; result: NoopCeilingResult }
  | { kind: 'platform'; options: EffectiveWorkerOptions }
  | { kind: 'usage'; usage: WorkerUsage }
  | { kind: 'metrics'; sums: MetricSums }
  | { kind: 'failed'; message: string };

export interface WorkerProcess {
  pid: number | undefined;
  logFile: string;
  bundleSeconds: number;
  ceiling(workflows: number, startBatch: number): Promise<NoopCeilingResult>;
  /** Starts the platform worker and the outbox relay. */
  startPlatform(): Promise<EffectiveWorkerOptions>;
  usage(): Promise<WorkerUsage>;
  /** The SDK's metrics so far (cumulative; diff two readings for a phase). */
  metrics(): Promise<MetricSums>;
  stop(): Promise<void>;
}

export async function startWorkerProcess(setup: WorkerSetup): Promise<WorkerProcess> {
  const child = forkTypeScript(path.join(__dirname, 'worker-process.ts'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exchange = async <K extends WorkerReply['kind']>(request: WorkerRequest, expected: K): Promise<Extract<WorkerReply, { kind: K }>> => {
    const reply = await exchangeWith<WorkerRequest, WorkerReply>(child, request, 'the worker process');
    if (reply.kind !== expected) throw new Error(`the worker process failed on ${request.kind}: ${reply.kind === 'failed' ? reply.message : reply.kind}`);
    return reply as Extract<WorkerReply, { kind: K }>;
  };
  try {
    const { bundleSeconds } = await exchange({ kind: 'setup', ...setup }, 'ready');
    return {
      pid: child.pid,
      logFile: path.join(setup.workDir, 'worker.log'),
      bundleSeconds,
      ceiling: async (workflows, startBatch) => (await exchange({ kind: 'ceiling', workflows, startBatch }, 'ceiling')).result,
      startPlatform: async () => (await exchange({ kind: 'platform' }, 'platform')).options,
      usage: async () => (await exchange({ kind: 'usage' }, 'usage')).usage,
      metrics: async () => (await exchange({ kind: 'metrics' }, 'metrics')).sums,
      // The worker drains on SIGTERM; its sync workflows only wait on timers, so that is quick.
      stop: () => stopChild(child, 30_000),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}
