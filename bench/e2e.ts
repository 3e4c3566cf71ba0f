// `npm run bench:e2e`: webhooks → processWebhookEvent → syncs to all three sandboxes, against the same-run ceiling of no-op workflows (issue 5, benchmarks 2 and 3).
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { PLATFORM_TASK_QUEUES } from '../domain/task-queues';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createTemporalClient, registerSearchAttributes } from '../lib/temporal';
import { E2E_USAGE, parseE2eBenchOptions, type E2eBenchOptions } from './support/e2e-options';
import { diagnostics, eventStatusCounts, eventTimings, linksAtFinalVersion, refreshOutcomes, syncExecutions } from './support/e2e-queries';
import { E2E_GOAL, formatE2eReport, type E2eBenchResult, type E2eRun, type PhaseCpu } from './support/e2e-report';
import { measureProcessTrees } from './support/process-cpu';
import { machineInfo, writeBenchResult } from './support/report';
import { measureResources } from './support/resources';
import { startSandboxWorld, type SandboxWorld, type Sent } from './support/sandbox-host';
import { startIngestStack, type IngestStack } from './support/stack';
import { startBenchTemporal } from './support/temporal-server';
import { countWhenVisible, historyByKind, temporalWork } from './support/temporal-work';
import { NOOP_TASK_QUEUE, startWorkerProcess, type WorkerProcess } from './support/worker-host';
import { diffMetrics, gauges, higherGauges, phaseMetrics, type GaugePeaks } from './support/worker-metrics';

/** Runs per workflow type whose histories are read at the end, to show where a run's history goes. */
const HISTORY_SAMPLED_TYPES = ['benchNoop', 'processWebhookEvent', 'opportunitySync'];
const HISTORY_SAMPLE = 200;

const SYSTEMS = 3;
const POLL_MS = 250;
const PROGRESS_EVERY_MS = 5_000;
/** With every event processed, links that stop moving for this long will not move again (failed syncs wait for reconcile, which is off). */
const STALL_MS = 120_000;
const FIRST_ACTION_ID = 1_000_000_000;

const progress = (message: string) => console.error(`[bench:e2e] ${message}`);

interface Parts {
  stack: IngestStack;
  temporalPidFile: string;
  client: Client;
  world: SandboxWorld;
  worker: WorkerProcess;
}

/** Measures the CPU of every part of the stack (and the machine) over one phase. */
function measurePhase(parts: Parts): () => PhaseCpu {
  const pidFile = (file: string) => (existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined);
  const trees = measureProcessTrees({
    worker: parts.worker.pid,
    postgres: pidFile(path.join(parts.stack.postgresClusterDir, 'postmaster.pid')),
    temporal: pidFile(parts.temporalPidFile),
    sandboxes: parts.world.pid,
  });
  const resources = measureResources();
  return () => {
    const cpu = trees();
    const own = resources();
    return { ...cpu, api: own.apiProcessCores, apiEventLoopUtilization: own.apiEventLoopUtilization, machine: own.machineBusy * os.cpus().length };
  };
}

/** Sends the webhooks and polls PostgreSQL until every event is processed and every link holds its opportunity's last version. */
async function endToEnd(parts: Parts, options: E2eBenchOptions): Promise<E2eRun & { peaks: GaugePeaks | null }> {
  const { stack, world, worker, client } = parts;
  const { sequelize } = stack;
  const linksExpected = options.opportunities * SYSTEMS;
  const cpuDone = measurePhase(parts);
  const requestedAt = Date.now();
  let sent: Sent | undefined;
  let sendError: Error | undefined;
  const sending = world.send({ webhookUrl: stack.webhookUrl, events: options.events, ratePerSecond: options.rate, maxSockets: options.maxSockets }).then(
    (result) => (sent = result),
    (error: unknown) => (sendError = error instanceof Error ? error : new Error(String(error))),
  );

  let finishedAtMs: number | undefined;
  let linksDone = 0;
  let lastLinkProgress = { count: -1, at: Date.now() };
  let nextProgress = Date.now() + PROGRESS_EVERY_MS;
  let peaks: GaugePeaks | null = null;
  let statuses = await eventStatusCounts(sequelize);
  while (Date.now() - requestedAt < options.timeoutMs) {
    if (sendError) throw sendError;
    statuses = await eventStatusCounts(sequelize);
    const processed = statuses.processed ?? 0;
    const settled = processed + (statuses.failed ?? 0) + (statuses.ignored ?? 0);
    if (sent && settled >= options.events) {
      linksDone = await linksAtFinalVersion(sequelize, sent.finalVersions);
      if (linksDone !== lastLinkProgress.count) lastLinkProgress = { count: linksDone, at: Date.now() };
      if (processed === options.events && linksDone === linksExpected) {
        finishedAtMs = Date.now();
        break;
      }
      if (Date.now() - lastLinkProgress.at > STALL_MS) {
        progress(`no link moved for ${STALL_MS / 1000} s with every event settled: giving up`);
        break;
      }
    }
    if (Date.now() >= nextProgress) {
      nextProgress += PROGRESS_EVERY_MS;
      peaks = higherGauges(peaks, gauges(await worker.metrics(), PLATFORM_TASK_QUEUES));
      const received = Object.values(statuses).reduce((sum, count) => sum + count, 0);
      progress(`${((Date.now() - requestedAt) / 1000).toFixed(0)} s: ${received} received, ${JSON.stringify(statuses)}${sent ? `, links at the last version ${linksDone}/${linksExpected}` : ''}`);
    }
    await sleep(POLL_MS);
  }
  await sending;
  if (!sent) throw sendError ?? new Error('the webhooks were not all sent');
  const cpu = cpuDone();
  const finished = finishedAtMs !== undefined;
  const endMs = finishedAtMs ?? Date.now();
  const elapsedSeconds = (endMs - sent.firstSentAtMs) / 1000;

  const [timings, outcomes, executions, sandboxes, completedProcessWorkflows, syncWorkflowRuns, workerMemory] = [
    await eventTimings(sequelize, sent.firstSentAtMs),
    await refreshOutcomes(sequelize),
    await syncExecutions(sequelize),
    await world.stats(),
    await countWhenVisible(client, 'WorkflowType = "processWebhookEvent" AND ExecutionStatus = "Completed"', statuses.processed ?? 0),
    (await client.workflow.count('WorkflowType = "opportunitySync"')).count,
    await worker.usage(),
  ];
  linksDone = await linksAtFinalVersion(sequelize, sent.finalVersions);
  return {
    load: sent.result,
    elapsedSeconds,
    finished,
    milestones: { ...timings.milestones, sendSeconds: sent.result.elapsedSeconds, allSyncedSeconds: finished ? elapsedSeconds : null },
    eventsPerSecond: (statuses.processed ?? 0) / elapsedSeconds,
    workflowsPerSecond: completedProcessWorkflows / elapsedSeconds,
    processingWorkflowsPerSecond: completedProcessWorkflows / timings.milestones.lastProcessedSeconds,
    eventStatuses: statuses,
    refreshOutcomes: outcomes,
    completedProcessWorkflows,
    syncWorkflowRuns,
    syncExecutions: executions,
    linksAtFinalVersion: linksDone,
    linksExpected,
    latencyMs: timings.latencies,
    sandboxes,
    cpu,
    workerMemory,
    diagnostics: finished ? [] : await diagnostics(sequelize, sent.finalVersions),
    peaks,
  };
}

/** The worker log's warnings and errors (pino level ≥ 40), counted by where they came from and what they say. */
function logProblems(file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  if (!existsSync(file)) return counts;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    let entry: { level?: number; msg?: string; component?: string; sdkComponent?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if ((entry.level ?? 0) < 40) continue;
    const message = entry.msg ?? '';
    const what = message.match(/\[(TMPRL\d+)\]/)?.[1] ?? message.split(/[.:]/)[0]!.slice(0, 60);
    const key = `${entry.sdkComponent === 'core' ? 'SDK core' : (entry.component ?? 'worker')}: ${what}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function main(): Promise<void> {
  const options = parseE2eBenchOptions(process.argv.slice(2), process.env);
  if (options === 'help') return console.log(E2E_USAGE);
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-bench-'));
  chmodSync(workDir, 0o755);
  const logger = createLogger('warn', 'e2e-bench');
  const secrets = { JWT_SECRET: randomBytes(32).toString('base64url'), CURRENT_RMS_WEBHOOK_TOKEN: randomBytes(32).toString('base64url'), ADMIN_PASSWORD: randomBytes(18).toString('base64url') };

  const stops: (() => Promise<void> | void)[] = [() => rmSync(workDir, { recursive: true, force: true })];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const step of stops.reverse()) await Promise.resolve().then(step).catch((error: unknown) => progress(`while stopping: ${String(error)}`));
    })());
  // PostgreSQL and Temporal run in their own sessions, so Ctrl-C does not reach them: stop them ourselves.
  const interrupted = () => void stopAll().then(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    progress('starting the Temporal dev server');
    const temporal = await startBenchTemporal(workDir, options.temporalSqlitePragmas, logger);
    stops.push(() => temporal.stop());
    progress(`starting embedded PostgreSQL (${options.fastUnsafeDurability ? 'fast, unsafe durability' : 'production durability'}) and the API`);
    const stack = await startIngestStack({ name: 'e2e-bench', fastUnsafeDurability: options.fastUnsafeDurability, apiPoolMax: undefined, apiLogLevel: options.logLevel, temporalAddress: temporal.address });
    stops.push(() => stack.stop());
    const client = createTemporalClient({ address: temporal.address, namespace: 'default' });
    stops.push(() => client.connection.close());
    await registerSearchAttributes(client, logger);

    progress(`starting the sandboxes with room for ${options.opportunities} opportunities`);
    const world = await startSandboxWorld({ opportunities: options.opportunities, customers: options.customers, firstActionId: FIRST_ACTION_ID });
    stops.push(() => world.stop());

    const workerEnv = {
      NODE_ENV: 'development',
      DATA_DIR: path.join(workDir, 'worker-app'),
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      LOG_LEVEL: options.logLevel,
      ...secrets,
      ...options.workerEnv,
    };
    loadConfig(workerEnv); // fails here, readably, on bad WORKER_* values
    progress(`starting the worker process (${options.label}) and bundling the workflows`);
    const worker = await startWorkerProcess({ env: workerEnv, sandboxes: world.settings, xeroCallsPerWindow: world.xeroCallsPerWindow, workDir });
    stops.push(() => worker.stop());
    const parts: Parts = { stack, temporalPidFile: temporal.pidFile, client, world, worker };

    progress(`ceiling: ${options.ceilingWorkflows} no-op workflows, started ${options.ceilingStartBatch} at a time`);
    const metricsAtStart = await worker.metrics();
    const ceilingCpu = measurePhase(parts);
    const ceilingResult = await worker.ceiling(options.ceilingWorkflows, options.ceilingStartBatch);
    const cpu = ceilingCpu();
    const metricsAfterCeiling = await worker.metrics();
    const ceiling = { ...ceilingResult, cpu, worker: phaseMetrics(diffMetrics(metricsAfterCeiling, metricsAtStart), [NOOP_TASK_QUEUE]) };
    progress(`ceiling: ${ceiling.workflowsPerSecond.toFixed(1)} workflows/s`);

    const effective = await worker.startPlatform();
    progress(`end to end: ${options.events} webhooks over ${options.opportunities} opportunities at ${options.rate}/s`);
    const { peaks, ...e2eRun } = await endToEnd(parts, options);
    const e2e = { ...e2eRun, worker: phaseMetrics(diffMetrics(await worker.metrics(), metricsAfterCeiling), PLATFORM_TASK_QUEUES, peaks) };

    progress('summing the Temporal histories');
    const work = await temporalWork(client);
    const histories: E2eBenchResult['historyByKind'] = {};
    for (const type of HISTORY_SAMPLED_TYPES) histories[type] = await historyByKind(client, type, HISTORY_SAMPLE);
    const warnings = logProblems(worker.logFile);
    const result: E2eBenchResult = {
      startedAt,
      label: options.label,
      machine,
      postgres: { durability: options.fastUnsafeDurability ? 'fast, unsafe (test settings)' : 'production defaults', settings: stack.settings },
      temporal: `CLI dev server (startLocalTemporal: temporal server start-dev, SQLite file in a temporary folder), SQLite ${
        options.temporalSqlitePragmas.length > 0 ? `pragmas ${options.temporalSqlitePragmas.join(' ')} (\`npm start\` runs SQLite's defaults)` : "defaults (rollback journal), as `npm start` runs it"
      }`,
      temporalWork: work,
      historyByKind: histories,
      worker: { ...effective, bundleSeconds: worker.bundleSeconds, logFile: worker.logFile, warnings },
      options,
      ceiling,
      e2e,
      ratio: e2e.workflowsPerSecond / ceiling.workflowsPerSecond,
      processingRatio: e2e.processingWorkflowsPerSecond / ceiling.workflowsPerSecond,
      goalMet: e2e.finished && e2e.workflowsPerSecond / ceiling.workflowsPerSecond >= E2E_GOAL.minRatio,
    };
    const jsonFile = writeBenchResult('e2e', startedAt, result);
    if (Object.keys(warnings).length > 0) {
      // The temporary folder goes away: keep the worker's log next to the result.
      const kept = jsonFile.replace(/\.json$/, '-worker.log');
      copyFileSync(worker.logFile, kept);
      result.worker.logFile = kept;
      writeBenchResult('e2e', startedAt, result);
    }
    console.log(`\n${formatE2eReport(result)}`);
    console.log(`\nJSON: ${jsonFile}`);
    if (!e2e.finished) process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
