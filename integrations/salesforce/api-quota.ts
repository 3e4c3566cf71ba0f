// The daily API quota rule: slow writes down as the org nears its request limit, refuse them at the very end.
import { IntegrationError } from '../errors';

/** From this share of the daily limit used, each write waits first. */
const SLOW_DOWN_FROM = 0.9;
/** From this share, writes are refused: the rest is left to people and the org's other integrations. */
const REFUSE_FROM = 0.98;
/** The wait just below REFUSE_FROM; it grows linearly from 0 at SLOW_DOWN_FROM. */
export const MAX_WAIT_MS = 5_000;
/** How long a refused (or 403 REQUEST_LIMIT_EXCEEDED) write should wait: the quota is a rolling 24 hours. */
export const QUOTA_RETRY_AFTER_MS = 3_600_000;

interface Reading {
  used: number;
  limit: number;
  at: number;
}

/**
 * Salesforce counts API requests over a rolling 24 hours, reports them in every response
 * (`Sforce-Limit-Info: api-usage=<used>/<limit>`) and answers 403 REQUEST_LIMIT_EXCEEDED past the limit, which
 * stops every integration of the org. From the latest reading:
 * - below 90 % used, writes go at full speed;
 * - from 90 % to 98 %, each write first waits (used/limit − 0.90) / 0.08 × 5 s;
 * - from 98 %, writes are refused with a retryable error and retryAfterMs = 1 hour.
 * A reading older than that hour no longer counts, so the next write goes through and brings a fresh one.
 */
export class ApiQuota {
  private reading: Reading | undefined;

  /** Records a `Sforce-Limit-Info` header value (ignored when absent or unreadable). */
  observe(header: string | null, now = Date.now()): void {
    // The header may also carry the connected app's own count: `api-usage=25/5000; per-app-api-usage=17/250(appName=…)`.
    const usage = header?.match(/(?:^|[;,\s])api-usage=(\d+)\/(\d+)/);
    if (!usage) return;
    const [used, limit] = [Number(usage[1]), Number(usage[2])];
    if (limit > 0) this.reading = { used, limit, at: now };
  }

  /** Milliseconds to wait before the next write; throws a retryable IntegrationError when it must not be sent. */
  waitBeforeWrite(now = Date.now()): number {
    if (!this.reading || now - this.reading.at >= QUOTA_RETRY_AFTER_MS) return 0;
    const { used, limit } = this.reading;
    const share = used / limit;
    if (share >= REFUSE_FROM) {
      throw new IntegrationError('salesforce', 'retryable', `Salesforce daily API quota nearly spent (${used}/${limit} requests): writes pause so the org keeps some for other uses`, {
        retryAfterMs: QUOTA_RETRY_AFTER_MS,
      });
    }
    return share < SLOW_DOWN_FROM ? 0 : Math.round(((share - SLOW_DOWN_FROM) / (REFUSE_FROM - SLOW_DOWN_FROM)) * MAX_WAIT_MS);
  }
}
