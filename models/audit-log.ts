// The audit trail: one row per audited change, unique per idempotency key.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class AuditLog extends Model<InferAttributes<AuditLog>, InferCreationAttributes<AuditLog>> {
  declare id: CreationOptional<string>;
  declare occurredAt: CreationOptional<Date>;
  declare entityType: string;
  declare entityId: string;
  declare action: string;
  declare actorType: 'user' | 'workflow' | 'system';
  declare actorId: string;
  declare actorActivity: string | null;
  declare workflowRunId: string | null;
  declare before: unknown;
  declare after: unknown;
  declare requestId: string | null;
  declare requestIp: string | null;
  declare userAgent: string | null;
  declare idempotencyKey: string;
}

export function initAuditLog(sequelize: Sequelize): void {
  AuditLog.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      occurredAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      entityType: { type: DataTypes.TEXT, allowNull: false },
      entityId: { type: DataTypes.TEXT, allowNull: false },
      action: { type: DataTypes.TEXT, allowNull: false },
      actorType: { type: DataTypes.TEXT, allowNull: false },
      actorId: { type: DataTypes.TEXT, allowNull: false },
      actorActivity: { type: DataTypes.TEXT, allowNull: true },
      workflowRunId: { type: DataTypes.TEXT, allowNull: true },
      before: { type: DataTypes.JSONB, allowNull: true },
      after: { type: DataTypes.JSONB, allowNull: true },
      requestId: { type: DataTypes.TEXT, allowNull: true },
      requestIp: { type: DataTypes.TEXT, allowNull: true },
      userAgent: { type: DataTypes.TEXT, allowNull: true },
      idempotencyKey: { type: DataTypes.TEXT, allowNull: false, unique: true },
    },
    { sequelize, tableName: 'audit_log', underscored: true, timestamps: false },
  );
}
