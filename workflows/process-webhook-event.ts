// Processes one stored webhook event: re-fetch the opportunity it names, store snapshot + augmentation, ask the syncs to run, record the outcome.
import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, patched, proxyActivities, proxyLocalActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ConnectorFailureDetails } from '../activities/error-casting';
import type { EventRun, RefreshOpportunityInput } from '../activities/webhook-events';
import { currentRmsActivity, currentRmsLocalAttempt, databaseActivity, databaseLocalActivity, eventRunLocalAttempt, temporalClientActivity, temporalClientLocalActivity } from '../domain/activity-policies';
import { asksSyncs, eventBusinessKey, isDestroyEvent, type EventToProcess, type OpportunityOutcome, type ProcessWebhookEventInput, type ProcessWebhookEventResult } from '../domain/webhook-events';
import { failureMessage } from './failure-message';
import { withProgress } from './progress';

const { refreshOpportunity } = proxyActivities<Activities>(currentRmsActivity);
const { refreshOpportunity: refreshOpportunityLocally } = proxyLocalActivities<Activities>(currentRmsLocalAttempt);
const { runEventLocally } = proxyLocalActivities<Activities>(eventRunLocalAttempt);
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

/**
 * Since this patch the refresh is first tried once as a local activity: an event is one workflow task with no
 * scheduled activity. Only if that attempt fails is the refresh scheduled as an activity, so a Current RMS outage still
 * shows in the Temporal UI and the stalled view as a pending activity with its attempts and last failure. Runs started
 * before consult the patches below it.
 */
const LOCAL_REFRESH_FIRST_PATCH = 'local-refresh-first';

/**
 * Since this patch an event's common run (claim, refresh, finish when no sync needs asking: most webhooks of a burst
 * find the snapshot their first one stored) is one local activity, one marker instead of three and two workflow
 * activations instead of four. An event whose syncs must be asked, or whose run failed part-way, goes on with the
 * keyed steps of LOCAL_REFRESH_FIRST_PATCH. Runs started before consult the patches below it.
 */
const LOCAL_EVENT_RUN_PATCH = 'local-event-run';

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
    return failEvent(steps, eventId, error);
  }
}

/** The event is finished `failed` with the reason (even when the run was cancelled), and the run fails with it. */
async function failEvent(steps: EventSteps, eventId: string, error: unknown): Promise<never> {
  await CancellationScope.nonCancellable(() => steps.finishEventProcessing({ eventId, status: 'failed', error: failureMessage(error) }));
  throw error;
}

const refreshInput = (eventId: string, { opportunityId, eventType }: HandledEvent): RefreshOpportunityInput => ({ eventId, opportunityId, destroyed: isDestroyEvent(eventType) });

async function refresh(eventId: string, event: HandledEvent): Promise<OpportunityOutcome> {
  return (await refreshOpportunity(refreshInput(eventId, event))).outcome;
}

/** The ApplicationFailure an activity ended with: a scheduled activity's is the cause of its ActivityFailure, a local one's is thrown as is. */
function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  return failure instanceof ApplicationFailure ? failure : undefined;
}

/** A failure the scheduled activity would not retry either (Current RMS refused us or the data), or a cancellation. */
const isFinal = (error: unknown) => isCancellation(error) || applicationFailureOf(error)?.nonRetryable === true;

/** The delay Current RMS asked for (its Retry-After, capped), if any. */
const retryAfterMsOf = (error: unknown) => (applicationFailureOf(error)?.details?.[0] as ConnectorFailureDetails | undefined)?.retryAfterMs;

/** This run's key for a step, the same whichever path (and so position) a retried workflow task takes to it. */
function stepKey(step: keyof Activities): string {
  const { workflowId, runId } = workflowInfo();
  return `${workflowId}/${runId}/${step}`;
}

/** The local steps under step keys: a workflow task retried along another path writes nothing twice. */
const keyedLocalSteps: EventSteps = {
  startEventProcessing: (input) => localSteps.startEventProcessing({ ...input, idempotencyKey: stepKey('startEventProcessing') }),
  finishEventProcessing: (input) => localSteps.finishEventProcessing({ ...input, idempotencyKey: stepKey('finishEventProcessing') }),
  notifySyncWorkflows: localSteps.notifySyncWorkflows,
};

/**
 * Both executions write under the step's key, so a local attempt that committed but did not answer is not written
 * twice. The scheduled activity starts after the Retry-After the local attempt was answered with.
 */
async function refreshLocallyFirst(eventId: string, event: HandledEvent): Promise<OpportunityOutcome> {
  const input = keyedRefreshInput(eventId, event);
  try {
    return (await refreshOpportunityLocally(input)).outcome;
  } catch (error) {
    if (isFinal(error)) throw error;
    return refreshScheduledAfter(input, retryAfterMsOf(error));
  }
}

const keyedRefreshInput = (eventId: string, event: HandledEvent): RefreshOpportunityInput => ({ ...refreshInput(eventId, event), idempotencyKey: stepKey('refreshOpportunity') });

/** The refresh as a scheduled activity, after the Retry-After a local attempt was answered with. */
async function refreshScheduledAfter(input: RefreshOpportunityInput, retryAfterMs: number | undefined): Promise<OpportunityOutcome> {
  if (retryAfterMs !== undefined) await sleep(retryAfterMs);
  return (await refreshOpportunity(input)).outcome;
}

/**
 * The event's common run in one local activity, under the keys of the separate steps. An outcome that asks the
 * syncs is followed by the notify and finish steps; a run that failed for a reason a retry could fix is carried on by
 * the keyed steps (what it committed is found under its keys; the refresh is scheduled after its Retry-After).
 */
async function processInOneLocalActivity(eventId: string): Promise<ProcessWebhookEventResult> {
  let run: EventRun;
  try {
    run = await runEventLocally({ eventId, stepKeys: { start: stepKey('startEventProcessing'), refresh: stepKey('refreshOpportunity'), finish: stepKey('finishEventProcessing') } });
  } catch (error) {
    if (isFinal(error)) return failEvent(keyedLocalSteps, eventId, error);
    const retryAfterMs = retryAfterMsOf(error);
    return processWith(keyedLocalSteps, eventId, (id, event) => refreshScheduledAfter(keyedRefreshInput(id, event), retryAfterMs));
  }
  if (run.finished) return run.result;
  const { opportunityId, outcome } = run;
  try {
    await keyedLocalSteps.notifySyncWorkflows({ opportunityId });
    await keyedLocalSteps.finishEventProcessing({ eventId, status: 'processed', opportunityId, outcome });
    return { eventId, status: 'processed', opportunityId, outcome };
  } catch (error) {
    return failEvent(keyedLocalSteps, eventId, error);
  }
}

/** Local steps that record progress in their own transactions, around `refreshWith`. */
const processWith = (steps: EventSteps, eventId: string, refreshWith: typeof refresh) =>
  processEvent(steps, eventId, async (event) => {
    const outcome = await refreshWith(eventId, event);
    if (asksSyncs(outcome)) await steps.notifySyncWorkflows({ opportunityId: event.opportunityId });
    return outcome;
  });

export async function processWebhookEvent({ eventId }: ProcessWebhookEventInput): Promise<ProcessWebhookEventResult> {
  if (patched(LOCAL_EVENT_RUN_PATCH)) return processInOneLocalActivity(eventId);
  if (patched(LOCAL_REFRESH_FIRST_PATCH)) return processWith(keyedLocalSteps, eventId, refreshLocallyFirst);
  if (!patched(PROGRESS_IN_STEPS_PATCH)) return processRecordingProgressApart(eventId);
  return processWith(localSteps, eventId, refresh);
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
