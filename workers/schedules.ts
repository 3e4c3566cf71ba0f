// Prepares the namespace at worker start: custom search attributes and the platform's Schedules (idempotent).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { TASK_QUEUE } from '../domain/task-queues';
import { scheduleIds } from '../domain/workflow-ids';
import type { Logger } from '../lib/logger';
import { registerSearchAttributes } from '../lib/temporal';
import type { refreshTokenCleanup } from '../workflows';

export async function prepareNamespace(client: Client, logger: Logger): Promise<void> {
  // Temporal Cloud refuses this call from API keys: there the attributes are created with `tcld`.
  await registerSearchAttributes(client, logger).catch((error: unknown) =>
    logger.warn({ err: error }, 'could not register search attributes; create them with `temporal operator search-attribute create` or `tcld`'),
  );
  await ensureSchedules(client, logger);
}

async function ensureSchedules(client: Client, logger: Logger): Promise<void> {
  try {
    await client.schedule.create({
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
    logger.info({ scheduleId: scheduleIds.refreshTokenCleanup }, 'created schedule');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
