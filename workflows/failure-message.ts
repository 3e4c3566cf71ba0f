// The message worth recording for a failure: an activity failure's cause, not "Activity task failed".
import { ActivityFailure, ChildWorkflowFailure } from '@temporalio/workflow';

export function failureMessage(error: unknown): string {
  if ((error instanceof ActivityFailure || error instanceof ChildWorkflowFailure) && error.cause) return failureMessage(error.cause);
  return error instanceof Error ? error.message : String(error);
}
