// Admin actions on one workflow (restart, cancel, terminate, signal): checked against its state, done in Temporal, audited once per request.
import { createHash } from 'node:crypto';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import type { Sequelize } from 'sequelize';
import type { z } from 'zod';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { taskQueueForRerun } from '../../domain/task-queues';
import { auditedWrite, type Actor } from '../../lib/audit';
import type { Config } from '../../lib/config';
import { conflict } from '../../lib/errors';
import { temporalUiWorkflowUrl } from '../../lib/temporal';
import type { AuthenticatedUser } from '../middleware/authenticate';
import { callTemporal } from '../temporal-calls';
import { describeLatestRun } from './describe';
import { findEvent, type HistoryOrder, type RunRef } from './history';
import { ActionResult, type ExecutionStatus, type RestartMode } from './schemas';
import { signalArguments } from './signals';
import { isWorkflowNotFound } from './temporal-errors';
import { executionStatus } from './visibility';

export type WorkflowAction =
  | { kind: 'restart'; mode: RestartMode; reason: string }
  | { kind: 'cancel'; reason: string }
  | { kind: 'terminate'; reason: string }
  | { kind: 'signal'; name: string; args: unknown[]; reason: string };

export interface AdminDeps {
  sequelize: Sequelize;
  temporal: Client;
  config: Config;
}

export interface AdminRequester {
  user: AuthenticatedUser;
  actor: Extract<Actor, { type: 'user' }>;
  /** The request's Idempotency-Key, else unique per request: a retry with the same key applies nothing twice. */
  requestKey: string;
}

/** A completed run did its job: restarting it is not an admin fix (replay the event, or signal the entity workflow). */
export const RESTARTABLE_STATUSES: readonly ExecutionStatus[] = ['running', 'failed', 'cancelled', 'terminated', 'timed_out'];

/** What Temporal records next to the reset, termination or cancel request, so the Temporal UI shows who and why. */
const temporalReason = (reason: string, user: AuthenticatedUser) => `${reason} (by ${user.email} via admin API)`;

type Result = z.infer<typeof ActionResult>;

interface Context {
  deps: AdminDeps;
  current: WorkflowExecutionDescription;
  status: ExecutionStatus | 'unknown';
  /** The reason as Temporal records it. */
  reason: string;
  /** Temporal's own de-duplication id for resets and cancel requests, derived from our idempotency key. */
  requestId: string;
  requester: AdminRequester;
}

const runOf = (current: WorkflowExecutionDescription): RunRef => ({ workflowId: current.workflowId, runId: current.runId });

/** Acts on the latest run of the workflow; 404 when unknown, 409 when the action does not apply to its state. */
export async function actOnWorkflow(deps: AdminDeps, workflowId: string, action: WorkflowAction, requester: AdminRequester): Promise<Result> {
  const idempotencyKey = `workflow.${action.kind}:${requester.user.id}:${requester.requestKey}:${workflowId}`;
  const outcome = await auditedWrite(
    deps.sequelize,
    { idempotencyKey, actor: requester.actor, entityType: 'workflow', entityId: workflowId, action: `workflow.${action.kind}` },
    // Temporal is called inside the audit row's transaction (a concurrent duplicate waits on its key), under a deadline.
    () =>
      callTemporal(deps.temporal, async () => {
        const current = await describeLatestRun(deps.temporal, workflowId);
        const status = executionStatus(current.status.name);
        const context: Context = {
          deps,
          current,
          status,
          reason: temporalReason(action.reason, requester.user),
          requestId: createHash('sha256').update(idempotencyKey).digest('hex'),
          requester,
        };
        const result = await apply(context, action);
        return { result, before: { runId: current.runId, status }, after: result };
      }),
  );
  return outcome.applied ? outcome.result : ActionResult.parse(outcome.after);
}

async function apply(context: Context, action: WorkflowAction): Promise<Result> {
  const { deps, current } = context;
  const base = { workflowId: current.workflowId, reason: action.reason, runId: current.runId, newRunId: null, temporalUiUrl: temporalUiWorkflowUrl(deps.config, current.workflowId, current.runId) };
  switch (action.kind) {
    case 'cancel':
      requireRunning(context, 'cancelled');
      await whileRunning(current.workflowId, () =>
        deps.temporal.workflowService.requestCancelWorkflowExecution({
          namespace: deps.temporal.options.namespace,
          workflowExecution: runOf(current),
          reason: context.reason,
          requestId: context.requestId,
          identity: deps.temporal.options.identity,
        }),
      );
      return { ...base, action: 'cancel' };
    case 'terminate':
      requireRunning(context, 'terminated');
      await whileRunning(current.workflowId, () => deps.temporal.workflow.getHandle(current.workflowId, current.runId).terminate(context.reason));
      return { ...base, action: 'terminate' };
    case 'signal': {
      const args = signalArguments(current.type, action.name, action.args, context.requester.user.email);
      requireRunning(context, 'signalled');
      await whileRunning(current.workflowId, () => deps.temporal.workflow.getHandle(current.workflowId, current.runId).signal(action.name, ...args));
      return { ...base, action: 'signal', signal: action.name };
    }
    case 'restart': {
      if (!RESTARTABLE_STATUSES.includes(context.status as ExecutionStatus)) {
        throw conflict(`Workflow ${current.workflowId} is ${context.status}; only running or unsuccessfully closed workflows can be restarted`, { status: context.status });
      }
      const newRunId = action.mode === 'rerun' ? await rerun(context) : await reset(context, action.mode === 'reset-first-task' ? 'oldest-first' : 'newest-first');
      return { ...base, action: 'restart', mode: action.mode, newRunId, temporalUiUrl: temporalUiWorkflowUrl(deps.config, current.workflowId, newRunId) };
    }
  }
}

function requireRunning({ current, status }: Context, what: string): void {
  if (status !== 'running') throw conflict(`Workflow ${current.workflowId} is ${status}; only a running workflow can be ${what}`, { status });
}

/** Temporal answers NOT_FOUND for a run that closed after we described it: that is a state conflict, not a missing workflow. */
async function whileRunning<T>(workflowId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isWorkflowNotFound(error)) throw conflict(`Workflow ${workflowId} closed meanwhile`);
    throw error;
  }
}

/**
 * Resets the run to its last (newest-first) or first (oldest-first) completed workflow task: Temporal starts a new run
 * from that point with the same history before it (completed activities are not repeated) and terminates the current
 * run if it is still going, with our reason.
 */
async function reset({ deps, current, reason, requestId }: Context, order: HistoryOrder): Promise<string> {
  const taskCompleted = await findEvent(deps.temporal, runOf(current), order, (event) => event.workflowTaskCompletedEventAttributes != null);
  if (!taskCompleted) throw conflict(`Workflow ${current.workflowId} has no completed workflow task to reset to; restart it with mode "rerun"`);
  const { runId } = await deps.temporal.workflowService.resetWorkflowExecution({
    namespace: deps.temporal.options.namespace,
    workflowExecution: runOf(current),
    reason,
    workflowTaskFinishEventId: taskCompleted.eventId,
    requestId,
  });
  return runId;
}

/**
 * Terminates the run if it is still going and starts a fresh one with the same type, input, memo and search attributes,
 * on the queue its type runs on today (taskQueueForRerun).
 */
async function rerun({ deps, current, reason }: Context): Promise<string> {
  const { temporal } = deps;
  const started = await findEvent(temporal, runOf(current), 'oldest-first', (event) => event.workflowExecutionStartedEventAttributes != null);
  if (!started) throw new Error(`Run ${current.runId} of ${current.workflowId} has no start event`);
  const args = await decodeArrayFromPayloads(temporal.options.loadedDataConverter, started.workflowExecutionStartedEventAttributes!.input?.payloads, {
    type: 'workflow',
    namespace: temporal.options.namespace,
    workflowId: current.workflowId,
  });
  if (current.status.name === 'RUNNING') await whileRunning(current.workflowId, () => temporal.workflow.getHandle(current.workflowId, current.runId).terminate(reason));
  const handle = await temporal.workflow.start(current.type, {
    workflowId: current.workflowId,
    taskQueue: taskQueueForRerun(current.type, current.taskQueue),
    args,
    memo: current.memo,
    typedSearchAttributes: CUSTOM_SEARCH_ATTRIBUTES.flatMap((key) => {
      const value = current.typedSearchAttributes.get(key);
      return value === undefined ? [] : [{ key, value }];
    }),
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    // A run started meanwhile (e.g. by a webhook's signal-with-start) is replaced too.
    workflowIdConflictPolicy: 'TERMINATE_EXISTING',
  });
  return handle.firstExecutionRunId;
}
