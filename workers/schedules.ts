// Creates the platform's Temporal Schedules when they do not exist yet (idempotent at every start).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { TASK_QUEUE } from '../domain/task-queues';
import { scheduleIds } from '../domain/workflow-ids';
import type { Logger } from '../lib/logger';
import type { refreshTokenCleanup } from '../workflows';

export async function ensureSchedules(client: Client, logger: Logger): Promise<void> {
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
