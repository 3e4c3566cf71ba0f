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
