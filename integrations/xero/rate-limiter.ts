// An in-process limiter for one Xero tenant: at most N calls in flight and M call starts per rolling window (FIFO).
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
  private windowTimer: NodeJS.Timeout | undefined;

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

  /** Calls in flight and call starts in the current window (for diagnostics and tests). */
  usage(): { active: number; inWindow: number; waiting: number } {
    this.forgetExpiredStarts();
    return { active: this.active, inWindow: this.starts.length, waiting: this.waiters.length };
  }

  private grantWaiting(): void {
    this.forgetExpiredStarts();
    while (this.waiters.length > 0 && this.active < this.limits.maxConcurrent && this.starts.length < this.limits.maxPerWindow) {
      const waiter = this.waiters.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.active += 1;
      this.starts.push(this.now());
      waiter.grant(this.releaser());
    }
    const windowFull = this.waiters.length > 0 && this.active < this.limits.maxConcurrent;
    if (windowFull && this.windowTimer === undefined) {
      // Only the window blocks: wake up when its oldest start leaves it.
      const wait = Math.max(1, this.starts[0]! + this.limits.windowMs - this.now());
      this.windowTimer = setTimeout(() => {
        this.windowTimer = undefined;
        this.grantWaiting();
      }, wait);
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
