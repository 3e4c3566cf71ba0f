// A thin typed client for the Current RMS REST API (API-key auth); classifies every failure.
import type { CurrentRmsApiSettings } from '../../lib/config';
import { IntegrationError, retryAfterMs } from '../errors';
import { CurrentRmsOpportunity } from './opportunity';

const SYSTEM = 'current-rms';

export class CurrentRmsClient {
  constructor(
    private readonly settings: CurrentRmsApiSettings,
    private readonly timeoutMs = 15_000,
  ) {}

  /** The opportunity, or null when Current RMS no longer has it (404). */
  async getOpportunity(opportunityId: number, signal?: AbortSignal): Promise<{ opportunity: CurrentRmsOpportunity; raw: unknown } | null> {
    const response = await this.request(`/opportunities/${opportunityId}`, signal);
    if (response.status === 404) return null;
    const body = (await response.json()) as { opportunity?: unknown };
    const parsed = CurrentRmsOpportunity.safeParse(body.opportunity);
    if (!parsed.success) {
      throw new IntegrationError(SYSTEM, 'validation', `Current RMS returned an opportunity we cannot read: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    return { opportunity: parsed.data, raw: body.opportunity };
  }

  private async request(path: string, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await fetch(`${this.settings.apiUrl}${path}`, {
        headers: { 'X-SUBDOMAIN': this.settings.subdomain, 'X-AUTH-TOKEN': this.settings.apiToken, Accept: 'application/json' },
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
    } catch (error) {
      throw new IntegrationError(SYSTEM, 'retryable', `Current RMS did not answer: ${(error as Error).message}`);
    }
    if (response.ok || response.status === 404) return response;
    const text = await response.text();
    const message = `Current RMS ${path} answered ${response.status}: ${errorMessages(text)}`;
    const details = { status: response.status, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    if (response.status === 429 || response.status >= 500) throw new IntegrationError(SYSTEM, 'retryable', message, details);
    if (response.status === 401 || response.status === 403) {
      throw new IntegrationError(SYSTEM, 'auth', `${message} (check CURRENT_RMS_SUBDOMAIN and CURRENT_RMS_API_TOKEN)`, details);
    }
    throw new IntegrationError(SYSTEM, 'validation', message, details);
  }
}

/** Current RMS errors look like {"errors": ["…"]}. */
function errorMessages(text: string): string {
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(body.errors)) return body.errors.map(String).join('; ');
  } catch {
    /* not JSON */
  }
  return text.slice(0, 200) || 'no body';
}
