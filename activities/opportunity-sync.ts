// Syncing one opportunity to one system: build the payload, skip it when unchanged, write it, record the link (audited).
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { QueryTypes } from 'sequelize';
import type { IntegrationSystem, SyncFailureKind } from '../domain/integration-systems';
import type { SyncRequest } from '../domain/opportunity-sync';
import { syncPayload } from '../domain/sync-payloads';
import { UnsyncableOpportunity } from '../domain/sync-payloads/unsyncable';
import type { ExternalLink, SyncConnector } from '../integrations/sync-connector';
import { auditedWrite } from '../lib/audit';
import { activityIdempotencyKey, workflowActor } from './context';
import { whileHeartbeating } from './heartbeat';
import type { ActivityDeps } from './index';
import { snapshotFromRow } from './opportunity-rows';

export interface SyncTarget {
  system: IntegrationSystem;
  opportunityId: number;
}

/** `sourceUpdatedAt`: the Current RMS version of the snapshot this sync read. */
export type SyncAttempt =
  | { outcome: 'unknown-opportunity' }
  | { outcome: 'unchanged'; payloadHash: string; sourceUpdatedAt: string | null }
  | { outcome: 'written'; payloadHash: string; sourceUpdatedAt: string | null; externalId: string; created: boolean; metadata: Record<string, unknown> };

interface LinkRow {
  external_id: string | null;
  status: string;
  payload_hash: string | null;
  metadata: Record<string, unknown>;
}

/** Key order never changes the hash: objects are serialized with sorted keys. */
function payloadHash(payload: unknown): string {
  const canonical = JSON.stringify(payload, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))) : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}

type RecordedAttempt = Exclude<SyncAttempt, { outcome: 'unknown-opportunity' }>;

export function createOpportunitySyncActivities({ sequelize, connectors }: ActivityDeps) {
  /**
   * Writes the latest snapshot to the system unless the link already holds exactly this payload. The write's
   * idempotency key is this activity execution's plus the payload's hash: a retry of the same payload (after a lost
   * answer, a dead worker) reuses it; a retry that reads a newer snapshot, and any later sync, has its own (Xero
   * refuses a key reused with a different body).
   */
  async function writeSnapshot({ system, opportunityId }: SyncTarget): Promise<SyncAttempt> {
    const [opportunity] = await sequelize.query<Record<string, unknown>>('SELECT * FROM opportunities WHERE id = :opportunityId', {
      type: QueryTypes.SELECT,
      replacements: { opportunityId },
    });
    if (!opportunity) return { outcome: 'unknown-opportunity' };
    const [link] = await sequelize.query<LinkRow>(
      'SELECT external_id, status, payload_hash, metadata FROM external_integrations WHERE opportunity_id = :opportunityId AND system = :system',
      { type: QueryTypes.SELECT, replacements: { opportunityId, system } },
    );
    const snapshot = snapshotFromRow(opportunity);
    let payload: unknown;
    try {
      payload = syncPayload(system, snapshot);
    } catch (error) {
      if (error instanceof UnsyncableOpportunity) throw ApplicationFailure.nonRetryable(error.message, `${system}.validation`);
      throw error;
    }
    const hash = payloadHash(payload);
    const sourceUpdatedAt = snapshot.sourceUpdatedAt;
    if (link?.status === 'synced' && link.payload_hash === hash) return { outcome: 'unchanged', payloadHash: hash, sourceUpdatedAt };

    const previous: ExternalLink | null = link ? { externalId: link.external_id, metadata: link.metadata } : null;
    const idempotencyKey = activityIdempotencyKey(`payload-${hash}`);
    const connector: SyncConnector<unknown> | undefined = connectors[system];
    if (!connector) throw ApplicationFailure.nonRetryable(`${system} is not enabled on this worker (SYNC_SYSTEMS)`, `${system}.disabled`);
    const written = await whileHeartbeating((signal) => connector.write({ payload, idempotencyKey, previous, signal }));
    return { outcome: 'written', payloadHash: hash, sourceUpdatedAt, ...written };
  }

  /** Stores a successful sync on the link (or confirms an unchanged one as current), with its audit row, once per activity execution. */
  async function recordSuccess({ system, opportunityId, attempt, request }: SyncTarget & { attempt: RecordedAttempt; request: SyncRequest }): Promise<void> {
    const written = attempt.outcome === 'written';
    await auditedWrite(
      sequelize,
      { idempotencyKey: activityIdempotencyKey(), actor: workflowActor(), entityType: 'external_integration', entityId: `${system}:${opportunityId}`, action: written ? 'integration.synced' : 'integration.verified' },
      async (transaction) => {
        const [row] = await sequelize.query<Record<string, unknown>>(
          `INSERT INTO external_integrations AS e (opportunity_id, system, uid, external_id, status, last_synced_at, synced_source_updated_at, last_error, attempts, payload_hash, metadata)
           VALUES (:opportunityId, :system, :uid, :externalId, 'synced', now(), :sourceUpdatedAt, NULL, 1, :payloadHash, CAST(:metadata AS jsonb))
           ON CONFLICT (opportunity_id, system) DO UPDATE SET
             external_id = coalesce(EXCLUDED.external_id, e.external_id), status = 'synced', last_synced_at = now(),
             synced_source_updated_at = EXCLUDED.synced_source_updated_at, last_error = NULL, failure_kind = NULL,
             attempts = e.attempts + (CASE WHEN :written THEN 1 ELSE 0 END), payload_hash = EXCLUDED.payload_hash,
             metadata = e.metadata || EXCLUDED.metadata, updated_at = now()
           RETURNING external_id AS "externalId", status, payload_hash AS "payloadHash", metadata, last_synced_at AS "lastSyncedAt"`,
          {
            type: QueryTypes.SELECT,
            transaction,
            replacements: {
              opportunityId,
              system,
              uid: String(opportunityId),
              externalId: written ? attempt.externalId : null,
              payloadHash: attempt.payloadHash,
              sourceUpdatedAt: attempt.sourceUpdatedAt,
              metadata: JSON.stringify(written ? attempt.metadata : {}),
              written,
            },
          },
        );
        return { result: undefined, after: { ...row, created: written ? attempt.created : false, request } };
      },
    );
  }

  return {
    /**
     * One sync: the snapshot written to the system (unless unchanged), then the link recorded (audited). A retry after
     * the record's commit finds the payload stored, reports `unchanged` and writes nothing twice (same audit key).
     */
    async syncOpportunity({ request, ...target }: SyncTarget & { request: SyncRequest }): Promise<SyncAttempt['outcome']> {
      const attempt = await writeSnapshot(target);
      if (attempt.outcome !== 'unknown-opportunity') await recordSuccess({ ...target, attempt, request });
      return attempt.outcome;
    },

    /** The write alone, as sync runs before SYNC_RECORDS_LINK_PATCH schedule it (then recordSyncResult). */
    syncToSystem: writeSnapshot,

    /** The record alone, as sync runs before SYNC_RECORDS_LINK_PATCH schedule it. */
    recordSyncResult: recordSuccess,

    /** Marks the link failed with the external system's message, so reconciliation and retry-failed can find it. */
    async recordSyncFailure({ system, opportunityId, error, kind, request }: SyncTarget & { error: string; kind: SyncFailureKind; request: SyncRequest }): Promise<void> {
      await auditedWrite(
        sequelize,
        { idempotencyKey: activityIdempotencyKey(), actor: workflowActor(), entityType: 'external_integration', entityId: `${system}:${opportunityId}`, action: 'integration.failed' },
        async (transaction) => {
          await sequelize.query(
            `INSERT INTO external_integrations AS e (opportunity_id, system, uid, status, last_error, failure_kind, attempts)
             VALUES (:opportunityId, :system, :uid, 'failed', :error, :kind, 1)
             ON CONFLICT (opportunity_id, system) DO UPDATE SET
               status = 'failed', last_error = EXCLUDED.last_error, failure_kind = EXCLUDED.failure_kind, attempts = e.attempts + 1, updated_at = now()`,
            { transaction, replacements: { opportunityId, system, uid: String(opportunityId), error, kind } },
          );
          return { result: undefined, after: { status: 'failed', error, kind, request } };
        },
      );
    },
  };
}
