// Processing a stored webhook event: claim it, refresh the opportunity from Current RMS, record the outcome (each step also records the run's progress).
import { ApplicationFailure } from '@temporalio/common';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { augmentOpportunity } from '../domain/augmentation';
import type { OpportunitySnapshot } from '../domain/opportunity';
import { asksSyncs, currentRmsEventType, eventBusinessKey, isDestroyEvent, isHandledEvent, opportunityIdOf, statusChange, type EventStatus, type EventToProcess, type OpportunityOutcome, type ProcessWebhookEventResult } from '../domain/webhook-events';
import { toSnapshot, type CurrentRmsOpportunity } from '../integrations/current-rms/opportunity';
import { auditedWrite } from '../lib/audit';
import { activityIdempotencyKey, workflowActor } from './context';
import { whileHeartbeating } from './heartbeat';
import type { ActivityDeps } from './index';
import { snapshotFromRow } from './opportunity-rows';
import { writeWorkflowProgress } from './workflow-progress';

/**
 * A step's idempotency key, named by the workflow after the step rather than the activity's position: a retried
 * workflow task may run its local activities again along another path (a refresh that failed locally this time), and
 * one step may be done by two executions (a local attempt, then a scheduled activity); whichever committed first, the
 * others report its outcome. Without it, this activity execution's own key.
 */
interface KeyedStep {
  idempotencyKey?: string;
}

export interface StartEventInput extends KeyedStep {
  eventId: string;
}

export interface RefreshOpportunityInput extends KeyedStep {
  eventId: string;
  opportunityId: number;
  /** `opportunity_destroy`: mark it deleted without asking Current RMS. */
  destroyed: boolean;
}

export interface FinishEventInput extends KeyedStep {
  eventId: string;
  status: Extract<EventStatus, 'processed' | 'failed' | 'ignored'>;
  error?: string;
  opportunityId?: number;
  outcome?: OpportunityOutcome;
}

/** The keys of an event's steps in its run, as the workflow names them (see KeyedStep). */
export interface EventStepKeys {
  start: string;
  refresh: string;
  finish: string;
}

export interface RunEventInput {
  eventId: string;
  stepKeys: EventStepKeys;
}

/** An event run ends here (ignored, or processed with nothing for the syncs), or the workflow asks the syncs and finishes it. */
export type EventRun =
  | { finished: true; result: ProcessWebhookEventResult }
  | { finished: false; opportunityId: number; outcome: OpportunityOutcome };

interface OpportunityRow {
  id: string;
  source_updated_at: Date | null;
  deleted_at: Date | null;
}

const historyEntry = (...change: Parameters<typeof statusChange>) => JSON.stringify([statusChange(...change)]);

export function createWebhookEventActivities({ sequelize, currentRms }: ActivityDeps) {
  const steps = {
    /** Marks the event `processing` under this run and tells the workflow what it is about. */
    async startEventProcessing({ eventId, idempotencyKey }: StartEventInput): Promise<EventToProcess> {
      const actor = workflowActor();
      const outcome = await auditedWrite(
        sequelize,
        { idempotencyKey: idempotencyKey ?? activityIdempotencyKey(), actor, entityType: 'event', entityId: eventId, action: 'event.processing' },
        async (transaction) => {
          // Derived again from the stored raw payload, so a replay applies today's rules to what was received.
          const [row] = await sequelize.query<{ subject_type: string | null; action_type: string | null; subject_id: string | null; attempts: number }>(
            `UPDATE events SET status = 'processing', attempts = attempts + 1, workflow_id = :workflowId, run_id = :runId, last_error = NULL,
                    status_history = status_history || CAST(:change AS jsonb), updated_at = now()
             WHERE id = :eventId
             RETURNING payload #>> '{action,subject_type}' AS subject_type, payload #>> '{action,action_type}' AS action_type,
                       payload #>> '{action,subject_id}' AS subject_id, attempts`,
            { type: QueryTypes.SELECT, transaction, replacements: { eventId, workflowId: actor.workflowId, runId: actor.runId, change: historyEntry('processing', new Date(), { workflowId: actor.workflowId, runId: actor.runId }) } },
          );
          if (!row) throw ApplicationFailure.nonRetryable(`Event ${eventId} does not exist`, 'EventNotFound');
          const eventType = row.subject_type && row.action_type ? currentRmsEventType(row.subject_type, row.action_type) : 'unknown';
          const opportunityId = opportunityIdOf(eventType, row.subject_id);
          const event: EventToProcess = { eventId, eventType, handled: isHandledEvent(eventType), opportunityId };
          const refreshing = event.handled && opportunityId !== null;
          await writeWorkflowProgress(sequelize, transaction, {
            businessKey: eventBusinessKey(eventId),
            status: 'running',
            ...(refreshing ? { step: 'refreshing-opportunity', data: { opportunityId, eventType } } : { step: 'started' }),
          });
          return { result: event, after: { status: 'processing', attempts: row.attempts, event } };
        },
      );
      return outcome.applied ? outcome.result : (outcome.after as { event: EventToProcess }).event;
    },

    /**
     * Re-fetches the opportunity (the webhook is only a hint) and, in one audited transaction, upserts its snapshot
     * and augmentation. A snapshot older than the stored one is never written over it.
     */
    async refreshOpportunity({ eventId, opportunityId, destroyed, idempotencyKey }: RefreshOpportunityInput): Promise<{ outcome: OpportunityOutcome }> {
      const fetched = destroyed ? null : await whileHeartbeating((signal) => currentRms.getOpportunity(opportunityId, signal));
      const outcome = await auditedWrite(
        sequelize,
        {
          idempotencyKey: idempotencyKey ?? activityIdempotencyKey(),
          actor: workflowActor(),
          entityType: 'opportunity',
          entityId: String(opportunityId),
          action: fetched ? 'opportunity.refresh' : 'opportunity.delete',
        },
        async (transaction) => {
          const [before] = await sequelize.query<OpportunityRow>('SELECT * FROM opportunities WHERE id = :opportunityId FOR UPDATE', {
            type: QueryTypes.SELECT,
            transaction,
            replacements: { opportunityId },
          });
          const result = fetched
            ? await upsertSnapshot(sequelize, transaction, fetched.opportunity, fetched.raw, eventId, before ?? null)
            : await markDeleted(sequelize, transaction, opportunityId, eventId, before !== undefined);
          if (asksSyncs(result.outcome)) {
            await writeWorkflowProgress(sequelize, transaction, { businessKey: eventBusinessKey(eventId), status: 'running', step: 'notifying-sync-workflows', data: { opportunityId } });
          }
          return { result, before: before ?? null, after: result };
        },
      );
      return outcome.applied ? outcome.result : (outcome.after as { outcome: OpportunityOutcome });
    },

    /** Records how processing ended (processed, ignored or failed with the reason). */
    async finishEventProcessing({ eventId, status, error, opportunityId, outcome, idempotencyKey }: FinishEventInput): Promise<void> {
      const actor = workflowActor();
      await auditedWrite(
        sequelize,
        { idempotencyKey: idempotencyKey ?? activityIdempotencyKey(), actor, entityType: 'event', entityId: eventId, action: `event.${status}` },
        async (transaction) => {
          const details = { workflowId: actor.workflowId, runId: actor.runId, ...(error ? { error } : {}), ...(outcome ? { outcome } : {}) };
          await sequelize.query(
            `UPDATE events SET status = :status, last_error = :error, processed_at = now(), updated_at = now(),
                    status_history = status_history || CAST(:change AS jsonb)
             WHERE id = :eventId`,
            { transaction, replacements: { eventId, status, error: error ?? null, change: historyEntry(status, new Date(), details) } },
          );
          const businessKey = eventBusinessKey(eventId);
          await writeWorkflowProgress(sequelize, transaction, status === 'failed' ? { businessKey, status: 'failed', error } : { businessKey, status: 'completed', step: 'completed' });
          return { result: undefined, after: { status, ...details, ...(opportunityId ? { opportunityId } : {}) } };
        },
      );
    },
  };

  return {
    ...steps,

    /**
     * The common run of an event as one local activity: claim it, refresh the opportunity and, unless the outcome asks
     * the syncs, finish it. Each step commits its own audited transaction under the key the workflow names it by, so a
     * run that fails part-way is carried on by the separate steps, which find what it committed and write it once.
     */
    async runEventLocally({ eventId, stepKeys }: RunEventInput): Promise<EventRun> {
      const event = await steps.startEventProcessing({ eventId, idempotencyKey: stepKeys.start });
      const { opportunityId } = event;
      if (!event.handled || opportunityId === null) {
        await steps.finishEventProcessing({ eventId, status: 'ignored', idempotencyKey: stepKeys.finish });
        return { finished: true, result: { eventId, status: 'ignored' } };
      }
      const { outcome } = await steps.refreshOpportunity({ eventId, opportunityId, destroyed: isDestroyEvent(event.eventType), idempotencyKey: stepKeys.refresh });
      if (asksSyncs(outcome)) return { finished: false, opportunityId, outcome };
      await steps.finishEventProcessing({ eventId, status: 'processed', opportunityId, outcome, idempotencyKey: stepKeys.finish });
      return { finished: true, result: { eventId, status: 'processed', opportunityId, outcome } };
    },
  };
}

/**
 * Writes the fetched snapshot unless the stored one is newer (`stale`: a snapshot fetched before a concurrent delete
 * counts as older) or already is exactly this one (`unchanged`: the event that stored it asked the syncs already).
 */
async function upsertSnapshot(sequelize: Sequelize, transaction: Transaction, opportunity: CurrentRmsOpportunity, raw: unknown, eventId: string, before: OpportunityRow | null) {
  const snapshot = toSnapshot(opportunity);
  const [written] = await sequelize.query<{ id: string }>(
    `INSERT INTO opportunities AS o (id, subject, description, number, state, state_name, status, status_name, starts_at, ends_at,
        charge_total, charge_excluding_tax_total, charge_including_tax_total, tax_total, member_id, member_name, owner_id, owner_name,
        custom_fields, raw, source_updated_at, deleted_at, last_event_id)
     VALUES (:id, :subject, :description, :number, :state, :stateName, :status, :statusName, :startsAt, :endsAt,
        :chargeTotal, :chargeExcludingTaxTotal, :chargeIncludingTaxTotal, :taxTotal, :memberId, :memberName, :ownerId, :ownerName,
        CAST(:customFields AS jsonb), CAST(:raw AS jsonb), :sourceUpdatedAt, NULL, :eventId)
     ON CONFLICT (id) DO UPDATE SET
        subject = EXCLUDED.subject, description = EXCLUDED.description, number = EXCLUDED.number, state = EXCLUDED.state,
        state_name = EXCLUDED.state_name, status = EXCLUDED.status, status_name = EXCLUDED.status_name, starts_at = EXCLUDED.starts_at,
        ends_at = EXCLUDED.ends_at, charge_total = EXCLUDED.charge_total, charge_excluding_tax_total = EXCLUDED.charge_excluding_tax_total,
        charge_including_tax_total = EXCLUDED.charge_including_tax_total, tax_total = EXCLUDED.tax_total, member_id = EXCLUDED.member_id,
        member_name = EXCLUDED.member_name, owner_id = EXCLUDED.owner_id, owner_name = EXCLUDED.owner_name,
        custom_fields = EXCLUDED.custom_fields, raw = EXCLUDED.raw, source_updated_at = EXCLUDED.source_updated_at,
        deleted_at = NULL, last_event_id = EXCLUDED.last_event_id, updated_at = now()
     WHERE (o.source_updated_at IS NULL OR EXCLUDED.source_updated_at IS NULL OR o.source_updated_at <= EXCLUDED.source_updated_at)
       -- a snapshot fetched before a concurrent delete must not bring the opportunity back
       AND (o.deleted_at IS NULL OR o.source_updated_at IS NULL OR o.source_updated_at < EXCLUDED.source_updated_at)
       AND (o.deleted_at IS NOT NULL OR o.raw IS DISTINCT FROM EXCLUDED.raw)
     RETURNING id`,
    {
      type: QueryTypes.SELECT,
      transaction,
      replacements: {
        ...snapshot,
        description: opportunity.description ?? null,
        customFields: JSON.stringify(snapshot.customFields),
        raw: JSON.stringify(raw),
        eventId,
      },
    },
  );
  if (!written) {
    const storedIsNewer = before?.deleted_at != null || isLater(before?.source_updated_at ?? null, snapshot.sourceUpdatedAt);
    return { outcome: storedIsNewer ? ('stale' as const) : ('unchanged' as const), opportunityId: snapshot.id, sourceUpdatedAt: snapshot.sourceUpdatedAt };
  }
  const augmentation = await writeAugmentation(sequelize, transaction, snapshot);
  return { outcome: 'upserted' as const, opportunityId: snapshot.id, sourceUpdatedAt: snapshot.sourceUpdatedAt, augmentation };
}

async function markDeleted(sequelize: Sequelize, transaction: Transaction, opportunityId: number, eventId: string, known: boolean) {
  if (!known) return { outcome: 'not_found' as const, opportunityId };
  const [row] = await sequelize.query<Record<string, unknown>>(
    `UPDATE opportunities SET deleted_at = coalesce(deleted_at, now()), last_event_id = :eventId, updated_at = now()
     WHERE id = :opportunityId RETURNING *`,
    { type: QueryTypes.SELECT, transaction, replacements: { opportunityId, eventId } },
  );
  const snapshot = snapshotFromRow(row!);
  const augmentation = await writeAugmentation(sequelize, transaction, { ...snapshot, deleted: true });
  return { outcome: 'deleted' as const, opportunityId, augmentation };
}

const isLater = (stored: Date | null, fetched: string | null) => stored !== null && fetched !== null && stored.getTime() > Date.parse(fetched);

/** Our business rules (domain/augmentation.ts) applied to the snapshot, stored next to it. */
async function writeAugmentation(sequelize: Sequelize, transaction: Transaction, snapshot: OpportunitySnapshot) {
  const augmentation = augmentOpportunity(snapshot, new Date());
  await sequelize.query(
    `INSERT INTO augmented_opportunities (opportunity_id, workflow_status, risk_level, risk_score, risk_notes, financial_health_score,
        custom_calculations, formula_version, source_updated_at, computed_at)
     VALUES (:opportunityId, :workflowStatus, :riskLevel, :riskScore, CAST(:riskNotes AS jsonb), :financialHealthScore,
        CAST(:customCalculations AS jsonb), :formulaVersion, :sourceUpdatedAt, now())
     ON CONFLICT (opportunity_id) DO UPDATE SET
        workflow_status = EXCLUDED.workflow_status, risk_level = EXCLUDED.risk_level, risk_score = EXCLUDED.risk_score,
        risk_notes = EXCLUDED.risk_notes, financial_health_score = EXCLUDED.financial_health_score,
        custom_calculations = EXCLUDED.custom_calculations, formula_version = EXCLUDED.formula_version,
        source_updated_at = EXCLUDED.source_updated_at, computed_at = now(), updated_at = now()`,
    {
      transaction,
      replacements: {
        ...augmentation,
        opportunityId: snapshot.id,
        riskNotes: JSON.stringify(augmentation.riskNotes),
        customCalculations: JSON.stringify(augmentation.customCalculations),
        sourceUpdatedAt: snapshot.sourceUpdatedAt,
      },
    },
  );
  return augmentation;
}
