// Timeouts and retry policies per activity group; the worker's shutdown grace derives from them.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/common';

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

/** The longest single attempt of any activity; the worker waits at least this long on shutdown. */
export const LONGEST_ACTIVITY_ATTEMPT_MS = 60_000;
