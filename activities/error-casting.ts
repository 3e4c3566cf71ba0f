// The one error-casting point: connector failures become Temporal failures with the right retry behaviour.
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { IntegrationError } from '../integrations/errors';

/** A server asking for longer (e.g. a daily quota) is asked again after this; the attempts run out meanwhile. */
export const MAX_SERVER_RETRY_DELAY_MS = 10 * 60_000;

/** The details of a connector failure; the workflow reads `retryAfterMs` too (the SDK hands it no next retry delay). */
export interface ConnectorFailureDetails {
  status: number | null;
  retryAfterMs?: number;
}

/** Retryable failures keep the server's Retry-After (capped) as the next delay; auth and validation failures stop retrying. */
export function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof IntegrationError)) return error;
  const retryAfterMs = error.retryable && error.details.retryAfterMs !== undefined ? Math.min(error.details.retryAfterMs, MAX_SERVER_RETRY_DELAY_MS) : undefined;
  const details: ConnectorFailureDetails = { status: error.details.status ?? null, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  return ApplicationFailure.create({
    type: `${error.system}.${error.kind}`,
    message: error.message,
    nonRetryable: !error.retryable,
    ...(retryAfterMs === undefined ? {} : { nextRetryDelay: retryAfterMs }),
    details: [details],
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
