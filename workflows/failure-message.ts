// The message worth recording for a failure: an activity failure's cause, not "Activity task failed".
import { ActivityFailure, ChildWorkflowFailure, TimeoutFailure } from '@temporalio/workflow';

export function failureMessage(error: unknown): string {
  if ((error instanceof ActivityFailure || error instanceof ChildWorkflowFailure) && error.cause) return failureMessage(error.cause);
  // Retries that ran out of time: the server attaches the last attempt's failure, which says what was wrong.
  if (error instanceof TimeoutFailure && error.cause) return `${error.message}; last failure: ${failureMessage(error.cause)}`;
  return error instanceof Error ? error.message : String(error);
}
