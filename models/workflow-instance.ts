// What each workflow run reports about itself: type, business key, status, current step, error.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { WorkflowStatus } from '../domain/workflow-progress';

export class WorkflowInstance extends Model<InferAttributes<WorkflowInstance>, InferCreationAttributes<WorkflowInstance>> {
  declare id: CreationOptional<string>;
  declare workflowId: string;
  declare runId: string;
  declare workflowType: string;
  declare businessKey: string;
  declare status: WorkflowStatus;
  declare currentStep: string | null;
  declare error: string | null;
  declare data: CreationOptional<Record<string, unknown>>;
  declare startedAt: CreationOptional<Date>;
  declare completedAt: Date | null;
  declare updatedAt: CreationOptional<Date>;
}

export function initWorkflowInstance(sequelize: Sequelize): void {
  WorkflowInstance.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      workflowId: { type: DataTypes.TEXT, allowNull: false, unique: 'workflow_instances_run_key' },
      runId: { type: DataTypes.TEXT, allowNull: false, unique: 'workflow_instances_run_key' },
      workflowType: { type: DataTypes.TEXT, allowNull: false },
      businessKey: { type: DataTypes.TEXT, allowNull: false },
      status: { type: DataTypes.TEXT, allowNull: false },
      currentStep: { type: DataTypes.TEXT, allowNull: true },
      error: { type: DataTypes.TEXT, allowNull: true },
      data: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      startedAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      completedAt: { type: DataTypes.DATE, allowNull: true },
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'workflow_instances', underscored: true, createdAt: false },
  );
}
