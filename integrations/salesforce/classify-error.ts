// Turns what jsforce and fetch throw into IntegrationErrors: retryable (with the server's delay), auth or validation.
import { IntegrationError } from '../errors';
import { QUOTA_RETRY_AFTER_MS } from './api-quota';
import type { SalesforceCall } from './call-scope';

const SYSTEM = 'salesforce';

/** 4xx answers a later attempt can get past: record lock contention and transient server-side limits. */
const RETRYABLE_ERROR_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'REQUEST_RUNNING_TOO_LONG', 'QUERY_TIMEOUT']);

/** Long bodies (an HTML error page) are cut to this length in messages. */
const MAX_MESSAGE_LENGTH = 1_000;

/** jsforce's HttpApiError and OAuth2 errors: `name` is the Salesforce errorCode or the OAuth `error`; `data` the parsed error body. */
interface SalesforceErrorShape {
  name: string;
  message: string;
  data?: unknown;
  cause?: unknown;
}

/** A failed token request (grant or refresh): credentials the server refuses are auth failures, outages are retryable. */
export function tokenRequestError(error: unknown, call: SalesforceCall | undefined): IntegrationError {
  if (error instanceof IntegrationError) return error;
  const { name, message } = asError(error);
  const response = call?.lastResponse;
  if (!response) return new IntegrationError(SYSTEM, 'retryable', `Salesforce token endpoint did not answer: ${networkReason(error, call)}`);
  const { status, retryAfterMs } = response;
  if (status === 429 || status >= 500) return new IntegrationError(SYSTEM, 'retryable', `Salesforce token endpoint answered ${status}: ${clip(message)}`, { status, retryAfterMs });
  return new IntegrationError(SYSTEM, 'auth', `Salesforce refused the credentials (${name}: ${clip(message)}); check the SALESFORCE_* settings and the connected app`, { status });
}

/** A failed REST API call (including a session refresh that failed on the way). */
export function apiError(error: unknown, call: SalesforceCall): IntegrationError {
  if (error instanceof IntegrationError) return error;
  if (call.refreshFailure && asError(error).message.startsWith('Unable to refresh session')) return tokenRequestError(call.refreshFailure, call);
  const response = call.lastResponse;
  if (!response) return new IntegrationError(SYSTEM, 'retryable', `Salesforce did not answer: ${networkReason(error, call)}`);
  const { status, retryAfterMs } = response;
  const { name } = asError(error);
  const detail = salesforceMessages(asError(error));
  if (status === 403 && name === 'REQUEST_LIMIT_EXCEEDED') {
    return new IntegrationError(SYSTEM, 'retryable', `Salesforce API request limit reached: ${detail}`, { status, retryAfterMs: retryAfterMs ?? QUOTA_RETRY_AFTER_MS });
  }
  if (status === 429 || status >= 500 || RETRYABLE_ERROR_CODES.has(name)) {
    return new IntegrationError(SYSTEM, 'retryable', `Salesforce answered ${status}: ${detail}`, { status, retryAfterMs });
  }
  if (status === 401 || status === 403) return new IntegrationError(SYSTEM, 'auth', `Salesforce refused the call (${status}): ${detail}`, { status });
  return new IntegrationError(SYSTEM, 'validation', `Salesforce rejected the request: ${detail}`, { status });
}

/** Salesforce's own words, `CODE: message (fields)` for each error it returned. */
function salesforceMessages(error: SalesforceErrorShape): string {
  const entries = error.name === 'MULTIPLE_API_ERRORS' && Array.isArray(error.data) ? (error.data as unknown[]) : [error.data];
  return entries
    .map((entry) => {
      const { errorCode, message, fields } = isRecord(entry) ? entry : {};
      const code = typeof errorCode === 'string' ? errorCode : error.name;
      const text = typeof message === 'string' ? message : error.message;
      return Array.isArray(fields) && fields.length > 0 ? `${code}: ${clip(text)} (${fields.join(', ')})` : `${code}: ${clip(text)}`;
    })
    .join('; ');
}

/** Why no answer came: cancelled, timed out, or the socket error under fetch's "fetch failed". */
function networkReason(error: unknown, call: SalesforceCall | undefined): string {
  if (call?.signal?.aborted) return 'the call was cancelled';
  const { name, message, cause } = asError(error);
  if (name === 'TimeoutError') return 'timed out';
  const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : undefined;
  return code ? `${message} (${code})` : message;
}

/** Read by shape, not `instanceof`: fetch's errors come from another realm under test runners such as jest. */
function asError(error: unknown): SalesforceErrorShape {
  if (isRecord(error) && typeof error.name === 'string' && typeof error.message === 'string') return { name: error.name, message: error.message, data: error.data, cause: error.cause };
  return { name: 'Error', message: String(error) };
}

const clip = (text: string) => (text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
