// Processes one stored webhook event: re-fetch the opportunity it names, store snapshot + augmentation, record the outcome.
import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { currentRmsActivity, databaseActivity } from '../domain/activity-policies';
import type { ProcessWebhookEventInput, ProcessWebhookEventResult } from '../domain/webhook-events';
import { failureMessage } from './failure-message';
import { withProgress } from './progress';

const { startEventProcessing, finishEventProcessing } = proxyActivities<Activities>(databaseActivity);
const { refreshOpportunity } = proxyActivities<Activities>(currentRmsActivity);

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
      await finishEventProcessing({ eventId, status: 'processed', opportunityId, outcome });
      return { eventId, status: 'processed', opportunityId, outcome };
    } catch (error) {
      await CancellationScope.nonCancellable(() => finishEventProcessing({ eventId, status: 'failed', error: failureMessage(error) }));
      throw error;
    }
  });
}
