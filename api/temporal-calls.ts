// Bounded Temporal calls for request handlers: an unreachable, slow or overloaded Temporal is a 503 the client can retry, never a 500.
import { isGrpcServiceError, type Client } from '@temporalio/client';

/** A request waits at most this long for Temporal (the lazy connection's dial and the SDK's own retries included). */
export const TEMPORAL_CALL_DEADLINE_MS = 5_000;

/** gRPC status codes (google.rpc.Code) that mean "not now": DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE. */
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([4, 8, 14]);

/** The gRPC error (google.rpc.Code and details) of a failed Temporal call, whether the SDK wrapped it (ServiceError.cause) or not. */
export function grpcErrorOf(error: unknown): { code: number; details: string } | undefined {
  if (isGrpcServiceError(error)) return error;
  if (error instanceof Error && isGrpcServiceError(error.cause)) return error.cause;
  return undefined;
}

/** Temporal down, too slow or rate limiting: the error handler answers 503 with Retry-After (api/middleware/errors.ts). */
export const isTemporalUnavailable = (error: unknown): boolean => UNAVAILABLE_CODES.has(grpcErrorOf(error)?.code ?? -1);

/** Runs `call` under a deadline, so a request never waits long on an unreachable Temporal. */
export function callTemporal<T>(client: Client, call: () => Promise<T>): Promise<T> {
  return client.withDeadline(Date.now() + TEMPORAL_CALL_DEADLINE_MS, call);
}
