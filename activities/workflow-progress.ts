// Records a workflow run's type, business key, status and current step in workflow_instances.
import type { WorkflowProgress } from '../domain/workflow-progress';
import { auditedWrite } from '../lib/audit';
import { WorkflowInstance } from '../models';
import { activityIdempotencyKey, currentWorkflow, workflowActor } from './context';
import type { ActivityDeps } from './index';

export function createWorkflowProgressActivities({ sequelize }: ActivityDeps) {
  return {
    async recordWorkflowProgress(progress: WorkflowProgress): Promise<void> {
      const { workflowType } = currentWorkflow();
      const actor = workflowActor();
      await auditedWrite(
        sequelize,
        { idempotencyKey: activityIdempotencyKey(), actor, entityType: 'workflow_instance', entityId: `${actor.workflowId}/${actor.runId}`, action: `workflow.${progress.status}` },
        async (transaction) => {
          const before = await WorkflowInstance.findOne({ where: { workflowId: actor.workflowId, runId: actor.runId }, transaction });
          const finished = progress.status !== 'running';
          const [row] = await WorkflowInstance.upsert(
            {
              workflowId: actor.workflowId,
              runId: actor.runId,
              workflowType,
              businessKey: progress.businessKey,
              status: progress.status,
              currentStep: progress.step,
              error: progress.error ?? null,
              data: { ...before?.data, ...progress.data },
              completedAt: finished ? new Date() : null,
              updatedAt: new Date(),
            },
            { transaction, returning: true },
          );
          return { result: undefined, before: before?.toJSON() ?? null, after: row.toJSON() };
        },
      );
    },
  };
}
