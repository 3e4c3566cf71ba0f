// Start-up steps that depend on another service: retried with capped backoff until they succeed or the process stops.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger';

export interface RetryUntilReadyOptions {
  logger: Logger;
  /** Aborted when the process is asked to stop: the wait ends with an error instead of another attempt. */
  signal: AbortSignal;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** A service that is down at start-up (Temporal restarting, say) is waited for, with a warning per failed attempt. */
export async function retryUntilReady<T>(what: string, attempt: () => Promise<T>, { logger, signal, initialDelayMs = 1_000, maxDelayMs = 30_000 }: RetryUntilReadyOptions): Promise<T> {
  for (let delayMs = initialDelayMs, attempts = 1; ; delayMs = Math.min(delayMs * 2, maxDelayMs), attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (signal.aborted) throw error;
      logger.warn({ attempts, retryInMs: delayMs, err: error instanceof Error ? error.message : String(error) }, `${what} failed; retrying`);
    }
    await sleep(delayMs, undefined, { signal }).catch(() => {
      throw new Error(`Stopped while waiting for ${what}`);
    });
  }
}
