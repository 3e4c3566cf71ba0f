// Temporal client failures as API errors: an unknown workflow is a 404, a visibility query Temporal rejects is a 400.
import { WorkflowNotFoundError } from '@temporalio/client';
import { AppError, notFound } from '../../lib/errors';
import { grpcErrorOf } from '../temporal-calls';

/** gRPC status codes Temporal answers with (google.rpc.Code). */
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;

/** Temporal's NOT_FOUND: no such workflow, or (for terminate, cancel and signal) its run already closed. */
export const isWorkflowNotFound = (error: unknown): boolean => error instanceof WorkflowNotFoundError || grpcErrorOf(error)?.code === GRPC_NOT_FOUND;

/** Runs a visibility call (list or count); a query Temporal refuses (INVALID_ARGUMENT) becomes a 400 with its explanation. */
export async function visibilityCall<T>(query: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const grpcError = grpcErrorOf(error);
    if (grpcError?.code === GRPC_INVALID_ARGUMENT) throw new AppError(400, 'invalid_query', `Temporal rejected the visibility query: ${grpcError.details}`, { query });
    throw error;
  }
}

/** Runs a call about one workflow; an unknown workflow id becomes a 404. */
export async function workflowCall<T>(workflowId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isWorkflowNotFound(error)) throw notFound(`No workflow ${workflowId}`);
    throw error;
  }
}
