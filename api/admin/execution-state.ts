// What a workflow description says about outstanding work (pending activities, pending workflow task), as plain values.
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { optionalTsToDate, optionalTsToMs } from '@temporalio/common/lib/time';
import type { PendingActivitySnapshot, PendingActivityState, RunningWorkflowSnapshot } from '../../domain/stalled-workflows';

/** temporal.api.enums.v1.PendingActivityState */
const ACTIVITY_STATES: Record<number, PendingActivityState> = { 1: 'scheduled', 2: 'started', 3: 'cancel_requested', 4: 'paused', 5: 'pause_requested' };

interface PendingActivity extends PendingActivitySnapshot {
  activityId: string;
  /** 0 = unlimited. */
  maximumAttempts: number;
  nextRetryAt: Date | null;
}

const dateOrNull = (timestamp: Parameters<typeof optionalTsToDate>[0]) => optionalTsToDate(timestamp) ?? null;

export function pendingActivities(description: WorkflowExecutionDescription): PendingActivity[] {
  return (description.raw.pendingActivities ?? []).map((activity) => {
    const state = ACTIVITY_STATES[activity.state ?? 0] ?? 'unknown';
    const attempt = activity.attempt ?? 0;
    return {
      activityId: activity.activityId ?? '',
      activityType: activity.activityType?.name ?? 'unknown',
      state,
      attempt,
      maximumAttempts: activity.maximumAttempts ?? 0,
      lastFailure: activity.lastFailure?.message || activity.lastFailure?.cause?.message || null,
      lastStartedAt: dateOrNull(activity.lastStartedTime),
      lastHeartbeatAt: dateOrNull(activity.lastHeartbeatTime),
      heartbeatTimeoutMs: optionalTsToMs(activity.activityOptions?.heartbeatTimeout) || null,
      // Between attempts the activity is scheduled again for the time of its next attempt.
      nextRetryAt: dateOrNull(activity.nextAttemptScheduleTime) ?? (state === 'scheduled' && attempt > 1 ? dateOrNull(activity.scheduledTime) : null),
    };
  });
}

export function pendingWorkflowTask(description: WorkflowExecutionDescription): { attempt: number; scheduledAt: Date | null } | null {
  const task = description.raw.pendingWorkflowTask;
  return task ? { attempt: task.attempt ?? 1, scheduledAt: dateOrNull(task.scheduledTime) } : null;
}

/** What the stalled rule judges: outstanding work and the time of the newest history event. */
export function runningSnapshot(description: WorkflowExecutionDescription, lastEventAt: Date | null): RunningWorkflowSnapshot {
  return { lastEventAt, pendingActivities: pendingActivities(description), pendingWorkflowTask: pendingWorkflowTask(description) };
}
