// The activity factory: every activity is built here from injected dependencies.
import type { Client } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import type { CurrentRmsClient } from '../integrations/current-rms/client';
import type { IntegrationSystem } from '../domain/integration-systems';
import type { SyncConnectors } from '../integrations';
import { createMaintenanceActivities } from './maintenance';
import { createOpportunitySyncActivities } from './opportunity-sync';
import { createSyncRequestActivities } from './sync-requests';
import { createWebhookEventActivities } from './webhook-events';
import { createWorkflowProgressActivities } from './workflow-progress';

export interface ActivityDeps {
  sequelize: Sequelize;
  currentRms: CurrentRmsClient;
  /** The enabled sync targets (SYNC_SYSTEMS) and their connectors. */
  syncSystems: readonly IntegrationSystem[];
  connectors: SyncConnectors;
  /** For signals to other workflows (signal-with-start of the sync entity workflows). */
  temporal: Client;
  syncIdleTimeoutMs: number;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createWorkflowProgressActivities(deps),
    ...createMaintenanceActivities(deps),
    ...createWebhookEventActivities(deps),
    ...createOpportunitySyncActivities(deps),
    ...createSyncRequestActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
