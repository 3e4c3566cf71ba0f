// The activity factory: every activity is built here from injected dependencies.
import type { Sequelize } from 'sequelize';
import type { Logger } from '../lib/logger';
import { createMaintenanceActivities } from './maintenance';
import { createWorkflowProgressActivities } from './workflow-progress';

export interface ActivityDeps {
  sequelize: Sequelize;
  logger: Logger;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createWorkflowProgressActivities(deps),
    ...createMaintenanceActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
