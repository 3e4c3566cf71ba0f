// How every connector reports a failed call: retryable (with the server's delay), auth or validation.
export type IntegrationFailureKind = 'retryable' | 'auth' | 'validation';

export class IntegrationError extends Error {
  constructor(
    public readonly system: string,
    public readonly kind: IntegrationFailureKind,
    message: string,
    public readonly details: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'IntegrationError';
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\s*[-+]?[\d.]+\s*$/.test(header)) {
    const seconds = Number(header);
    return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  }
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
