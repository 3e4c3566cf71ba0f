// The state of one connector write, carried through jsforce to our transport and refresh hook by async context.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface SalesforceCall {
  /** Aborts the write's HTTP calls (the activity's cancellation signal). */
  readonly signal: AbortSignal | undefined;
  /** Token refreshes this write has run; a second expired session within one write is an auth failure. */
  refreshes: number;
  /** Why the last refresh failed: jsforce rewraps it in a plain Error that loses the kind. */
  refreshFailure: Error | undefined;
  /** Status and Retry-After of the write's latest HTTP response; undefined while none came back (jsforce errors carry neither). */
  lastResponse: { status: number; retryAfterMs: number | undefined } | undefined;
}

const calls = new AsyncLocalStorage<SalesforceCall>();

/** Runs `work` as one write: every jsforce request it makes sees the same SalesforceCall. */
export function inCallScope<T>(signal: AbortSignal | undefined, work: (call: SalesforceCall) => Promise<T>): Promise<T> {
  const call: SalesforceCall = { signal, refreshes: 0, refreshFailure: undefined, lastResponse: undefined };
  return calls.run(call, () => work(call));
}

/** The write the current jsforce request belongs to, if any. */
export const currentCall = (): SalesforceCall | undefined => calls.getStore();
