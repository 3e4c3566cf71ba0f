// What a workflow reports about itself into workflow_instances (type, key, status, step, error).
export const WORKFLOW_STATUSES = ['running', 'completed', 'failed'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

export interface WorkflowProgress {
  businessKey: string;
  status: WorkflowStatus;
  /** Absent: the step last recorded stays (a failure reports where the run was). */
  step?: string;
  error?: string;
  data?: Record<string, unknown>;
}
