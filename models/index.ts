// Binds every model to one Sequelize instance, with their associations.
import type { Sequelize } from 'sequelize';
import { AugmentedOpportunity, initAugmentedOpportunity } from './augmented-opportunity';
import { AuditLog, initAuditLog } from './audit-log';
import { ExternalIntegration, initExternalIntegration } from './external-integration';
import { initOpportunity, Opportunity } from './opportunity';
import { initRefreshToken, RefreshToken } from './refresh-token';
import { initUser, User } from './user';
import { initWebhookEvent, WebhookEvent } from './webhook-event';
import { initWorkflowInstance, WorkflowInstance } from './workflow-instance';

export { AugmentedOpportunity, AuditLog, ExternalIntegration, Opportunity, RefreshToken, User, WebhookEvent, WorkflowInstance };

export function initModels(sequelize: Sequelize): void {
  initUser(sequelize);
  initRefreshToken(sequelize);
  initAuditLog(sequelize);
  initWorkflowInstance(sequelize);
  initWebhookEvent(sequelize);
  initOpportunity(sequelize);
  initAugmentedOpportunity(sequelize);
  initExternalIntegration(sequelize);
  User.hasMany(RefreshToken, { foreignKey: 'userId' });
  RefreshToken.belongsTo(User, { foreignKey: 'userId' });
  Opportunity.hasOne(AugmentedOpportunity, { foreignKey: 'opportunityId', as: 'augmentation' });
  Opportunity.hasMany(ExternalIntegration, { foreignKey: 'opportunityId', as: 'integrations' });
}
