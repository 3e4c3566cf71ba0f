// Wraps a workflow body so its run is recorded in workflow_instances (started, each step, outcome).
import { CancellationScope, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { bookkeepingActivity } from '../domain/activity-policies';
import type { WorkflowProgress } from '../domain/workflow-progress';
import { failureMessage } from './failure-message';

const { recordWorkflowProgress } = proxyLocalActivities<Activities>(bookkeepingActivity);

export type StepReporter = (step: string, data?: Record<string, unknown>) => Promise<void>;

export async function withProgress<T>(businessKey: string, body: (step: StepReporter) => Promise<T>): Promise<T> {
  let current = 'started';
  const record = (progress: Omit<WorkflowProgress, 'businessKey'>) => recordWorkflowProgress({ businessKey, ...progress });
  await record({ status: 'running', step: current });
  try {
    const result = await body(async (step, data) => {
      current = step;
      await record({ status: 'running', step, ...(data ? { data } : {}) });
    });
    await record({ status: 'completed', step: 'completed' });
    return result;
  } catch (error) {
    // Recorded even when the workflow is being cancelled.
    await CancellationScope.nonCancellable(() =>
      record({ status: 'failed', step: current, error: failureMessage(error) }),
    );
    throw error;
  }
}
