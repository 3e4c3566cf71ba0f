// Xero custom-connection access tokens (client credentials grant): fetched once, cached until shortly before expiry.
import type { XeroSettings } from '../../lib/config';
import { IntegrationError, retryAfterMs } from '../errors';
import { abortReason, parseJson, XERO_SYSTEM } from './errors';

/** A token is renewed this long before Xero says it expires, so a call never starts with a token about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

export class XeroTokenProvider {
  private cached: CachedToken | undefined;
  private pending: Promise<CachedToken> | undefined;

  constructor(
    private readonly settings: Pick<XeroSettings, 'tokenUrl' | 'clientId' | 'clientSecret'>,
    private readonly timeoutMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A valid access token; concurrent callers share one token request (a caller's signal stops only its own wait). */
  async accessToken(signal?: AbortSignal): Promise<string> {
    if (this.cached && this.cached.expiresAt - EXPIRY_MARGIN_MS > this.now()) return this.cached.accessToken;
    this.pending ??= this.requestToken().finally(() => (this.pending = undefined));
    this.cached = await untilAborted(this.pending, signal);
    return this.cached.accessToken;
  }

  /** Forgets `accessToken` after Xero refused it (401), so the next call fetches a new one; a newer token is kept. */
  invalidate(accessToken: string): void {
    if (this.cached?.accessToken === accessToken) this.cached = undefined;
  }

  private async requestToken(): Promise<CachedToken> {
    const basic = Buffer.from(`${this.settings.clientId}:${this.settings.clientSecret}`).toString('base64');
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.settings.tokenUrl, {
        method: 'POST',
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new IntegrationError(XERO_SYSTEM, 'retryable', `Xero token endpoint did not answer: ${(error as Error).message}`);
    }
    const details = { status: response.status, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    if (response.status === 429 || response.status >= 500) {
      throw new IntegrationError(XERO_SYSTEM, 'retryable', `Xero token endpoint answered ${response.status}: ${oauthError(text)}`, details);
    }
    if (!response.ok) {
      throw new IntegrationError(XERO_SYSTEM, 'auth', `Xero refused the client credentials (${response.status} ${oauthError(text)}): check XERO_CLIENT_ID and XERO_CLIENT_SECRET`, details);
    }
    const body = parseJson(text) as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof body?.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new IntegrationError(XERO_SYSTEM, 'retryable', 'Xero token endpoint answered without access_token and expires_in', details);
    }
    return { accessToken: body.access_token, expiresAt: this.now() + body.expires_in * 1000 };
  }
}

/** OAuth errors look like {"error":"invalid_client"}; never echoes anything else (a token body is a secret). */
function oauthError(text: string): string {
  const body = parseJson(text) as { error?: unknown } | undefined;
  return typeof body?.error === 'string' ? body.error : 'no OAuth error code';
}

/** Resolves like `promise`, or rejects with the signal's reason as soon as it aborts (the shared request goes on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
