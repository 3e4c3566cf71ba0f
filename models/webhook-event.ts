// A received webhook, stored verbatim: the event store and the outbox the relay dispatches from.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { EventStatus, StatusChange } from '../domain/webhook-events';

export class WebhookEvent extends Model<InferAttributes<WebhookEvent>, InferCreationAttributes<WebhookEvent>> {
  declare id: CreationOptional<string>;
  declare source: string;
  declare eventType: string;
  declare entityType: string | null;
  declare entityId: string | null;
  declare actionId: string | null;
  declare dedupeKey: string;
  declare payload: unknown;
  declare rawBody: string;
  declare headers: Record<string, string>;
  declare status: EventStatus;
  declare statusHistory: CreationOptional<StatusChange[]>;
  declare attempts: CreationOptional<number>;
  declare replayCount: CreationOptional<number>;
  declare lastError: string | null;
  declare workflowId: string | null;
  declare runId: string | null;
  declare receivedAt: CreationOptional<Date>;
  declare dispatchedAt: Date | null;
  declare processedAt: Date | null;
  declare updatedAt: CreationOptional<Date>;
}

export function initWebhookEvent(sequelize: Sequelize): void {
  WebhookEvent.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      source: { type: DataTypes.TEXT, allowNull: false },
      eventType: { type: DataTypes.TEXT, allowNull: false },
      entityType: { type: DataTypes.TEXT, allowNull: true },
      entityId: { type: DataTypes.TEXT, allowNull: true },
      actionId: { type: DataTypes.TEXT, allowNull: true },
      dedupeKey: { type: DataTypes.TEXT, allowNull: false },
      payload: { type: DataTypes.JSONB, allowNull: false },
      rawBody: { type: DataTypes.TEXT, allowNull: false },
      headers: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      status: { type: DataTypes.TEXT, allowNull: false },
      statusHistory: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      replayCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      lastError: { type: DataTypes.TEXT, allowNull: true },
      workflowId: { type: DataTypes.TEXT, allowNull: true },
      runId: { type: DataTypes.TEXT, allowNull: true },
      receivedAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      dispatchedAt: { type: DataTypes.DATE, allowNull: true },
      processedAt: { type: DataTypes.DATE, allowNull: true },
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'events', underscored: true, createdAt: false },
  );
}
