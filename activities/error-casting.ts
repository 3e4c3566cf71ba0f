// The one error-casting point: connector failures become Temporal failures with the right retry behaviour.
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { IntegrationError } from '../integrations/errors';

/** A server asking for longer (e.g. a daily quota) is asked again after this; the attempts run out meanwhile. */
export const MAX_SERVER_RETRY_DELAY_MS = 10 * 60_000;

/** Retryable failures keep the server's Retry-After (capped) as the next delay; auth and validation failures stop retrying. */
export function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof IntegrationError)) return error;
  return ApplicationFailure.create({
    type: `${error.system}.${error.kind}`,
    message: error.message,
    nonRetryable: !error.retryable,
    ...(error.retryable && error.details.retryAfterMs !== undefined ? { nextRetryDelay: Math.min(error.details.retryAfterMs, MAX_SERVER_RETRY_DELAY_MS) } : {}),
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
