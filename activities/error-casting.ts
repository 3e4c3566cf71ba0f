// The one error-casting point: connector failures become Temporal failures with the right retry behaviour.
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { IntegrationError } from '../integrations/errors';

/** Retryable failures keep the server's Retry-After as the next delay; auth and validation failures stop retrying. */
export function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof IntegrationError)) return error;
  return ApplicationFailure.create({
    type: `${error.system}.${error.kind}`,
    message: error.message,
    nonRetryable: !error.retryable,
    ...(error.retryable && error.details.retryAfterMs !== undefined ? { nextRetryDelay: error.details.retryAfterMs } : {}),
    details: [{ status: error.details.status ?? null }],
  });
}

export class ErrorCastingInterceptor implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (error) {
      throw toActivityFailure(error);
    }
  }
}
