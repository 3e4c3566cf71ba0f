// Binds every model to one Sequelize instance; later issues add their models here.
import type { Sequelize } from 'sequelize';
import { AuditLog, initAuditLog } from './audit-log';
import { initRefreshToken, RefreshToken } from './refresh-token';
import { initUser, User } from './user';
import { initWorkflowInstance, WorkflowInstance } from './workflow-instance';

export { AuditLog, RefreshToken, User, WorkflowInstance };

export function initModels(sequelize: Sequelize): void {
  initUser(sequelize);
  initRefreshToken(sequelize);
  initAuditLog(sequelize);
  initWorkflowInstance(sequelize);
  User.hasMany(RefreshToken, { foreignKey: 'userId' });
  RefreshToken.belongsTo(User, { foreignKey: 'userId' });
}
