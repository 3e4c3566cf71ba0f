// The entity workflow `sync-<system>-<opportunityId>`: serializes writes of one opportunity to one system and coalesces bursts.
import { ActivityFailure, ApplicationFailure, condition, defineSignal, isCancellation, makeContinueAsNewFunc, patched, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SyncAttempt } from '../activities/opportunity-sync';
import { databaseActivity, syncActivity } from '../domain/activity-policies';
import type { IntegrationSystem, SyncFailureKind } from '../domain/integration-systems';
import { SYNC_REQUESTED_SIGNAL, type OpportunitySyncInput, type OpportunitySyncResult, type SyncOutcome, type SyncRequest } from '../domain/opportunity-sync';
import { SYNC_STATUS } from '../domain/search-attributes';
import { SYNC_TASK_QUEUE } from '../domain/task-queues';
import { failureMessage } from './failure-message';

export const syncRequested = defineSignal<[SyncRequest]>(SYNC_REQUESTED_SIGNAL);

/** A run continues as new after this many syncs (or earlier when Temporal suggests it), so its history stays small. */
const DEFAULT_SYNCS_PER_RUN = 100;

const { recordSyncResult, recordSyncFailure } = proxyActivities<Activities>(databaseActivity);
const syncers: Record<IntegrationSystem, Pick<Activities, 'syncOpportunity' | 'syncToSystem'>> = {
  salesforce: proxyActivities<Activities>(syncActivity.salesforce),
  xero: proxyActivities<Activities>(syncActivity.xero),
  monday: proxyActivities<Activities>(syncActivity.monday),
};

/**
 * Since this patch one activity writes to the system and records the link: one activity and one workflow task per
 * sync instead of two each. Runs started before it replay the write and the separate record (recordSyncResult).
 */
export const SYNC_RECORDS_LINK_PATCH = 'sync-records-link';

export async function opportunitySync(input: OpportunitySyncInput): Promise<OpportunitySyncResult> {
  const { system, opportunityId, idleTimeoutMs, syncsPerRun = DEFAULT_SYNCS_PER_RUN } = input;
  // Requests that arrive while a sync runs collapse into one: the next sync reads the latest snapshot anyway.
  let pending: SyncRequest | undefined = input.pendingRequest;
  setHandler(syncRequested, (request) => {
    pending = request;
  });

  let syncs = 0;
  let lastOutcome: SyncOutcome | null = null;
  for (;;) {
    await condition(() => pending !== undefined, idleTimeoutMs);
    if (pending === undefined) break; // idle: the next request starts a new run (signal-with-start)
    const request: SyncRequest = pending;
    pending = undefined;
    lastOutcome = await syncOnce(system, opportunityId, request);
    syncs += 1;
    if (pending === undefined && lastOutcome === 'skipped-unknown-opportunity') break;
    if (syncs >= syncsPerRun || workflowInfo().continueAsNewSuggested) {
      // Onto the sync task queue whichever queue this run started on: runs started before it existed move there.
      await makeContinueAsNewFunc<typeof opportunitySync>({ taskQueue: SYNC_TASK_QUEUE })({ system, opportunityId, idleTimeoutMs, syncsPerRun, ...(pending ? { pendingRequest: pending } : {}) });
    }
  }
  return { system, opportunityId, syncs, lastOutcome };
}

/** One sync of the latest snapshot; a failure a retry could not fix is recorded on the link, not thrown. */
async function syncOnce(system: IntegrationSystem, opportunityId: number, request: SyncRequest): Promise<SyncOutcome> {
  upsertSearchAttributes([{ key: SYNC_STATUS, value: 'syncing' }]);
  try {
    const outcome = patched(SYNC_RECORDS_LINK_PATCH) ? await syncers[system].syncOpportunity({ system, opportunityId, request }) : await writeThenRecord(system, opportunityId, request);
    if (outcome === 'unknown-opportunity') {
      upsertSearchAttributes([{ key: SYNC_STATUS, value: 'skipped' }]);
      return 'skipped-unknown-opportunity';
    }
    upsertSearchAttributes([{ key: SYNC_STATUS, value: 'synced' }]);
    return outcome;
  } catch (error) {
    if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
    await recordSyncFailure({ system, opportunityId, error: failureMessage(error), kind: failureKind(error), request });
    upsertSearchAttributes([{ key: SYNC_STATUS, value: 'failed' }]);
    return 'failed';
  }
}

/** Runs started before SYNC_RECORDS_LINK_PATCH: the write, then the link recorded by a second activity. */
async function writeThenRecord(system: IntegrationSystem, opportunityId: number, request: SyncRequest): Promise<SyncAttempt['outcome']> {
  const attempt = await syncers[system].syncToSystem({ system, opportunityId });
  if (attempt.outcome !== 'unknown-opportunity') await recordSyncResult({ system, opportunityId, attempt, request });
  return attempt.outcome;
}

/**
 * A failure the system marked final keeps its classification (type `<system>.auth`, else validation: the data or the
 * setup must change); anything else means the retries ran out (429s, 5xx, timeouts).
 */
function failureKind(error: ActivityFailure): SyncFailureKind {
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure) || !cause.nonRetryable) return 'retryable';
  return cause.type?.endsWith('.auth') ? 'auth' : 'validation';
}
