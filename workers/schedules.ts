// Prepares the namespace at worker start: custom search attributes and the platform's Schedules (idempotent).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { TASK_QUEUE } from '../domain/task-queues';
import { scheduleIds } from '../domain/workflow-ids';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { registerSearchAttributes } from '../lib/temporal';
import type { reconcileIntegrations, refreshTokenCleanup } from '../workflows';

export interface ScheduleSettings {
  reconcileIntervalMs: number;
  failedSyncCooldownMs: number;
}

export const scheduleSettings = (config: Config): ScheduleSettings => ({
  reconcileIntervalMs: config.RECONCILE_INTERVAL_MINUTES * 60_000,
  failedSyncCooldownMs: config.SYNC_FAILED_COOLDOWN_MINUTES * 60_000,
});

/** Syncs re-driven per reconcile run at most; the next run continues. */
const RECONCILE_BATCH = 1_000;

export async function prepareNamespace(client: Client, logger: Logger, settings: ScheduleSettings): Promise<void> {
  // Temporal Cloud refuses this call from API keys: there the attributes are created with `tcld`.
  await registerSearchAttributes(client, logger).catch((error: unknown) =>
    logger.warn({ err: error }, 'could not register search attributes; create them with `temporal operator search-attribute create` or `tcld`'),
  );
  await ensureSchedule(client, logger, {
    scheduleId: scheduleIds.refreshTokenCleanup,
    spec: { calendars: [{ hour: 3, minute: 17, comment: 'daily at 03:17 UTC' }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'refreshTokenCleanup',
      workflowId: scheduleIds.refreshTokenCleanup,
      taskQueue: TASK_QUEUE,
      args: [{ retentionDays: 30, batchSize: 1_000 }] satisfies Parameters<typeof refreshTokenCleanup>,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
  });
  await ensureSchedule(client, logger, {
    scheduleId: scheduleIds.reconcileIntegrations,
    spec: { intervals: [{ every: settings.reconcileIntervalMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'reconcileIntegrations',
      workflowId: scheduleIds.reconcileIntegrations,
      taskQueue: TASK_QUEUE,
      args: [{ failedCooldownMs: settings.failedSyncCooldownMs, limit: RECONCILE_BATCH }] satisfies Parameters<typeof reconcileIntegrations>,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
  });
}

/** Creates the schedule, or brings an existing one to this spec and action (settings may have changed). */
async function ensureSchedule(client: Client, logger: Logger, options: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(options);
    logger.info({ scheduleId: options.scheduleId }, 'created schedule');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(options.scheduleId).update((current) => ({ ...current, spec: options.spec, action: options.action, policies: { ...current.policies, ...options.policies } }));
  }
}
