// Timeouts and retry policies per activity group; the worker's shutdown grace derives from them.
import { msToNumber, type ActivityOptions, type LocalActivityOptions } from '@temporalio/common';
import type { IntegrationSystem } from './integration-systems';

/** Short database writes done as local activities (progress tracking). */
export const bookkeepingActivity: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 20 },
};

/** Maintenance jobs on our own database. */
export const maintenanceActivity: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
};

/** Writes to our own database: retried through outages (up to about half an hour). */
export const databaseActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 60 },
};

/**
 * Calls to the Current RMS API. 429/5xx/network failures back off (a Retry-After becomes the next delay);
 * auth and validation failures are non-retryable (activities/error-casting.ts). Heartbeats reveal a dead worker.
 */
export const currentRmsActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 15 },
};

/**
 * A first, local attempt at a Current RMS call from a workflow: once, briefly, inside the workflow task. If it fails,
 * the workflow schedules the call as an activity under currentRmsActivity, whose retries staff can watch.
 */
export const currentRmsLocalAttempt: LocalActivityOptions = { startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } };

/**
 * A webhook event's common run (claim, the Current RMS refresh, finish) as one local attempt: once, inside the
 * workflow task. If it fails, the workflow carries on with the separate steps under their own policies.
 */
export const eventRunLocalAttempt: LocalActivityOptions = { startToCloseTimeout: '20 seconds', retry: { maximumAttempts: 1 } };

/**
 * Writes to a sync target. 429/5xx/network failures back off, a Retry-After becomes the next delay; validation and
 * auth failures are non-retryable and end as a recorded `failed` sync (the reconcile Schedule re-drives it later).
 * Retries are bounded by time, not by a count: a busy system answering 429s (or worker restarts) must not use up a
 * sync, only a system that stays unusable for half an hour does. Xero's attempts may queue behind its 60 calls/minute
 * tenant limit, hence the longer attempt.
 */
const syncRetry = { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' } as const;
const SYNC_RETRY_WINDOW = '30 minutes';
export const syncActivity = {
  salesforce: { startToCloseTimeout: '1 minute', heartbeatTimeout: '15 seconds', scheduleToCloseTimeout: SYNC_RETRY_WINDOW, retry: syncRetry },
  xero: { startToCloseTimeout: '3 minutes', heartbeatTimeout: '15 seconds', scheduleToCloseTimeout: SYNC_RETRY_WINDOW, retry: syncRetry },
  monday: { startToCloseTimeout: '1 minute', heartbeatTimeout: '15 seconds', scheduleToCloseTimeout: SYNC_RETRY_WINDOW, retry: syncRetry },
} satisfies Record<IntegrationSystem, ActivityOptions>;

/** Signals to other workflows (Temporal client calls): retried through a Temporal outage. */
export const temporalClientActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 60 },
};

/**
 * The webhook workflow's short steps (its event row, the sync signals) as local activities: they run inside the
 * workflow task with the same timeout and retries, without a round trip through the Temporal server each.
 */
export const databaseLocalActivity: LocalActivityOptions = { startToCloseTimeout: databaseActivity.startToCloseTimeout, retry: databaseActivity.retry };
export const temporalClientLocalActivity: LocalActivityOptions = { startToCloseTimeout: temporalClientActivity.startToCloseTimeout, retry: temporalClientActivity.retry };

/** The longest single attempt of any activity above; the worker waits at least this long on shutdown. */
export const LONGEST_ACTIVITY_ATTEMPT_MS = Math.max(
  ...[bookkeepingActivity, maintenanceActivity, databaseActivity, currentRmsActivity, currentRmsLocalAttempt, eventRunLocalAttempt, ...Object.values(syncActivity), temporalClientActivity].map((policy) =>
    msToNumber(policy.startToCloseTimeout!),
  ),
);
