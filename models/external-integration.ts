// The link between an opportunity and its record in one external system, with its sync state.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { IntegrationStatus, IntegrationSystem, SyncFailureKind } from '../domain/integration-systems';
import { numericId } from './columns';

export class ExternalIntegration extends Model<InferAttributes<ExternalIntegration>, InferCreationAttributes<ExternalIntegration>> {
  declare id: CreationOptional<string>;
  declare opportunityId: number;
  declare system: IntegrationSystem;
  declare uid: string;
  declare externalId: string | null;
  declare status: CreationOptional<IntegrationStatus>;
  declare lastSyncedAt: Date | null;
  /** The Current RMS `updated_at` of the snapshot the last sync wrote or confirmed. */
  declare syncedSourceUpdatedAt: CreationOptional<Date | null>;
  declare failureKind: CreationOptional<SyncFailureKind | null>;
  declare lastError: string | null;
  declare attempts: CreationOptional<number>;
  declare payloadHash: string | null;
  declare metadata: CreationOptional<Record<string, unknown>>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function initExternalIntegration(sequelize: Sequelize): void {
  ExternalIntegration.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      opportunityId: { type: DataTypes.BIGINT, allowNull: false, ...numericId('opportunityId') },
      system: { type: DataTypes.TEXT, allowNull: false },
      uid: { type: DataTypes.TEXT, allowNull: false },
      externalId: { type: DataTypes.TEXT, allowNull: true },
      status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'pending' },
      lastSyncedAt: { type: DataTypes.DATE, allowNull: true },
      syncedSourceUpdatedAt: { type: DataTypes.DATE, allowNull: true },
      failureKind: { type: DataTypes.TEXT, allowNull: true },
      lastError: { type: DataTypes.TEXT, allowNull: true },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      payloadHash: { type: DataTypes.TEXT, allowNull: true },
      metadata: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'external_integrations', underscored: true },
  );
}
