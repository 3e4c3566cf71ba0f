// Asks the entity workflow `sync-<system>-<opportunityId>` to sync: signal-with-start, so it runs whether or not it exists.
import type { Client } from '@temporalio/client';
import type { IntegrationSystem } from '../domain/integration-systems';
import { SYNC_REQUESTED_SIGNAL, type OpportunitySyncInput, type SyncRequest } from '../domain/opportunity-sync';
import { BUSINESS_KEY, INTEGRATION_SYSTEM, OPPORTUNITY_ID, SYNC_STATUS } from '../domain/search-attributes';
import { SYNC_TASK_QUEUE } from '../domain/task-queues';
import { workflowIds } from '../domain/workflow-ids';
import type { Config } from './config';

/** An idle sync workflow completes after this long; the next request starts a new run. */
export const syncIdleTimeoutMs = (config: Config) => config.SYNC_IDLE_MINUTES * 60_000;

export interface SyncRequestTarget {
  system: IntegrationSystem;
  opportunityId: number;
}

/** Returns the workflow id and the run that will serve the request (a new one, or the one already running). */
export async function requestOpportunitySync(client: Client, { system, opportunityId }: SyncRequestTarget, request: SyncRequest, idleTimeoutMs: number) {
  const workflowId = workflowIds.opportunitySync(system, opportunityId);
  const handle = await client.workflow.signalWithStart('opportunitySync', {
    workflowId,
    taskQueue: SYNC_TASK_QUEUE,
    args: [{ system, opportunityId, idleTimeoutMs } satisfies OpportunitySyncInput],
    signal: SYNC_REQUESTED_SIGNAL,
    signalArgs: [request],
    typedSearchAttributes: [
      { key: OPPORTUNITY_ID, value: String(opportunityId) },
      { key: INTEGRATION_SYSTEM, value: system },
      { key: SYNC_STATUS, value: 'pending' },
      { key: BUSINESS_KEY, value: `opportunity:${opportunityId}` },
    ],
  });
  return { workflowId, runId: handle.signaledRunId };
}
