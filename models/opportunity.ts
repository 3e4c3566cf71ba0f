// The latest Current RMS snapshot of an opportunity (soft-deleted when Current RMS deletes it).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { numericId } from './columns';

export class Opportunity extends Model<InferAttributes<Opportunity>, InferCreationAttributes<Opportunity>> {
  declare id: number;
  declare subject: string;
  declare description: string | null;
  declare number: string | null;
  declare state: number | null;
  declare stateName: string | null;
  declare status: number | null;
  declare statusName: string | null;
  declare startsAt: Date | null;
  declare endsAt: Date | null;
  declare chargeTotal: string;
  declare chargeExcludingTaxTotal: string;
  declare chargeIncludingTaxTotal: string;
  declare taxTotal: string;
  declare memberId: number | null;
  declare memberName: string | null;
  declare ownerId: number | null;
  declare ownerName: string | null;
  declare customFields: Record<string, unknown>;
  declare raw: unknown;
  declare sourceUpdatedAt: Date | null;
  declare deletedAt: Date | null;
  declare lastEventId: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function initOpportunity(sequelize: Sequelize): void {
  Opportunity.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, ...numericId('id') },
      subject: { type: DataTypes.TEXT, allowNull: false },
      description: { type: DataTypes.TEXT, allowNull: true },
      number: { type: DataTypes.TEXT, allowNull: true },
      state: { type: DataTypes.INTEGER, allowNull: true },
      stateName: { type: DataTypes.TEXT, allowNull: true },
      status: { type: DataTypes.INTEGER, allowNull: true },
      statusName: { type: DataTypes.TEXT, allowNull: true },
      startsAt: { type: DataTypes.DATE, allowNull: true },
      endsAt: { type: DataTypes.DATE, allowNull: true },
      chargeTotal: { type: DataTypes.DECIMAL(16, 2), allowNull: false },
      chargeExcludingTaxTotal: { type: DataTypes.DECIMAL(16, 2), allowNull: false },
      chargeIncludingTaxTotal: { type: DataTypes.DECIMAL(16, 2), allowNull: false },
      taxTotal: { type: DataTypes.DECIMAL(16, 2), allowNull: false },
      memberId: { type: DataTypes.BIGINT, allowNull: true, ...numericId('memberId') },
      memberName: { type: DataTypes.TEXT, allowNull: true },
      ownerId: { type: DataTypes.BIGINT, allowNull: true, ...numericId('ownerId') },
      ownerName: { type: DataTypes.TEXT, allowNull: true },
      customFields: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      raw: { type: DataTypes.JSONB, allowNull: false },
      sourceUpdatedAt: { type: DataTypes.DATE, allowNull: true },
      deletedAt: { type: DataTypes.DATE, allowNull: true },
      lastEventId: { type: DataTypes.UUID, allowNull: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'opportunities', underscored: true },
  );
}
