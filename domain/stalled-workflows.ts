// The stalled-workflow rule: which signs make a running execution "stalled", judged from a snapshot of it (pure).

export interface StalledRule {
  /** A pending activity (or workflow task) on this attempt or later is stalled. */
  minAttempts: number;
  /** No progress (history event or activity heartbeat) for this long, while work is outstanding, is stalled. */
  noProgressMinutes: number;
}

export type PendingActivityState = 'scheduled' | 'started' | 'cancel_requested' | 'paused' | 'pause_requested' | 'unknown';

export interface PendingActivitySnapshot {
  activityType: string;
  state: PendingActivityState;
  attempt: number;
  lastFailure: string | null;
  lastStartedAt: Date | null;
  lastHeartbeatAt: Date | null;
  /** null when the activity has no heartbeat timeout (or the server does not report it). */
  heartbeatTimeoutMs: number | null;
}

export interface RunningWorkflowSnapshot {
  /** The time of the newest event in the run's history. */
  lastEventAt: Date | null;
  pendingActivities: PendingActivitySnapshot[];
  pendingWorkflowTask: { attempt: number } | null;
}

export type StallCode = 'activity-attempts' | 'heartbeat-timeout' | 'workflow-task-attempts' | 'no-progress';

export interface StallReason {
  code: StallCode;
  message: string;
}

const MINUTE_MS = 60_000;

/** "45 s" below two minutes, whole minutes above. */
const duration = (ms: number) => (ms < 2 * MINUTE_MS ? `${Math.round(ms / 1000)} s` : `${Math.floor(ms / MINUTE_MS)} min`);

/** The newest sign of life: the last history event or the last heartbeat of a pending activity. */
export function lastProgressAt(snapshot: RunningWorkflowSnapshot): Date | null {
  const times = [snapshot.lastEventAt, ...snapshot.pendingActivities.map((activity) => activity.lastHeartbeatAt)].filter((time): time is Date => time !== null);
  return times.length === 0 ? null : new Date(Math.max(...times.map((time) => time.getTime())));
}

/** Every rule the snapshot breaks, in a stable order; empty when the execution is not stalled. */
export function stallReasons(snapshot: RunningWorkflowSnapshot, rule: StalledRule, now: Date): StallReason[] {
  const reasons: StallReason[] = [];
  for (const activity of snapshot.pendingActivities) {
    if (activity.attempt >= rule.minAttempts) {
      reasons.push({ code: 'activity-attempts', message: `Activity ${activity.activityType} is on attempt ${activity.attempt} (stalled from attempt ${rule.minAttempts})` });
    }
  }
  for (const activity of snapshot.pendingActivities) {
    if (activity.state !== 'started' || activity.heartbeatTimeoutMs === null || activity.heartbeatTimeoutMs <= 0) continue;
    const lastBeat = activity.lastHeartbeatAt ?? activity.lastStartedAt;
    if (lastBeat !== null && now.getTime() - lastBeat.getTime() > activity.heartbeatTimeoutMs) {
      reasons.push({
        code: 'heartbeat-timeout',
        message: `Activity ${activity.activityType} last heartbeat ${duration(now.getTime() - lastBeat.getTime())} ago, past its ${duration(activity.heartbeatTimeoutMs)} heartbeat timeout`,
      });
    }
  }
  if (snapshot.pendingWorkflowTask && snapshot.pendingWorkflowTask.attempt >= rule.minAttempts) {
    reasons.push({ code: 'workflow-task-attempts', message: `The workflow task is on attempt ${snapshot.pendingWorkflowTask.attempt} (stalled from attempt ${rule.minAttempts}): the workflow code keeps failing` });
  }
  const outstanding = snapshot.pendingActivities.length > 0 || snapshot.pendingWorkflowTask !== null;
  const progress = lastProgressAt(snapshot);
  if (outstanding && progress !== null && now.getTime() - progress.getTime() >= rule.noProgressMinutes * MINUTE_MS) {
    reasons.push({ code: 'no-progress', message: `No progress for ${duration(now.getTime() - progress.getTime())} (stalled after ${rule.noProgressMinutes} min) while work is outstanding` });
  }
  return reasons;
}

/** The most recent failure worth showing: the one of the pending activity with the most attempts. */
export function lastFailureOf(snapshot: RunningWorkflowSnapshot): string | null {
  const failing = snapshot.pendingActivities.filter((activity) => activity.lastFailure !== null).sort((a, b) => b.attempt - a.attempt);
  return failing[0]?.lastFailure ?? null;
}
