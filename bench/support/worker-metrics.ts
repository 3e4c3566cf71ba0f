// The Temporal SDK's worker metrics (Prometheus text from the worker process), summed over task queues and diffed per phase.

/** Metric sums keyed `name|task_queue|operation|worker_type` (other labels summed over). */
export type MetricSums = Record<string, number>;

const KEPT_LABELS = ['task_queue', 'operation', 'worker_type'] as const;

export function parsePrometheus(text: string): MetricSums {
  const sums: MetricSums = {};
  for (const line of text.split('\n')) {
    const match = line.match(/^(\w+)(?:\{([^}]*)\})?\s+(\S+)$/);
    if (!match || match[1]!.endsWith('_bucket')) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = value!;
    const key = [match[1], ...KEPT_LABELS.map((label) => labels[label] ?? '')].join('|');
    const value = Number(match[3]);
    if (Number.isFinite(value)) sums[key] = (sums[key] ?? 0) + value;
  }
  return sums;
}

export function diffMetrics(after: MetricSums, before: MetricSums): MetricSums {
  return Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));
}

/** What the worker saw during one phase: where tasks waited, and how its workflow cache fared. */
export interface WorkerPhaseMetrics {
  /** Mean ms a workflow task waited on the server for a poller (high while slots are free: the server or the pollers are slow). */
  workflowTaskScheduleToStartMs: number | null;
  workflowTaskExecutionMs: number | null;
  workflowTasks: number;
  activityScheduleToStartMs: number | null;
  activityExecutionMs: number | null;
  activities: number;
  localActivities: number;
  /** Mean ms of the worker's completion calls: the server's write path. */
  respondWorkflowTaskCompletedMs: number | null;
  respondActivityTaskCompletedMs: number | null;
  cacheHits: number;
  cacheMisses: number;
  cacheForcedEvictions: number;
  /** Highest readings of the gauges sampled during the phase (null when not sampled). */
  peaks: GaugePeaks | null;
}

export interface GaugePeaks {
  cachedWorkflows: number;
  workflowTaskSlotsUsed: number;
  activitySlotsUsed: number;
  localActivitySlotsUsed: number;
}

/** A metric summed over the given task queues (the platform's worker polls two). */
const overQueues = (sums: MetricSums, taskQueues: readonly string[], key: (queue: string) => string) => taskQueues.reduce((total, queue) => total + (sums[key(queue)] ?? 0), 0);

/** The gauges now, over the given task queues: workflows in the sticky caches and slots in use. */
export function gauges(sums: MetricSums, taskQueues: readonly string[]): GaugePeaks {
  const slots = (workerType: string) => overQueues(sums, taskQueues, (queue) => `temporal_worker_task_slots_used|${queue}||${workerType}`);
  return {
    cachedWorkflows: overQueues(sums, taskQueues, (queue) => `temporal_sticky_cache_size|${queue}||`),
    workflowTaskSlotsUsed: slots('WorkflowWorker'),
    activitySlotsUsed: slots('ActivityWorker'),
    localActivitySlotsUsed: slots('LocalActivityWorker'),
  };
}

export function higherGauges(a: GaugePeaks | null, b: GaugePeaks): GaugePeaks {
  if (!a) return b;
  return {
    cachedWorkflows: Math.max(a.cachedWorkflows, b.cachedWorkflows),
    workflowTaskSlotsUsed: Math.max(a.workflowTaskSlotsUsed, b.workflowTaskSlotsUsed),
    activitySlotsUsed: Math.max(a.activitySlotsUsed, b.activitySlotsUsed),
    localActivitySlotsUsed: Math.max(a.localActivitySlotsUsed, b.localActivitySlotsUsed),
  };
}

/** Counts summed and means weighted over the given task queues; the completion calls' latencies are per worker process. */
export function phaseMetrics(sums: MetricSums, taskQueues: readonly string[], peaks: GaugePeaks | null = null): WorkerPhaseMetrics {
  const value = (name: string, queues = taskQueues, operation = '') => overQueues(sums, queues, (queue) => `temporal_${name}|${queue}|${operation}|`);
  const mean = (name: string, queues = taskQueues, operation = '') => {
    const count = value(`${name}_count`, queues, operation);
    return count > 0 ? value(`${name}_sum`, queues, operation) / count : null;
  };
  return {
    workflowTaskScheduleToStartMs: mean('workflow_task_schedule_to_start_latency'),
    workflowTaskExecutionMs: mean('workflow_task_execution_latency'),
    workflowTasks: value('workflow_task_execution_latency_count'),
    activityScheduleToStartMs: mean('activity_schedule_to_start_latency'),
    activityExecutionMs: mean('activity_execution_latency'),
    activities: value('activity_execution_latency_count'),
    localActivities: value('local_activity_total'),
    respondWorkflowTaskCompletedMs: mean('request_latency', [''], 'RespondWorkflowTaskCompleted'),
    respondActivityTaskCompletedMs: mean('request_latency', [''], 'RespondActivityTaskCompleted'),
    cacheHits: value('sticky_cache_hit'),
    cacheMisses: value('sticky_cache_miss'),
    cacheForcedEvictions: value('sticky_cache_total_forced_eviction'),
    peaks,
  };
}
