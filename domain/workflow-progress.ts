// What a workflow reports about itself into workflow_instances (type, key, status, step, error).
export type WorkflowStatus = 'running' | 'completed' | 'failed';

export interface WorkflowProgress {
  businessKey: string;
  status: WorkflowStatus;
  /** Absent: the step last recorded stays (a failure reports where the run was). */
  step?: string;
  error?: string;
  data?: Record<string, unknown>;
}
