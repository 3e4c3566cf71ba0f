// Processes one stored webhook event: re-fetch the opportunity it names, store snapshot + augmentation, ask the syncs to run, record the outcome.
import { CancellationScope, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { currentRmsActivity, databaseActivity, databaseLocalActivity, temporalClientActivity, temporalClientLocalActivity } from '../domain/activity-policies';
import { asksSyncs, eventBusinessKey, type EventToProcess, type OpportunityOutcome, type ProcessWebhookEventInput, type ProcessWebhookEventResult } from '../domain/webhook-events';
import { failureMessage } from './failure-message';
import { withProgress } from './progress';

const { refreshOpportunity } = proxyActivities<Activities>(currentRmsActivity);
/** The activity proxies are Proxies without own keys: each step is picked by name. */
function eventSteps(database: Pick<Activities, 'startEventProcessing' | 'finishEventProcessing'>, temporal: Pick<Activities, 'notifySyncWorkflows'>) {
  return { startEventProcessing: database.startEventProcessing, finishEventProcessing: database.finishEventProcessing, notifySyncWorkflows: temporal.notifySyncWorkflows };
}
const remoteSteps = eventSteps(proxyActivities<Activities>(databaseActivity), proxyActivities<Activities>(temporalClientActivity));
const localSteps = eventSteps(proxyLocalActivities<Activities>(databaseLocalActivity), proxyLocalActivities<Activities>(temporalClientLocalActivity));

/** Runs recorded before the sync engine existed have no notify step; `patched` keeps them replayable. */
const NOTIFY_SYNC_PATCH = 'notify-sync-workflows';
/**
 * Marking the event, signalling the syncs and recording the outcome are local activities since this patch: two
 * workflow tasks per event instead of five. Runs started before it keep their scheduled activities on replay.
 */
const LOCAL_STEPS_PATCH = 'local-event-steps';

/**
 * Since this patch the event's steps record the run's progress (workflow_instances) in their own transactions: three
 * local activities per event instead of five, and no other patch is consulted. Earlier runs replay the path below it.
 */
const PROGRESS_IN_STEPS_PATCH = 'event-progress-in-steps';

type EventSteps = ReturnType<typeof eventSteps>;
type HandledEvent = EventToProcess & { opportunityId: number };

/**
 * The steps every version shares: mark the event started; one nobody handles is finished `ignored`; otherwise
 * `refreshAndNotify` runs and the event is finished `processed` with its outcome, or `failed` (even when cancelled).
 */
async function processEvent(steps: EventSteps, eventId: string, refreshAndNotify: (event: HandledEvent) => Promise<OpportunityOutcome>): Promise<ProcessWebhookEventResult> {
  try {
    const event = await steps.startEventProcessing({ eventId });
    if (!event.handled || event.opportunityId === null) {
      await steps.finishEventProcessing({ eventId, status: 'ignored' });
      return { eventId, status: 'ignored' };
    }
    const { opportunityId } = event;
    const outcome = await refreshAndNotify({ ...event, opportunityId });
    await steps.finishEventProcessing({ eventId, status: 'processed', opportunityId, outcome });
    return { eventId, status: 'processed', opportunityId, outcome };
  } catch (error) {
    await CancellationScope.nonCancellable(() => steps.finishEventProcessing({ eventId, status: 'failed', error: failureMessage(error) }));
    throw error;
  }
}

async function refresh(eventId: string, { opportunityId, eventType }: HandledEvent): Promise<OpportunityOutcome> {
  return (await refreshOpportunity({ eventId, opportunityId, destroyed: eventType === 'opportunity_destroy' })).outcome;
}

export async function processWebhookEvent({ eventId }: ProcessWebhookEventInput): Promise<ProcessWebhookEventResult> {
  if (!patched(PROGRESS_IN_STEPS_PATCH)) return processRecordingProgressApart(eventId);
  return processEvent(localSteps, eventId, async (event) => {
    const outcome = await refresh(eventId, event);
    if (asksSyncs(outcome)) await localSteps.notifySyncWorkflows({ opportunityId: event.opportunityId });
    return outcome;
  });
}

/** Runs started before PROGRESS_IN_STEPS_PATCH: progress recorded by separate activities, and the two older patches. */
async function processRecordingProgressApart(eventId: string): Promise<ProcessWebhookEventResult> {
  const steps = patched(LOCAL_STEPS_PATCH) ? localSteps : remoteSteps;
  return withProgress(eventBusinessKey(eventId), (step) =>
    processEvent(steps, eventId, async (event) => {
      const { opportunityId } = event;
      await step('refreshing-opportunity', { opportunityId, eventType: event.eventType });
      const outcome = await refresh(eventId, event);
      if (patched(NOTIFY_SYNC_PATCH) && asksSyncs(outcome)) {
        await step('notifying-sync-workflows', { opportunityId });
        await steps.notifySyncWorkflows({ opportunityId });
      }
      return outcome;
    }),
  );
}
