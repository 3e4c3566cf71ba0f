// What our business rules derive from an opportunity snapshot (domain/augmentation.ts).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { CustomCalculations, RiskLevel, WorkflowStatus } from '../domain/augmentation';
import { numericId } from './columns';

export class AugmentedOpportunity extends Model<InferAttributes<AugmentedOpportunity>, InferCreationAttributes<AugmentedOpportunity>> {
  declare opportunityId: number;
  declare workflowStatus: WorkflowStatus;
  declare riskLevel: RiskLevel;
  declare riskScore: number;
  declare riskNotes: string[];
  declare financialHealthScore: number;
  declare customCalculations: CustomCalculations;
  declare formulaVersion: string;
  declare sourceUpdatedAt: Date | null;
  declare computedAt: Date;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function initAugmentedOpportunity(sequelize: Sequelize): void {
  AugmentedOpportunity.init(
    {
      opportunityId: { type: DataTypes.BIGINT, primaryKey: true, ...numericId('opportunityId') },
      workflowStatus: { type: DataTypes.TEXT, allowNull: false },
      riskLevel: { type: DataTypes.TEXT, allowNull: false },
      riskScore: { type: DataTypes.INTEGER, allowNull: false },
      riskNotes: { type: DataTypes.JSONB, allowNull: false },
      financialHealthScore: { type: DataTypes.INTEGER, allowNull: false },
      customCalculations: { type: DataTypes.JSONB, allowNull: false },
      formulaVersion: { type: DataTypes.TEXT, allowNull: false },
      sourceUpdatedAt: { type: DataTypes.DATE, allowNull: true },
      computedAt: { type: DataTypes.DATE, allowNull: false },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'augmented_opportunities', underscored: true },
  );
}
