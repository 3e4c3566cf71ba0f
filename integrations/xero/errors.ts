// Turns a failed Xero API answer into an IntegrationError (retryable, auth or validation) with Xero's own words.
import { IntegrationError, retryAfterMs } from '../errors';

export const XERO_SYSTEM = 'xero';

/** Classifies a non-2xx Accounting API answer (a 401 reaches here only after one token refresh). */
export function xeroApiError(operation: string, status: number, headers: Headers, text: string): IntegrationError {
  const details = { status, retryAfterMs: retryAfterMs(headers.get('retry-after')) };
  if (status === 429) {
    const limits = ['X-Rate-Limit-Problem', 'X-MinLimit-Remaining', 'X-DayLimit-Remaining']
      .map((name) => `${name}: ${headers.get(name) ?? 'absent'}`)
      .join(', ');
    return new IntegrationError(XERO_SYSTEM, 'retryable', `Xero rate limit hit on ${operation} (${limits})`, details);
  }
  const message = `Xero ${operation} answered ${status}: ${describeXeroError(text)}`;
  if (status >= 500) return new IntegrationError(XERO_SYSTEM, 'retryable', message, details);
  if (status === 401) return new IntegrationError(XERO_SYSTEM, 'auth', `${message} (a freshly issued token was refused too)`, details);
  if (status === 403) return new IntegrationError(XERO_SYSTEM, 'auth', `${message} (check XERO_TENANT_ID and the connection's scopes)`, details);
  return new IntegrationError(XERO_SYSTEM, 'validation', message, details);
}

/**
 * Xero's explanation, verbatim: the ValidationErrors of a ValidationException (unique, joined with "; "),
 * else the Title and Detail of a problem-details body, else its Message, else the start of the text.
 */
function describeXeroError(text: string): string {
  const body = parseJson(text);
  if (!isRecord(body)) return text.trim().slice(0, 300) || 'no body';
  const elementMessages = (Array.isArray(body.Elements) ? body.Elements : []).flatMap((element) =>
    isRecord(element) && Array.isArray(element.ValidationErrors) ? element.ValidationErrors.map((error) => (isRecord(error) ? error.Message : undefined)) : [],
  );
  const messages = [...new Set(elementMessages.filter((message): message is string => typeof message === 'string' && message !== ''))];
  if (messages.length > 0) return messages.join('; ');
  if (typeof body.Detail === 'string') return typeof body.Title === 'string' ? `${body.Title}: ${body.Detail}` : body.Detail;
  if (typeof body.Message === 'string') return body.Message;
  return text.trim().slice(0, 300);
}

/** Why `signal` aborted, as an Error: its reason when error-like (the default DOMException AbortError, maybe from another realm). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const errorLike = typeof reason === 'object' && reason !== null && typeof (reason as Error).name === 'string' && typeof (reason as Error).message === 'string';
  return errorLike ? (reason as Error) : new Error('The operation was aborted', { cause: reason });
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
