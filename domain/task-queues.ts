// Task-queue names shared by the worker, the API's Temporal client and the tests.
/** Webhook events, reconciliation, maintenance: every workflow but the syncs. */
export const TASK_QUEUE = 'integration-platform';
/**
 * The `opportunitySync` entity workflows and their activities: a burst of webhooks (thousands of event runs queued on
 * TASK_QUEUE) does not hold back the syncs of opportunities already refreshed, and a slow SaaS does not take the
 * slots the event runs need. The worker polls both.
 */
export const SYNC_TASK_QUEUE = 'integration-platform-sync';

/** The task queues the worker role polls, one Temporal worker each. */
export const PLATFORM_TASK_QUEUES = [TASK_QUEUE, SYNC_TASK_QUEUE] as const;

/**
 * Where an admin rerun starts: a run on one of the platform's queues starts again on the queue its type runs on today
 * (the syncs on SYNC_TASK_QUEUE, so one started before that queue existed moves there; everything else on TASK_QUEUE);
 * a run on any other queue stays.
 */
export function taskQueueForRerun(workflowType: string, startedOn: string): string {
  if (!(PLATFORM_TASK_QUEUES as readonly string[]).includes(startedOn)) return startedOn;
  return workflowType === 'opportunitySync' ? SYNC_TASK_QUEUE : TASK_QUEUE;
}
