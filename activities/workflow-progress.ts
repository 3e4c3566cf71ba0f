// Records a workflow run's type, business key, status and current step in workflow_instances.
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { WorkflowProgress } from '../domain/workflow-progress';
import { auditedWrite } from '../lib/audit';
import { WorkflowInstance } from '../models';
import { activityIdempotencyKey, currentWorkflow, workflowActor } from './context';
import type { ActivityDeps } from './index';

const UPSERT_PROGRESS = `
  INSERT INTO workflow_instances (workflow_id, run_id, workflow_type, business_key, status, current_step, error, data, completed_at)
  VALUES (:workflowId, :runId, :workflowType, :businessKey, :status, :step, :error, CAST(:data AS jsonb), CASE WHEN :status = 'running' THEN NULL ELSE now() END)
  ON CONFLICT (workflow_id, run_id) DO UPDATE SET
    business_key = EXCLUDED.business_key, status = EXCLUDED.status, current_step = coalesce(EXCLUDED.current_step, workflow_instances.current_step), error = EXCLUDED.error,
    data = workflow_instances.data || EXCLUDED.data, completed_at = EXCLUDED.completed_at, updated_at = now()
  RETURNING *`;

/**
 * Upserts the calling workflow run's row inside `transaction` (the step's data merges into what earlier steps
 * recorded). Activities whose transaction marks a step of their own record it here, so the run's progress costs no
 * extra activity or transaction.
 */
export async function writeWorkflowProgress(sequelize: Sequelize, transaction: Transaction, progress: WorkflowProgress): Promise<WorkflowInstance> {
  const { workflowId, runId, workflowType } = currentWorkflow();
  const [row] = await sequelize.query<WorkflowInstance>(UPSERT_PROGRESS, {
    type: QueryTypes.SELECT,
    model: WorkflowInstance,
    mapToModel: true,
    transaction,
    replacements: { workflowId, runId, workflowType, businessKey: progress.businessKey, status: progress.status, step: progress.step ?? null, error: progress.error ?? null, data: JSON.stringify(progress.data ?? {}) },
  });
  return row!;
}

export function createWorkflowProgressActivities({ sequelize }: ActivityDeps) {
  return {
    async recordWorkflowProgress(progress: WorkflowProgress): Promise<void> {
      const actor = workflowActor();
      await auditedWrite(
        sequelize,
        { idempotencyKey: activityIdempotencyKey(), actor, entityType: 'workflow_instance', entityId: `${actor.workflowId}/${actor.runId}`, action: `workflow.${progress.status}` },
        async (transaction) => {
          const before = await WorkflowInstance.findOne({ where: { workflowId: actor.workflowId, runId: actor.runId }, transaction });
          const after = await writeWorkflowProgress(sequelize, transaction, progress);
          return { result: undefined, before: before?.toJSON() ?? null, after: after.toJSON() };
        },
      );
    },
  };
}
