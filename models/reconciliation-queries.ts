// Reconciliation queries (API and reconcile Schedule): gaps between our snapshots, their augmentation and the external systems.
import { QueryTypes, type Sequelize } from 'sequelize';
import { AUGMENTATION_FORMULA_VERSION } from '../domain/augmentation';
import { INTEGRATION_SYSTEMS, type IntegrationSystem } from '../domain/integration-systems';

export const RECONCILIATION_LISTS = ['unaugmented', 'missing-integration', 'stale-integrations'] as const;
export const RECONCILIATION_TYPES = [...RECONCILIATION_LISTS, 'all'] as const;

/** Where a list continues: after this opportunity (and, in the per-system lists, this system of it). */
export interface GapPosition {
  opportunityId: number;
  system?: IntegrationSystem;
}

export interface GapPage<Item> {
  /** Every gap of the list, not only those after the position. */
  total: number;
  items: Item[];
}

/**
 * One page of a gap query: its rows after the position, in (opportunity, system) order, and the count of them all.
 * `gaps` selects the item's columns plus "sortSystem", the second sort key ('' in the per-opportunity list).
 */
async function gapPage<Item extends { opportunityId: number }>(
  sequelize: Sequelize,
  gaps: string,
  replacements: object,
  after: GapPosition | undefined,
  limit: number,
): Promise<GapPage<Item>> {
  // The count is the driving row, so an empty page still carries it (the page's columns are then null).
  const rows = await sequelize.query<Item & { total: number; sortSystem: string | null }>(
    `WITH gaps AS (${gaps})
     SELECT counted.total, page.*
     FROM (SELECT count(*)::int AS total FROM gaps) counted
     LEFT JOIN LATERAL (
       SELECT * FROM gaps WHERE ("opportunityId", "sortSystem") > (:afterId, :afterSystem) ORDER BY "opportunityId", "sortSystem" LIMIT :limit
     ) page ON true`,
    { type: QueryTypes.SELECT, replacements: { ...replacements, afterId: after?.opportunityId ?? 0, afterSystem: after?.system ?? '', limit } },
  );
  // The remaining columns are the item's (the SQL selects them; the compiler cannot see through it).
  const items = rows.filter((row) => row.opportunityId !== null).map(({ total: _total, sortSystem: _sortSystem, ...item }) => item as unknown as Item);
  return { total: rows[0]?.total ?? 0, items };
}

/** Live opportunities with no augmentation, or one computed from an older snapshot or older formulas. */
export function unaugmented(sequelize: Sequelize, { after, limit }: { after?: GapPosition; limit: number }) {
  return gapPage<{ opportunityId: number; subject: string; reason: string }>(
    sequelize,
    `SELECT o.id::float8 AS "opportunityId", '' AS "sortSystem", o.subject,
            CASE WHEN a.opportunity_id IS NULL THEN 'missing'
                 WHEN a.formula_version <> :version THEN 'formula_changed'
                 ELSE 'snapshot_changed' END AS reason
     FROM opportunities o LEFT JOIN augmented_opportunities a ON a.opportunity_id = o.id
     WHERE o.deleted_at IS NULL
       AND (a.opportunity_id IS NULL OR a.formula_version <> :version OR a.source_updated_at IS DISTINCT FROM o.source_updated_at)`,
    { version: AUGMENTATION_FORMULA_VERSION },
    after,
    limit,
  );
}

/** Live opportunities that have no link at all to the system (or to any of the systems). */
export function missingIntegration(sequelize: Sequelize, { system, after, limit }: { system?: IntegrationSystem; after?: GapPosition; limit: number }) {
  return gapPage<{ opportunityId: number; subject: string; system: IntegrationSystem }>(
    sequelize,
    `SELECT o.id::float8 AS "opportunityId", s.system AS "sortSystem", o.subject, s.system
     FROM opportunities o CROSS JOIN unnest(ARRAY[:systems]::text[]) AS s(system)
     WHERE o.deleted_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM external_integrations e WHERE e.opportunity_id = o.id AND e.system = s.system)`,
    { systems: system ? [system] : [...INTEGRATION_SYSTEMS] },
    after,
    limit,
  );
}

/**
 * Links that failed (deleted opportunities included: their closed state must reach the system too), never synced, or
 * whose live opportunity has a newer Current RMS version than the one the last sync wrote.
 */
export function staleIntegrations(sequelize: Sequelize, { system, after, limit }: { system?: IntegrationSystem; after?: GapPosition; limit: number }) {
  return gapPage<{ opportunityId: number; system: IntegrationSystem; status: string; reason: string }>(
    sequelize,
    `SELECT e.opportunity_id::float8 AS "opportunityId", e.system AS "sortSystem", e.system, e.uid, e.external_id AS "externalId",
            e.status, e.last_synced_at AS "lastSyncedAt", e.last_error AS "lastError", o.source_updated_at AS "opportunityChangedAt",
            CASE WHEN e.status = 'failed' THEN 'failed'
                 WHEN e.last_synced_at IS NULL THEN 'never_synced'
                 ELSE 'changed_since_sync' END AS reason
     FROM external_integrations e JOIN opportunities o ON o.id = e.opportunity_id
     WHERE e.system IN (:systems)
       AND (e.status = 'failed'
         OR (o.deleted_at IS NULL AND (e.last_synced_at IS NULL OR e.synced_source_updated_at IS DISTINCT FROM o.source_updated_at)))`,
    { systems: system ? [system] : [...INTEGRATION_SYSTEMS] },
    after,
    limit,
  );
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
