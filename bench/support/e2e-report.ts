// The e2e benchmark's result: its shape and the printed tables (the JSON goes through report.ts's writer).
import type { E2eBenchOptions } from './e2e-options';
import type { EventLatencies, Milestones, StatusCounts, SyncExecutions } from './e2e-queries';
import type { LoadResult } from './http-load';
import { table, type MachineInfo } from './report';
import type { SandboxStats } from './sandbox-host';
import type { WorkflowWork } from './temporal-work';
import type { WorkerPhaseMetrics } from './worker-metrics';
import type { EffectiveWorkerOptions, NoopCeilingResult, WorkerUsage } from './worker-host';

export const E2E_GOAL = { minRatio: 0.7 };

/** Cores (CPU seconds per wall second) per part of the stack during a phase; null where it could not be measured. */
export interface PhaseCpu {
  worker: number | null;
  /** This process: the API, plus the benchmark's own polling of PostgreSQL. */
  api: number;
  apiEventLoopUtilization: number;
  postgres: number | null;
  temporal: number | null;
  sandboxes: number | null;
  /** All of the machine's busy cores, other tenants included. */
  machine: number;
}

export interface E2eRun {
  load: LoadResult;
  /** First POST → every event processed and every opportunity's links synced at its last version. */
  elapsedSeconds: number;
  finished: boolean;
  milestones: Milestones & { sendSeconds: number; allSyncedSeconds: number | null };
  eventsPerSecond: number;
  /** processWebhookEvent workflows completed (one per event) per second of the whole run. */
  workflowsPerSecond: number;
  /** …per second from the first POST to the last event processed (the syncs' tail left out). */
  processingWorkflowsPerSecond: number;
  eventStatuses: StatusCounts;
  /** What the processed events' refreshes found: `unchanged` and `stale` ones signal no sync. */
  refreshOutcomes: StatusCounts;
  completedProcessWorkflows: number;
  syncWorkflowRuns: number;
  syncExecutions: SyncExecutions;
  linksAtFinalVersion: number;
  linksExpected: number;
  latencyMs: EventLatencies;
  sandboxes: SandboxStats;
  cpu: PhaseCpu;
  workerMemory: WorkerUsage;
  diagnostics: string[];
}

export interface E2eBenchResult {
  startedAt: string;
  label: string;
  machine: MachineInfo;
  postgres: { durability: string; settings: Record<string, string> };
  temporal: string;
  /** Executions and history events per workflow type on the run's server. */
  temporalWork: Record<string, WorkflowWork>;
  /** Mean history events per run by kind (markers by name), from a sample of runs per workflow type. */
  historyByKind: Record<string, { runs: number; perRun: Record<string, number> }>;
  worker: EffectiveWorkerOptions & { bundleSeconds: number; logFile: string; /** Warnings and errors in its log (the SDK's core forwards into it), by source and message. */ warnings: Record<string, number> };
  options: E2eBenchOptions;
  ceiling: NoopCeilingResult & { cpu: PhaseCpu; worker: WorkerPhaseMetrics };
  e2e: E2eRun & { worker: WorkerPhaseMetrics };
  /** e2e processWebhookEvent workflows/s (whole run) ÷ no-op workflows/s. */
  ratio: number;
  /** The same with the processing window only (first POST → last event processed). */
  processingRatio: number;
  goalMet: boolean;
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);
const cores = (value: number | null) => (value === null ? 'n/a' : fixed(value, 2));
const grouped = (value: number) => Math.round(value).toLocaleString('en-US');

function cpuRow(phase: string, cpu: PhaseCpu): string[] {
  const ours = [cpu.worker, cpu.api, cpu.postgres, cpu.temporal, cpu.sandboxes].reduce<number>((sum, value) => sum + (value ?? 0), 0);
  return [phase, cores(cpu.worker), `${cores(cpu.api)} (loop ${Math.round(cpu.apiEventLoopUtilization * 100)}%)`, cores(cpu.postgres), cores(cpu.temporal), cores(cpu.sandboxes), fixed(cpu.machine, 2), fixed(Math.max(0, cpu.machine - ours), 2)];
}

/** Temporal history events per no-op workflow and per e2e event: the server work the ratio compares. */
function temporalWorkLine({ temporalWork, options, ceiling }: E2eBenchResult): string {
  const per = (type: string, divisor: number) => fixed((temporalWork[type]?.historyEvents ?? 0) / divisor);
  const e2eTypes = ['processWebhookEvent', 'opportunitySync'];
  const e2eEvents = e2eTypes.reduce((sum, type) => sum + (temporalWork[type]?.historyEvents ?? 0), 0);
  return (
    `Temporal history events: ${per('benchNoop', ceiling.workflows)} per no-op workflow; per e2e event ${fixed(e2eEvents / options.events)}` +
    ` (processWebhookEvent ${per('processWebhookEvent', options.events)} + opportunitySync ${per('opportunitySync', options.events)}; ${temporalWork.opportunitySync?.executions ?? 0} sync runs)`
  );
}

/** One row per kind of history event, one column per sampled workflow type. */
function historyKindTable({ historyByKind }: E2eBenchResult): string {
  const types = Object.keys(historyByKind);
  const kinds = [...new Set(types.flatMap((type) => Object.keys(historyByKind[type]!.perRun)))].sort();
  const total = (type: string) => Object.values(historyByKind[type]!.perRun).reduce((sum, count) => sum + count, 0);
  return table(
    ['history events per run', ...types.map((type) => `${type} (${historyByKind[type]!.runs} runs)`)],
    [...kinds.map((kind) => [kind, ...types.map((type) => fixed(historyByKind[type]!.perRun[kind] ?? 0))]), ['total', ...types.map((type) => fixed(total(type)))]],
  );
}

const ms = (value: number | null) => (value === null ? 'n/a' : fixed(value));

function workerMetricsTable({ ceiling, e2e }: E2eBenchResult): string {
  const row = (phase: string, m: WorkerPhaseMetrics) => [
    phase,
    `${ms(m.workflowTaskScheduleToStartMs)} / ${ms(m.workflowTaskExecutionMs)} / ${ms(m.respondWorkflowTaskCompletedMs)}`,
    `${ms(m.activityScheduleToStartMs)} / ${ms(m.activityExecutionMs)} / ${ms(m.respondActivityTaskCompletedMs)}`,
    `${grouped(m.workflowTasks)} / ${grouped(m.activities)} / ${grouped(m.localActivities)}`,
    `${grouped(m.cacheHits)} / ${grouped(m.cacheMisses)} / ${grouped(m.cacheForcedEvictions)}`,
    m.peaks ? `${grouped(m.peaks.cachedWorkflows)} / ${m.peaks.workflowTaskSlotsUsed} / ${m.peaks.activitySlotsUsed} / ${m.peaks.localActivitySlotsUsed}` : 'not sampled',
  ];
  return [
    'Worker (SDK metrics, means in ms): waiting on the server for a poller / executing / the completion call',
    table(['phase', 'workflow tasks: wait / run / respond', 'activities: wait / run / respond', 'wf tasks / activities / local', 'cache hit / miss / evicted', 'peak cached / slots used: wft / act / local'], [row('ceiling', ceiling.worker), row('e2e', e2e.worker)]),
  ].join('\n');
}

/** One line per run, for comparing worker settings. */
export function summaryRow(result: E2eBenchResult): string[] {
  const { e2e, ceiling, worker } = result;
  return [
    result.label,
    `${worker.tuning.maxConcurrentActivities}/${worker.tuning.maxConcurrentWorkflowTasks}/${worker.maxCachedWorkflows}/${worker.tuning.workflowTaskPollers}/${worker.tuning.activityTaskPollers}`,
    fixed(e2e.elapsedSeconds),
    fixed(e2e.eventsPerSecond),
    fixed(e2e.processingWorkflowsPerSecond),
    fixed(ceiling.workflowsPerSecond),
    fixed(result.ratio, 2),
    fixed(e2e.latencyMs.receivedToProcessed.p50 / 1000),
    fixed(e2e.latencyMs.receivedToProcessed.p99 / 1000),
    cores(e2e.cpu.worker),
    cores(e2e.cpu.temporal),
    cores(e2e.cpu.postgres),
    fixed(e2e.cpu.machine - [e2e.cpu.worker, e2e.cpu.api, e2e.cpu.postgres, e2e.cpu.temporal, e2e.cpu.sandboxes].reduce<number>((sum, value) => sum + (value ?? 0), 0), 2),
    ms(e2e.worker.workflowTaskScheduleToStartMs),
    grouped(e2e.worker.cacheForcedEvictions),
    `${Math.round(e2e.workerMemory.rssMiB)}`,
  ];
}

export const SUMMARY_HEADER = ['setting', 'act/wft/cache/wf polls/act polls', 'e2e s', 'events/s', 'proc wf/s', 'ceiling wf/s', 'ratio', 'p50 s', 'p99 s', 'worker', 'temporal', 'postgres', 'others', 'wft wait ms', 'evicted', 'worker MiB'];

export function formatE2eReport(result: E2eBenchResult): string {
  const { machine, postgres, worker, options, ceiling, e2e } = result;
  const settings = ['fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers'].map((name) => `${name}=${postgres.settings[name] ?? '?'}`).join(' ');
  const n = options.opportunities;
  const { salesforce, xero, monday, currentRms } = e2e.sandboxes;
  const perOpportunity = (value: number) => fixed(value / n, 2);
  const latency = (name: string, summary: EventLatencies[keyof EventLatencies]) => [name, fixed(summary.p50), fixed(summary.p99), fixed(summary.max), String(summary.count)];
  const milestone = (value: number | null) => (value === null ? 'not reached' : `${fixed(value)} s`);
  return [
    `Machine: ${machine.cpuModel} × ${machine.cpuCount} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, load average at start ${machine.loadAverageAtStart.join(' ')}`,
    '  (shared with other work: absolute figures are noisy; the ratio compares against a ceiling measured in the same run)',
    `PostgreSQL ${postgres.settings.server_version ?? '?'} (embedded, temporary data dir), ${postgres.durability}: ${settings}`,
    `Temporal: ${result.temporal}`,
    `Worker process "${result.label}", a worker per task queue (events, syncs), each: ${worker.tuning.maxConcurrentActivities} activity slots, ${worker.tuning.maxConcurrentWorkflowTasks} workflow-task slots, cache ${worker.maxCachedWorkflows} workflows` +
      ` (SDK: ${worker.localActivitySlots ?? '?'} local-activity slots, pollers ${worker.workflowTaskPollers ?? '?'} workflow / ${worker.activityTaskPollers ?? '?'} activity);` +
      ` DB pool ${worker.sequelizePoolMax}, relay poll ${worker.outboxPollIntervalMs} ms; prebuilt bundle (${fixed(worker.bundleSeconds)} s to build, before any measurement)`,
    `API in this process; sandboxes (Current RMS, Salesforce, Xero, monday.com, quotas lifted) and the webhook sender in another`,
    '',
    `(1) Ceiling: ${grouped(ceiling.workflows)} no-op workflows (one no-op activity each) on their own task queue and worker, same settings, started ${ceiling.startBatch} at a time as the relay does`,
    `    ${fixed(ceiling.workflowsPerSecond)} workflows/s: all started in ${fixed(ceiling.startSeconds)} s, all completed ${fixed(ceiling.elapsedSeconds)} s after the first start; ${ceiling.startFailures} failed starts (retried)`,
    '',
    `(2) End to end: ${grouped(options.events)} webhooks over ${grouped(n)} opportunities (a create, then updates, interleaved), sent at ${options.rate}/s; ${options.customers} customers shared`,
    table(
      ['milestone', 'after first POST'],
      [
        ['all webhooks sent (answered)', milestone(e2e.milestones.sendSeconds)],
        ['last event received', milestone(e2e.milestones.lastReceivedSeconds)],
        ['last event dispatched (workflow started)', milestone(e2e.milestones.lastDispatchedSeconds)],
        ['last event processed', milestone(e2e.milestones.lastProcessedSeconds)],
        ['every opportunity synced at its last version', milestone(e2e.milestones.allSyncedSeconds)],
      ],
    ),
    '',
    table(
      ['rate (whole run)', 'per second'],
      [
        ['events processed and synced', fixed(e2e.eventsPerSecond)],
        ['processWebhookEvent workflows', `${fixed(e2e.workflowsPerSecond)} (${fixed(e2e.processingWorkflowsPerSecond)} up to the last event processed)`],
        ['events by refresh outcome (only upserted signal the syncs)', Object.entries(e2e.refreshOutcomes).map(([outcome, count]) => `${outcome} ${grouped(count)}`).join(', ')],
        ['opportunitySync workflow runs', `${fixed(e2e.syncWorkflowRuns / e2e.elapsedSeconds)} (${grouped(e2e.syncWorkflowRuns)} runs)`],
        ['sync activity executions', `${fixed(e2e.syncExecutions.total / e2e.elapsedSeconds)} (${grouped(e2e.syncExecutions.written)} wrote, ${grouped(e2e.syncExecutions.unchanged)} unchanged, ${e2e.syncExecutions.failed} failed)`],
      ],
    ),
    '',
    table(['event latency (ms)', 'p50', 'p99', 'max', 'events'], [
      latency('received → dispatched', e2e.latencyMs.receivedToDispatched),
      latency('dispatched → processing', e2e.latencyMs.dispatchedToProcessing),
      latency('received → processed', e2e.latencyMs.receivedToProcessed),
    ]),
    '',
    table(
      ['system', 'creates', 'updates', 'writes / opportunity', 'API requests / opportunity'],
      [
        ['Salesforce (Opportunity)', grouped(salesforce.writes.creates), grouped(salesforce.writes.updates), perOpportunity(salesforce.writes.creates + salesforce.writes.updates), perOpportunity(salesforce.requests)],
        ['Xero (quotes)', grouped(xero.quotes.creates), grouped(xero.quotes.updates), perOpportunity(xero.quotes.creates + xero.quotes.updates), perOpportunity(xero.requests)],
        ['Xero (contacts)', grouped(xero.contacts.creates), grouped(xero.contacts.updates), perOpportunity(xero.contacts.creates + xero.contacts.updates), ''],
        ['monday.com (items)', grouped(monday.writes.creates), grouped(monday.writes.updates), perOpportunity(monday.writes.creates + monday.writes.updates), perOpportunity(monday.requests)],
        ['Current RMS (reads)', '', '', '', perOpportunity(currentRms.requests)],
      ],
    ),
    `    (${options.events / n} events per opportunity; updates that arrive while a sync runs collapse into one, so fewer writes than events is the point)`,
    '',
    temporalWorkLine(result),
    historyKindTable(result),
    '',
    workerMetricsTable(result),
    '',
    table(['CPU (cores)', 'worker', 'API', 'postgres', 'temporal', 'sandboxes', 'machine', 'others'], [cpuRow('ceiling', ceiling.cpu), cpuRow('e2e', e2e.cpu)]),
    `    worker process at the end: RSS ${Math.round(e2e.workerMemory.rssMiB)} MiB, heap ${Math.round(e2e.workerMemory.heapUsedMiB)} MiB;` +
      ` warnings or errors in its log (${worker.logFile}): ${Object.entries(worker.warnings).map(([what, count]) => `${what} × ${count}`).join('; ') || 'none'}` +
      `${Object.keys(worker.warnings).some((what) => what.endsWith('TMPRL1104')) ? ' (TMPRL1104: a workflow task took over 5 s)' : ''}`,
    '',
    `Ratio = e2e processWebhookEvent workflows/s (one per event, first POST → everything processed and synced) ÷ no-op workflows/s = ${fixed(e2e.workflowsPerSecond)} / ${fixed(ceiling.workflowsPerSecond)} = ${fixed(result.ratio, 2)}` +
      ` (goal ≥ ${E2E_GOAL.minRatio}: ${result.goalMet ? 'met' : 'MISSED'}); up to the last event processed: ${fixed(result.processingRatio, 2)}`,
    `Check: ${e2e.load.accepted} of ${e2e.load.requests} webhooks accepted; events ${JSON.stringify(e2e.eventStatuses)}; ${e2e.completedProcessWorkflows} processWebhookEvent workflows completed;` +
      ` ${e2e.linksAtFinalVersion} of ${e2e.linksExpected} links synced at the last version: ${e2e.finished ? 'complete' : 'INCOMPLETE'}`,
    ...e2e.diagnostics.map((line) => `  ${line}`),
    '',
    table(SUMMARY_HEADER, [summaryRow(result)]),
  ].join('\n');
}
