// The activity factory: every activity is built here from injected dependencies.
import type { Sequelize } from 'sequelize';
import type { CurrentRmsClient } from '../integrations/current-rms/client';
import type { Logger } from '../lib/logger';
import { createMaintenanceActivities } from './maintenance';
import { createWebhookEventActivities } from './webhook-events';
import { createWorkflowProgressActivities } from './workflow-progress';

export interface ActivityDeps {
  sequelize: Sequelize;
  logger: Logger;
  currentRms: CurrentRmsClient;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createWorkflowProgressActivities(deps),
    ...createMaintenanceActivities(deps),
    ...createWebhookEventActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
