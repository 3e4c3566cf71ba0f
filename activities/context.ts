// Who is acting, and the idempotency key of this activity execution, read from the Temporal context.
import { Context } from '@temporalio/activity';
import type { Actor } from '../lib/audit';

/** The workflow that scheduled the running activity (platform activities always run inside one). */
export function currentWorkflow(): { workflowId: string; runId: string; workflowType: string } {
  const { workflowExecution, workflowType } = Context.current().info;
  if (!workflowExecution || !workflowType) throw new Error('Platform activities must be scheduled by a workflow.');
  return { workflowId: workflowExecution.workflowId, runId: workflowExecution.runId, workflowType };
}

/** The audit actor for the running activity: its workflow, run and activity type. */
export function workflowActor(): Extract<Actor, { type: 'workflow' }> {
  const { workflowId, runId } = currentWorkflow();
  return { type: 'workflow', workflowId, runId, activity: Context.current().info.activityType };
}

/**
 * Stable across retries of one activity execution and distinct between executions:
 * workflow id + run id + activity id (+ an optional sub-key for several writes in one activity).
 */
export function activityIdempotencyKey(subKey?: string): string {
  const { workflowId, runId } = currentWorkflow();
  return [workflowId, runId, Context.current().info.activityId, subKey].filter(Boolean).join('/');
}
