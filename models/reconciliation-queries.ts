// Reconciliation queries (API and reconcile Schedule): gaps between our snapshots, their augmentation and the external systems.
import { QueryTypes, type Sequelize } from 'sequelize';
import { AUGMENTATION_FORMULA_VERSION } from '../domain/augmentation';
import { INTEGRATION_SYSTEMS, type IntegrationSystem } from '../domain/integration-systems';

export const RECONCILIATION_TYPES = ['unaugmented', 'missing-integration', 'stale-integrations', 'all'] as const;

interface Counted {
  total: number;
}

const withoutTotal = <T extends Counted>(rows: T[]) => ({ total: rows[0]?.total ?? 0, items: rows.map(({ total: _total, ...item }) => item) });

/** Live opportunities with no augmentation, or one computed from an older snapshot or older formulas. */
export async function unaugmented(sequelize: Sequelize, limit: number) {
  const rows = await sequelize.query<Counted & { opportunityId: number; subject: string; reason: string }>(
    `SELECT o.id::float8 AS "opportunityId", o.subject,
            CASE WHEN a.opportunity_id IS NULL THEN 'missing'
                 WHEN a.formula_version <> :version THEN 'formula_changed'
                 ELSE 'snapshot_changed' END AS reason,
            count(*) OVER ()::int AS total
     FROM opportunities o LEFT JOIN augmented_opportunities a ON a.opportunity_id = o.id
     WHERE o.deleted_at IS NULL
       AND (a.opportunity_id IS NULL OR a.formula_version <> :version OR a.source_updated_at IS DISTINCT FROM o.source_updated_at)
     ORDER BY o.id LIMIT :limit`,
    { type: QueryTypes.SELECT, replacements: { version: AUGMENTATION_FORMULA_VERSION, limit } },
  );
  return withoutTotal(rows);
}

/** Live opportunities that have no link at all to the system (or to any of the systems). */
export async function missingIntegration(sequelize: Sequelize, system: IntegrationSystem | undefined, limit: number) {
  const rows = await sequelize.query<Counted & { opportunityId: number; subject: string; system: IntegrationSystem }>(
    `SELECT o.id::float8 AS "opportunityId", o.subject, s.system, count(*) OVER ()::int AS total
     FROM opportunities o CROSS JOIN unnest(ARRAY[:systems]::text[]) AS s(system)
     WHERE o.deleted_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM external_integrations e WHERE e.opportunity_id = o.id AND e.system = s.system)
     ORDER BY o.id, s.system LIMIT :limit`,
    { type: QueryTypes.SELECT, replacements: { systems: system ? [system] : [...INTEGRATION_SYSTEMS], limit } },
  );
  return withoutTotal(rows);
}

/**
 * Links that failed (deleted opportunities included: their closed state must reach the system too), never synced, or
 * whose live opportunity has a newer Current RMS version than the one the last sync wrote.
 */
export async function staleIntegrations(sequelize: Sequelize, system: IntegrationSystem | undefined, limit: number) {
  const rows = await sequelize.query<Counted & { opportunityId: number; system: IntegrationSystem; status: string; reason: string }>(
    `SELECT e.opportunity_id::float8 AS "opportunityId", e.system, e.uid, e.external_id AS "externalId", e.status,
            e.last_synced_at AS "lastSyncedAt", e.last_error AS "lastError", o.source_updated_at AS "opportunityChangedAt",
            CASE WHEN e.status = 'failed' THEN 'failed'
                 WHEN e.last_synced_at IS NULL THEN 'never_synced'
                 ELSE 'changed_since_sync' END AS reason,
            count(*) OVER ()::int AS total
     FROM external_integrations e JOIN opportunities o ON o.id = e.opportunity_id
     WHERE e.system IN (:systems)
       AND (e.status = 'failed'
         OR (o.deleted_at IS NULL AND (e.last_synced_at IS NULL OR e.synced_source_updated_at IS DISTINCT FROM o.source_updated_at)))
     ORDER BY e.opportunity_id, e.system LIMIT :limit`,
    { type: QueryTypes.SELECT, replacements: { systems: system ? [system] : [...INTEGRATION_SYSTEMS], limit } },
  );
  return withoutTotal(rows);
}

export type RedriveReason = 'failed' | 'stale' | 'missing';

/**
 * What the reconcile Schedule re-drives, oldest first: links that failed longer ago than the cool-down (a validation
 * failure only once the opportunity changed since: the same data would fail again; `retry-failed` re-drives it after
 * a fix on the other side), links of live opportunities whose Current RMS version is not the one last synced, and
 * live opportunities with no link to a system.
 */
export async function syncsToRedrive(sequelize: Sequelize, { systems, failedCooldownMs, limit }: { systems: readonly IntegrationSystem[]; failedCooldownMs: number; limit: number }) {
  return sequelize.query<{ opportunityId: number; system: IntegrationSystem; reason: RedriveReason }>(
    `SELECT "opportunityId", system, reason FROM (
       SELECT e.opportunity_id::float8 AS "opportunityId", e.system,
              CASE WHEN e.status = 'failed' THEN 'failed' ELSE 'stale' END AS reason, e.updated_at AS since
       FROM external_integrations e JOIN opportunities o ON o.id = e.opportunity_id
       WHERE e.system IN (:systems)
         AND ((e.status = 'failed' AND e.updated_at < now() - make_interval(secs => :cooldownSeconds)
               AND (e.failure_kind IS DISTINCT FROM 'validation' OR o.source_updated_at > e.updated_at))
           OR (e.status = 'synced' AND o.deleted_at IS NULL AND e.synced_source_updated_at IS DISTINCT FROM o.source_updated_at))
       UNION ALL
       SELECT o.id::float8, s.system, 'missing', o.updated_at
       FROM opportunities o CROSS JOIN unnest(ARRAY[:systems]::text[]) AS s(system)
       WHERE o.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM external_integrations e WHERE e.opportunity_id = o.id AND e.system = s.system)
     ) candidates
     ORDER BY since, "opportunityId", system LIMIT :limit`,
    { type: QueryTypes.SELECT, replacements: { systems: [...systems], cooldownSeconds: failedCooldownMs / 1000, limit } },
  );
}
