// Requests to the sync entity workflows: after a webhook changed an opportunity, and from the reconcile Schedule.
import type { SyncRequest } from '../domain/opportunity-sync';
import { syncsToRedrive, type RedriveReason } from '../models/reconciliation-queries';
import { requestOpportunitySync, type SyncRequestTarget } from '../lib/sync-requests';
import type { ActivityDeps } from './index';

export type RedriveTarget = SyncRequestTarget & { reason: RedriveReason };

export function createSyncRequestActivities({ sequelize, temporal, syncIdleTimeoutMs, syncSystems }: ActivityDeps) {
  const request = (target: SyncRequestTarget, syncRequest: SyncRequest) => requestOpportunitySync(temporal, target, syncRequest, syncIdleTimeoutMs);
  return {
    /** Every enabled sync target is asked to sync the opportunity (signals coalesce in the entity workflows). */
    async notifySyncWorkflows({ opportunityId }: { opportunityId: number }): Promise<{ workflowIds: string[] }> {
      const started = await Promise.all(syncSystems.map((system) => request({ system, opportunityId }, { reason: 'webhook' })));
      return { workflowIds: started.map(({ workflowId }) => workflowId) };
    },

    /** Failed (after the cool-down), stale and missing syncs, oldest first, at most `limit`. */
    async findSyncsToRedrive({ failedCooldownMs, limit }: { failedCooldownMs: number; limit: number }): Promise<RedriveTarget[]> {
      return syncSystems.length === 0 ? [] : syncsToRedrive(sequelize, { systems: syncSystems, failedCooldownMs, limit });
    },

    async redriveSyncs({ targets }: { targets: RedriveTarget[] }): Promise<{ requested: number }> {
      for (const target of targets) await request(target, { reason: 'reconcile' });
      return { requested: targets.length };
    },
  };
}
