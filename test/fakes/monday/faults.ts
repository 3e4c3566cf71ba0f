// Failures the monday.com fake injects: one-off faults (optionally for one root field) and a random failure rate.

export const FAULT_KINDS = ['rate-limit', 'concurrency', 'ip-rate-limit', 'daily-limit', 'locked', 'server-error', 'complexity', 'lost-answer'] as const;
/**
 * rate-limit: 429 "Rate Limit Exceeded"; concurrency: 429 maxConcurrencyExceeded; ip-rate-limit: 429 IP_RATE_LIMIT_EXCEEDED;
 * daily-limit: 429 DAILY_LIMIT_EXCEEDED until midnight UTC; locked: 423; server-error: 500;
 * complexity: 200 COMPLEXITY_BUDGET_EXHAUSTED; lost-answer: the request is carried out, then the connection is dropped unanswered.
 */
export type FakeMondayFaultKind = (typeof FAULT_KINDS)[number];

export interface FakeMondayFault {
  kind: FakeMondayFaultKind;
  /** How many matching requests fail (default 1). */
  count?: number;
  /** Retry-After / retry_in_seconds (default 1). */
  retryAfterSeconds?: number;
  /** Only requests that query or mutate this root field, e.g. 'create_item'. */
  operation?: string;
}

export interface FailureRate {
  /** 0..1: the share of API requests that fail. */
  rate: number;
  /** Drawn at random for each failure (default rate-limit and server-error). */
  kinds?: FakeMondayFaultKind[];
  retryAfterSeconds?: number;
}

export interface FaultHit {
  kind: FakeMondayFaultKind;
  retryAfterSeconds: number;
}

type PendingFault = Required<Omit<FakeMondayFault, 'operation'>> & { operation: string | undefined };

export class FaultPlan {
  private pending: PendingFault[] = [];
  private failureRate: Required<FailureRate> = { rate: 0, kinds: ['rate-limit', 'server-error'], retryAfterSeconds: 1 };

  inject({ kind, count = 1, retryAfterSeconds = 1, operation }: FakeMondayFault): void {
    if (!FAULT_KINDS.includes(kind)) throw new RangeError(`Unknown fault kind: ${String(kind)} (one of ${FAULT_KINDS.join(', ')})`);
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`Fault count must be a positive integer: ${String(count)}`);
    checkSeconds(retryAfterSeconds);
    if (operation !== undefined && typeof operation !== 'string') throw new RangeError('Fault operation must be a root field name');
    this.pending.push({ kind, count, retryAfterSeconds, operation });
  }

  setFailureRate({ rate, kinds = ['rate-limit', 'server-error'], retryAfterSeconds = 1 }: FailureRate): void {
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new RangeError(`Failure rate must be between 0 and 1: ${String(rate)}`);
    if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((kind) => FAULT_KINDS.includes(kind))) {
      throw new RangeError(`Failure kinds must be a non-empty list of: ${FAULT_KINDS.join(', ')}`);
    }
    checkSeconds(retryAfterSeconds);
    this.failureRate = { rate, kinds: [...kinds], retryAfterSeconds };
  }

  /** The fault a request with these root fields meets: a pending one-off fault first, else one drawn by the failure rate. */
  next(rootFields: readonly string[], random: () => number = Math.random): FaultHit | undefined {
    const fault = this.pending.find((candidate) => candidate.operation === undefined || rootFields.includes(candidate.operation));
    if (fault) {
      if (--fault.count === 0) this.pending.splice(this.pending.indexOf(fault), 1);
      return { kind: fault.kind, retryAfterSeconds: fault.retryAfterSeconds };
    }
    const { rate, kinds, retryAfterSeconds } = this.failureRate;
    if (rate === 0 || random() >= rate) return undefined;
    return { kind: kinds[Math.floor(random() * kinds.length)] ?? kinds[0]!, retryAfterSeconds };
  }

  reset(): void {
    this.pending = [];
    this.failureRate = { rate: 0, kinds: ['rate-limit', 'server-error'], retryAfterSeconds: 1 };
  }
}

function checkSeconds(seconds: unknown): void {
  if (!Number.isInteger(seconds) || (seconds as number) < 0) throw new RangeError(`retryAfterSeconds must be a non-negative integer: ${String(seconds)}`);
}
