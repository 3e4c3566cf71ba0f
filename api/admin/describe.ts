// One workflow in detail: its latest run, outstanding work, recent history, stalled verdict and linked business records.
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { z } from 'zod';
import { stallReasons, type StalledRule } from '../../domain/stalled-workflows';
import type { Config } from '../../lib/config';
import { pendingActivities, pendingWorkflowTask, runningSnapshot } from './execution-state';
import { eventTime, latestEvents, summarizeEvent } from './history';
import { linkedRecords, linkKeys } from './linked-records';
import type { WorkflowDetail } from './schemas';
import { workflowCall } from './temporal-errors';
import { workflowSummary } from './visibility';
import { iso } from '../serialize';

const RECENT_EVENTS = 20;

/** The newest run of the workflow id; 404 when Temporal knows no such workflow. */
export function describeLatestRun(temporal: Client, workflowId: string): Promise<WorkflowExecutionDescription> {
  return workflowCall(workflowId, () => temporal.workflow.getHandle(workflowId).describe());
}

export async function workflowDetail(temporal: Client, config: Config, workflowId: string, rule: StalledRule, now: Date): Promise<z.infer<typeof WorkflowDetail>> {
  const description = await describeLatestRun(temporal, workflowId);
  const recent = await workflowCall(workflowId, () => latestEvents(temporal, { workflowId, runId: description.runId }, RECENT_EVENTS));
  const summary = workflowSummary(config, description);
  const task = pendingWorkflowTask(description);
  return {
    ...summary,
    historyLength: description.historyLength,
    pendingActivities: pendingActivities(description).map((activity) => ({
      activityId: activity.activityId,
      activityType: activity.activityType,
      state: activity.state,
      attempt: activity.attempt,
      maximumAttempts: activity.maximumAttempts,
      lastFailure: activity.lastFailure,
      lastStartedAt: iso(activity.lastStartedAt),
      lastHeartbeatAt: iso(activity.lastHeartbeatAt),
      heartbeatTimeoutSeconds: activity.heartbeatTimeoutMs === null ? null : activity.heartbeatTimeoutMs / 1000,
      nextRetryAt: iso(activity.nextRetryAt),
    })),
    pendingWorkflowTask: task ? { attempt: task.attempt, scheduledAt: iso(task.scheduledAt) } : null,
    recentHistory: recent.map(summarizeEvent).reverse(),
    stalledReasons: summary.status === 'running' ? stallReasons(runningSnapshot(description, eventTime(recent[0])), rule, now) : [],
    linked: await linkedRecords(workflowId, linkKeys(workflowId, summary.searchAttributes)),
  };
}
