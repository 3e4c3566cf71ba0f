// Batch admin actions: the executions a visibility query matches (bounded), planned exactly, then acted on one by one (each audited).
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { z } from 'zod';
import { callTemporal } from '../temporal-calls';
import { actOnWorkflow, RESTARTABLE_STATUSES, type AdminDeps, type AdminRequester, type WorkflowAction } from './actions';
import { mapConcurrently } from './concurrency';
import type { BatchRequest, BatchResult, ExecutionStatus } from './schemas';
import { isWorkflowNotFound } from './temporal-errors';
import { allOf, countExecutions, executionStatus, listExecutions, statusClause } from './visibility';

/** Actions run a few at a time: each is a Temporal call inside its own audited transaction. */
const BATCH_CONCURRENCY = 4;

const APPLIES_TO: Record<z.infer<typeof BatchRequest>['action'], readonly ExecutionStatus[]> = {
  restart: RESTARTABLE_STATUSES,
  cancel: ['running'],
  terminate: ['running'],
};

type Target = z.infer<typeof BatchResult>['targets'][number];
type Skipped = z.infer<typeof BatchResult>['skipped'][number];

/** Up to `limit` executions matching the query, newest first. */
async function firstExecutions(temporal: Client, query: string, limit: number): Promise<WorkflowExecutionInfo[]> {
  const executions: WorkflowExecutionInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await listExecutions(temporal, query, limit - executions.length, cursor);
    executions.push(...page.executions);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && executions.length < limit);
  return executions.slice(0, limit);
}

/**
 * Actions apply to a workflow's latest run: a listed run that a newer run of its workflow id has replaced (e.g. by an
 * earlier reset) is skipped, and each workflow id is acted on once.
 */
async function plan(temporal: Client, executions: WorkflowExecutionInfo[]): Promise<{ targets: Target[]; skipped: Skipped[] }> {
  const listed = executions.map((execution) => ({ workflowId: execution.workflowId, runId: execution.runId, type: execution.type, status: executionStatus(execution.status.name) }));
  const firstOfEachWorkflow = listed.filter((execution, index) => listed.findIndex((other) => other.workflowId === execution.workflowId) === index);
  const verdicts = await mapConcurrently(firstOfEachWorkflow, BATCH_CONCURRENCY, async (execution): Promise<Target | Skipped> => {
    try {
      const { runId } = await temporal.workflow.getHandle(execution.workflowId).describe();
      return runId === execution.runId ? execution : { ...execution, reason: `Superseded by run ${runId}` };
    } catch (error) {
      if (isWorkflowNotFound(error)) return { ...execution, reason: 'No longer exists' };
      throw error;
    }
  });
  return { targets: verdicts.filter((verdict) => !('reason' in verdict)), skipped: verdicts.filter((verdict) => 'reason' in verdict) };
}

export async function runBatch(deps: AdminDeps, request: z.infer<typeof BatchRequest>, requester: AdminRequester, limit: number): Promise<z.infer<typeof BatchResult>> {
  const query = allOf(request.query, statusClause(...APPLIES_TO[request.action]));
  const { matched, executions, targets, skipped } = await callTemporal(deps.temporal, async () => {
    const [count, listed] = await Promise.all([countExecutions(deps.temporal, query), firstExecutions(deps.temporal, query, limit)]);
    return { matched: count, executions: listed, ...(await plan(deps.temporal, listed)) };
  });
  const summary = {
    action: request.action,
    ...(request.action === 'restart' ? { mode: request.mode } : {}),
    dryRun: request.dryRun,
    query,
    matched,
    limit,
    more: matched > executions.length,
    targets,
    skipped,
  };
  if (request.dryRun) return summary;

  const action: WorkflowAction = request.action === 'restart' ? { kind: 'restart', mode: request.mode, reason: request.reason } : { kind: request.action, reason: request.reason };
  // Per-workflow idempotency keys: retrying the same batch request re-applies nothing that already succeeded.
  const perWorkflow = { ...requester, requestKey: `batch:${requester.requestKey}` };
  const results = await mapConcurrently(targets, BATCH_CONCURRENCY, async ({ workflowId, runId }) => {
    try {
      const result = await actOnWorkflow(deps, workflowId, action, perWorkflow);
      return { workflowId, runId, ok: true, newRunId: result.newRunId };
    } catch (error) {
      return { workflowId, runId, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  });
  return { ...summary, results };
}
