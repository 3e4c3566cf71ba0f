// The Xero fake's per-tenant limits: concurrent calls, calls per rolling minute and per rolling day, as Xero counts them.

export interface FakeXeroLimits {
  concurrent: number;
  perMinute: number;
  perDay: number;
}

/** Xero's documented tenant limits (https://developer.xero.com/faq/limits); the app-wide limit is 10,000 per minute. */
export const XERO_LIMITS: FakeXeroLimits = { concurrent: 5, perMinute: 60, perDay: 5000 };
const APP_PER_MINUTE = 10_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export type Admission = { admitted: true; release: () => void } | { admitted: false; problem: 'concurrent' | 'minute' | 'day'; retryAfterSeconds: number };

export class TenantRateLimits {
  private limits: FakeXeroLimits = { ...XERO_LIMITS };
  private active = 0;
  /** Start times of admitted calls in the last day, oldest first. */
  private starts: number[] = [];
  /** The most calls ever in flight at once (tests assert the client's own limiter kept it low). */
  peakConcurrent = 0;
  rejected = 0;

  configure(limits: Partial<FakeXeroLimits>): void {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`Limit ${name} must be a positive integer: ${String(value)}`);
    }
    this.limits = { ...this.limits, ...limits };
  }

  current(): FakeXeroLimits {
    return { ...this.limits };
  }

  /** Back to Xero's limits with no history; calls still in flight keep their slots until they are answered. */
  reset(): void {
    this.limits = { ...XERO_LIMITS };
    this.starts = [];
    this.peakConcurrent = this.active;
    this.rejected = 0;
  }

  /** Admits a call (call `release` when it has been answered) or says which limit it hit and when to retry. */
  admit(now = Date.now()): Admission {
    this.forget(now);
    const inMinute = this.startsSince(now - MINUTE_MS);
    let refusal: Extract<Admission, { admitted: false }> | undefined;
    if (this.starts.length >= this.limits.perDay) refusal = { admitted: false, problem: 'day', retryAfterSeconds: secondsUntil(this.starts[0]! + DAY_MS, now) };
    else if (inMinute.length >= this.limits.perMinute) refusal = { admitted: false, problem: 'minute', retryAfterSeconds: secondsUntil(inMinute[0]! + MINUTE_MS, now) };
    else if (this.active >= this.limits.concurrent) refusal = { admitted: false, problem: 'concurrent', retryAfterSeconds: 1 };
    if (refusal) {
      this.rejected += 1;
      return refusal;
    }
    this.active += 1;
    this.peakConcurrent = Math.max(this.peakConcurrent, this.active);
    this.starts.push(now);
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (!released) this.active -= 1;
        released = true;
      },
    };
  }

  /** The X-…Limit-Remaining headers Xero puts on every answer. */
  headers(now = Date.now()): Record<string, string> {
    this.forget(now);
    const inMinute = this.startsSince(now - MINUTE_MS).length;
    return {
      'X-MinLimit-Remaining': String(Math.max(0, this.limits.perMinute - inMinute)),
      'X-DayLimit-Remaining': String(Math.max(0, this.limits.perDay - this.starts.length)),
      'X-AppMinLimit-Remaining': String(Math.max(0, APP_PER_MINUTE - inMinute)),
    };
  }

  private startsSince(since: number): number[] {
    const first = this.starts.findIndex((start) => start > since);
    return first === -1 ? [] : this.starts.slice(first);
  }

  private forget(now: number): void {
    const first = this.starts.findIndex((start) => start > now - DAY_MS);
    this.starts = first === -1 ? [] : this.starts.slice(first);
  }
}

function secondsUntil(when: number, now: number): number {
  return Math.max(1, Math.ceil((when - now) / 1000));
}
