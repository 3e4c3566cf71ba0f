// Processes one stored webhook event: re-fetch the opportunity it names, store snapshot + augmentation, ask the syncs to run, record the outcome.
import { CancellationScope, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { currentRmsActivity, databaseActivity, temporalClientActivity } from '../domain/activity-policies';
import type { ProcessWebhookEventInput, ProcessWebhookEventResult } from '../domain/webhook-events';
import { failureMessage } from './failure-message';
import { withProgress } from './progress';

const { startEventProcessing, finishEventProcessing } = proxyActivities<Activities>(databaseActivity);
const { refreshOpportunity } = proxyActivities<Activities>(currentRmsActivity);
const { notifySyncWorkflows } = proxyActivities<Activities>(temporalClientActivity);

/** Runs recorded before the sync engine existed have no notify step; `patched` keeps them replayable. */
export const NOTIFY_SYNC_PATCH = 'notify-sync-workflows';

export async function processWebhookEvent({ eventId }: ProcessWebhookEventInput): Promise<ProcessWebhookEventResult> {
  return withProgress(`event:${eventId}`, async (step) => {
    try {
      const event = await startEventProcessing({ eventId });
      if (!event.handled || event.opportunityId === null) {
        await finishEventProcessing({ eventId, status: 'ignored' });
        return { eventId, status: 'ignored' };
      }
      const { opportunityId } = event;
      await step('refreshing-opportunity', { opportunityId, eventType: event.eventType });
      const { outcome } = await refreshOpportunity({ eventId, opportunityId, destroyed: event.eventType === 'opportunity_destroy' });
      if (patched(NOTIFY_SYNC_PATCH) && (outcome === 'upserted' || outcome === 'deleted')) {
        await step('notifying-sync-workflows', { opportunityId });
        await notifySyncWorkflows({ opportunityId });
      }
      await finishEventProcessing({ eventId, status: 'processed', opportunityId, outcome });
      return { eventId, status: 'processed', opportunityId, outcome };
    } catch (error) {
      await CancellationScope.nonCancellable(() => finishEventProcessing({ eventId, status: 'failed', error: failureMessage(error) }));
      throw error;
    }
  });
}
