// How much Temporal work each kind of workflow cost: executions and history events from visibility, and sampled histories by event type.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WorkflowWork {
  executions: number;
  historyEvents: number;
}

/**
 * Executions and history events per workflow type (every execution on the server: each run has its own server).
 * Visibility knows a closed run's history length; a running one (an idle sync workflow) is described.
 */
export async function temporalWork(client: Client): Promise<Record<string, WorkflowWork>> {
  const work: Record<string, WorkflowWork> = {};
  const running: { type: string; workflowId: string; runId: string }[] = [];
  for await (const execution of client.workflow.list({ pageSize: 1_000 })) {
    const entry = (work[execution.type] ??= { executions: 0, historyEvents: 0 });
    entry.executions += 1;
    if (execution.status.name === 'RUNNING') running.push({ type: execution.type, workflowId: execution.workflowId, runId: execution.runId });
    else entry.historyEvents += execution.historyLength;
  }
  const describeNext = async () => {
    for (let next = running.pop(); next; next = running.pop()) {
      const { historyLength } = await client.workflow.getHandle(next.workflowId, next.runId).describe();
      work[next.type]!.historyEvents += historyLength;
    }
  };
  await Promise.all(Array.from({ length: 16 }, describeNext));
  return work;
}

const { EventType } = temporal.api.enums.v1;

/** `WorkflowTaskCompleted`, or a marker by its name (`MarkerRecorded core_patch`, `… core_local_activity`). */
function eventKind(event: temporal.api.history.v1.IHistoryEvent): string {
  const type = (EventType[event.eventType ?? 0] ?? 'EVENT_TYPE_UNSPECIFIED').replace(/^EVENT_TYPE_/, '').toLowerCase().replace(/(?:^|_)(\w)/g, (_match, letter: string) => letter.toUpperCase());
  const marker = event.markerRecordedEventAttributes?.markerName;
  return marker ? `${type} ${marker}` : type;
}

/** Mean history events per run of `workflowType` by kind (an open run's history so far), over the first `sample` runs listed. */
export async function historyByKind(client: Client, workflowType: string, sample: number): Promise<{ runs: number; perRun: Record<string, number> }> {
  const counts: Record<string, number> = {};
  let runs = 0;
  for await (const execution of client.workflow.list({ query: `WorkflowType = '${workflowType}'`, pageSize: sample })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    for (const kind of (history.events ?? []).map(eventKind)) counts[kind] = (counts[kind] ?? 0) + 1;
    if (++runs === sample) break;
  }
  return { runs, perRun: Object.fromEntries(Object.entries(counts).map(([kind, count]) => [kind, count / Math.max(1, runs)])) };
}

/** Visibility trails the workflows a little: counts `query` until it reaches `expected` or `timeoutMs` passes. */
export async function countWhenVisible(client: Client, query: string, expected: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { count } = await client.workflow.count(query);
    if (count >= expected || Date.now() > deadline) return count;
    await sleep(250);
  }
}
