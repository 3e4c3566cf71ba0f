// The outbox relay: hands every `received` webhook event to Temporal as a processWebhookEvent workflow.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { QueryTypes, type Sequelize } from 'sequelize';
import { BUSINESS_KEY, EVENT_TYPE, OPPORTUNITY_ID } from '../domain/search-attributes';
import { TASK_QUEUE } from '../domain/task-queues';
import { eventBusinessKey, opportunityIdOf, statusChange } from '../domain/webhook-events';
import { workflowIds } from '../domain/workflow-ids';
import type { processWebhookEvent } from '../workflows';
import type { Logger } from '../lib/logger';

export interface OutboxRelayOptions {
  sequelize: Sequelize;
  client: Client;
  logger: Logger;
  pollIntervalMs: number;
  batchSize?: number;
}

interface PendingEvent {
  id: string;
  event_type: string;
  entity_id: string | null;
  replay_count: number;
}

type Dispatch = { id: string; status: 'dispatched'; workflowId: string; runId: string } | { id: string; status: 'failed'; workflowId: string; error: string };

const MAX_BACKOFF_MS = 5_000;
/** A start that takes longer is abandoned (and retried on the next pass), so an outage never holds the claim for long. */
const START_DEADLINE_MS = 10_000;

/**
 * Claims up to `batchSize` received events (FOR UPDATE SKIP LOCKED, so several relays never share one), starts
 * their workflows and marks them dispatched, all before the claim is released. A start that fails leaves its
 * event `received` for the next pass; the workflow id (`webhook-<eventId>`) with USE_EXISTING makes a repeated
 * start after a crash harmless. Returns how many events were claimed and how many starts failed.
 */
export async function relayOnce(options: OutboxRelayOptions): Promise<{ claimed: number; failed: number }> {
  const { sequelize, client, logger, batchSize = 100 } = options;
  return sequelize.transaction(async (transaction) => {
    const pending = await sequelize.query<PendingEvent>(
      `SELECT id, event_type, entity_id, replay_count FROM events WHERE status = 'received'
       ORDER BY received_at LIMIT :batchSize FOR UPDATE SKIP LOCKED`,
      { type: QueryTypes.SELECT, transaction, replacements: { batchSize } },
    );
    if (pending.length === 0) return { claimed: 0, failed: 0 };

    const settled = await Promise.allSettled(pending.map((event) => startProcessing(client, event)));
    const dispatches = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failures = settled.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failures.length > 0) logger.warn({ err: failures[0]!.reason, failed: failures.length }, 'could not start some webhook workflows; will retry');

    if (dispatches.length > 0) {
      await sequelize.query(
        `UPDATE events e SET status = d.status, workflow_id = d.workflow_id, run_id = d.run_id, last_error = d.error,
                dispatched_at = now(), updated_at = now(), status_history = e.status_history || jsonb_build_array(d.change)
         FROM jsonb_to_recordset(CAST(:dispatches AS jsonb)) AS d(id uuid, status text, workflow_id text, run_id text, error text, change jsonb)
         WHERE e.id = d.id AND e.status = 'received'`,
        {
          transaction,
          replacements: {
            dispatches: JSON.stringify(
              dispatches.map((d) => {
                const runId = d.status === 'dispatched' ? d.runId : undefined;
                const error = d.status === 'failed' ? d.error : undefined;
                return { id: d.id, status: d.status, workflow_id: d.workflowId, run_id: runId ?? null, error: error ?? null, change: statusChange(d.status, new Date(), { workflowId: d.workflowId, runId, error }) };
              }),
            ),
          },
        },
      );
    }
    return { claimed: pending.length, failed: failures.length };
  });
}

async function startProcessing(client: Client, event: PendingEvent): Promise<Dispatch> {
  const workflowId = workflowIds.processWebhookEvent(event.id, event.replay_count);
  try {
    const handle = await client.withDeadline(Date.now() + START_DEADLINE_MS, () => client.workflow.start<typeof processWebhookEvent>('processWebhookEvent', {
      workflowId,
      taskQueue: TASK_QUEUE,
      args: [{ eventId: event.id }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: BUSINESS_KEY, value: eventBusinessKey(event.id) },
        { key: EVENT_TYPE, value: event.event_type },
        ...(opportunityIdOf(event.event_type, event.entity_id) !== null ? [{ key: OPPORTUNITY_ID, value: event.entity_id! }] : []),
      ],
    }));
    return { id: event.id, status: 'dispatched', workflowId, runId: handle.firstExecutionRunId };
  } catch (error) {
    // The workflow already ran to completion yet the event was never claimed by it (e.g. terminated before its
    // first step). Starting it again is impossible by design; say so on the event, which can then be replayed.
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      return { id: event.id, status: 'failed', workflowId, error: `Workflow ${workflowId} already closed without processing this event; replay it.` };
    }
    throw error;
  }
}

/** Polls until stopped; backs off while PostgreSQL or Temporal is unavailable. */
export function startOutboxRelay(options: OutboxRelayOptions): { stop(): Promise<void> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    let backoffMs = 0;
    while (!stopped) {
      try {
        const { claimed, failed } = await relayOnce(options);
        backoffMs = failed > 0 ? Math.min(MAX_BACKOFF_MS, Math.max(options.pollIntervalMs, backoffMs * 2)) : 0;
        if (claimed > 0 && failed === 0) continue; // more may be waiting
      } catch (error) {
        backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(options.pollIntervalMs, backoffMs * 2));
        options.logger.warn({ err: error, retryInMs: backoffMs }, 'outbox relay pass failed');
      }
      if (stopped) break; // stop() came during the pass: its wake-up found no pause to end
      await pause(backoffMs || options.pollIntervalMs);
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
