// An in-process limiter for one Xero tenant: at most N calls in flight, M call starts per rolling window (FIFO), none while Xero asked to wait.
import { abortReason } from './errors';

export interface RateLimits {
  maxConcurrent: number;
  maxPerWindow: number;
  windowMs: number;
}

/** Xero's per-tenant limits (https://developer.xero.com/faq/limits): 5 concurrent calls, 60 calls per minute. */
const XERO_TENANT_LIMITS: RateLimits = { maxConcurrent: 5, maxPerWindow: 60, windowMs: 60_000 };

interface Waiter {
  grant: (release: () => void) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class RateLimiter {
  private active = 0;
  /** Start times of the calls inside the current window, oldest first. */
  private readonly starts: number[] = [];
  private readonly waiters: Waiter[] = [];
  /** No call starts before this time: Xero answered 429 (another process, or a previous one, used the tenant's calls). */
  private heldUntil = 0;
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: RateLimits = XERO_TENANT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Waits for a slot (rejecting with the signal's reason if it aborts first); call the returned function once the call ends. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((grant, reject) => {
      const waiter: Waiter = {
        grant,
        reject,
        signal,
        onAbort: () => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(abortReason(signal!));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.grantWaiting();
    });
  }

  /** Runs `call` inside a slot. */
  async run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await call();
    } finally {
      release();
    }
  }

  /**
   * Xero refused a call for its limit: start no call for `ms` (its Retry-After), so the queued calls do not hit it too.
   * At most one window: a longer wait (the day limit) is left to the activity's retry.
   */
  holdFor(ms: number): void {
    this.heldUntil = Math.max(this.heldUntil, this.now() + Math.min(ms, this.limits.windowMs));
    this.grantWaiting();
  }

  /** Calls in flight and call starts in the current window (for diagnostics and tests). */
  usage(): { active: number; inWindow: number; waiting: number } {
    this.forgetExpiredStarts();
    return { active: this.active, inWindow: this.starts.length, waiting: this.waiters.length };
  }

  private grantWaiting(): void {
    this.forgetExpiredStarts();
    const now = this.now();
    while (this.waiters.length > 0 && now >= this.heldUntil && this.active < this.limits.maxConcurrent && this.starts.length < this.limits.maxPerWindow) {
      const waiter = this.waiters.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.active += 1;
      this.starts.push(now);
      waiter.grant(this.releaser());
    }
    const onlyTimeBlocks = this.waiters.length > 0 && this.active < this.limits.maxConcurrent;
    if (onlyTimeBlocks && this.wakeTimer === undefined) {
      // A hold or a full window blocks: wake up when both are over (a release wakes it earlier, harmlessly).
      const windowFreesAt = this.starts.length >= this.limits.maxPerWindow ? this.starts[0]! + this.limits.windowMs : now;
      this.wakeTimer = setTimeout(
        () => {
          this.wakeTimer = undefined;
          this.grantWaiting();
        },
        Math.max(1, Math.max(windowFreesAt, this.heldUntil) - now),
      );
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.grantWaiting();
    };
  }

  private forgetExpiredStarts(): void {
    const horizon = this.now() - this.limits.windowMs;
    while (this.starts.length > 0 && this.starts[0]! <= horizon) this.starts.shift();
  }
}
