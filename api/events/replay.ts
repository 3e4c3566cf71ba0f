// Replay: a finished event goes back to `received` under a new replay number; the outbox relay starts its new run.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Op, QueryTypes, type Sequelize } from 'sequelize';
import { statusChange, TERMINAL_EVENT_STATUSES } from '../../domain/webhook-events';
import { workflowIds } from '../../domain/workflow-ids';
import { auditedWrite, type Actor } from '../../lib/audit';
import { AppError, conflict, notFound } from '../../lib/errors';
import { WebhookEvent } from '../../models';
import { callTemporal } from '../temporal-calls';
import type { ReplayFilter } from './schemas';
import type { z } from 'zod';

export interface ReplayStarted {
  eventId: string;
  replay: number;
  workflowId: string;
  status: 'received';
}

const isTerminal = (status: string) => (TERMINAL_EVENT_STATUSES as readonly string[]).includes(status);

/** An event left `dispatched` or `processing` by a run that closed without finishing it (terminated, timed out). */
async function isAbandoned(temporal: Client, event: WebhookEvent): Promise<boolean> {
  const { workflowId, runId } = event;
  if (event.status === 'received' || !workflowId) return false; // about to be started by the relay
  try {
    const { status } = await callTemporal(temporal, () => temporal.workflow.getHandle(workflowId, runId ?? undefined).describe());
    return status.name !== 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return true;
    throw error;
  }
}

/**
 * Audited and idempotent per replay number: two admins replaying the same event at once get the same replay.
 * An event whose run is still going cannot be replayed (409): the two runs would race.
 */
export async function replayEvent(sequelize: Sequelize, temporal: Client, eventId: string, actor: Extract<Actor, { type: 'user' }>): Promise<ReplayStarted> {
  const event = await WebhookEvent.findByPk(eventId, { attributes: ['id', 'status', 'replayCount', 'workflowId', 'runId'] });
  if (!event) throw notFound(`No event ${eventId}`);
  if (!isTerminal(event.status) && !(await isAbandoned(temporal, event))) {
    throw conflict(`Event ${eventId} is ${event.status}; replay it once processing has finished`, { status: event.status });
  }
  const replay = event.replayCount + 1;
  const started: ReplayStarted = { eventId, replay, workflowId: workflowIds.processWebhookEvent(eventId, replay), status: 'received' };
  await auditedWrite(
    sequelize,
    { idempotencyKey: `event.replay:${eventId}:${replay}`, actor, entityType: 'event', entityId: eventId, action: 'event.replay' },
    async (transaction) => {
      const change = JSON.stringify([statusChange('received', new Date(), { workflowId: started.workflowId, by: actor.userId })]);
      const [updated] = await sequelize.query<{ id: string }>(
        `UPDATE events SET status = 'received', replay_count = :replay, last_error = NULL, workflow_id = NULL, run_id = NULL,
                dispatched_at = NULL, processed_at = NULL, status_history = status_history || CAST(:change AS jsonb), updated_at = now()
         WHERE id = :eventId AND replay_count = :previous AND status = :status
         RETURNING id`,
        { type: QueryTypes.SELECT, transaction, replacements: { eventId, replay, previous: replay - 1, change, status: event.status } },
      );
      if (!updated) throw conflict(`Event ${eventId} changed while replaying it; try again`);
      return { result: started, before: { status: event.status, replayCount: event.replayCount }, after: started };
    },
  );
  return started;
}

/** Replays up to `limit` finished events matching the filter, oldest first; reports what it skipped and why. */
export async function replayMatching(sequelize: Sequelize, temporal: Client, filter: z.infer<typeof ReplayFilter>, limit: number, actor: Extract<Actor, { type: 'user' }>) {
  const where = {
    status: filter.status,
    ...(filter.eventType ? { eventType: filter.eventType } : {}),
    ...(filter.entityId ? { entityId: filter.entityId } : {}),
    ...(filter.since || filter.until
      ? { receivedAt: { ...(filter.since ? { [Op.gte]: new Date(filter.since) } : {}), ...(filter.until ? { [Op.lt]: new Date(filter.until) } : {}) } }
      : {}),
  };
  const matches = await WebhookEvent.findAll({ where, attributes: ['id'], order: [['receivedAt', 'ASC'], ['id', 'ASC']], limit });
  const replays: ReplayStarted[] = [];
  const skipped: { eventId: string; reason: string }[] = [];
  for (const { id } of matches) {
    try {
      replays.push(await replayEvent(sequelize, temporal, id, actor));
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      skipped.push({ eventId: id, reason: error.message });
    }
  }
  return { count: replays.length, matched: matches.length, replays, skipped };
}
