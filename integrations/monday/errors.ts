// Classifies what the monday.com ApiClient throws (graphql-request ClientError, fetch failures) as a retryable, auth or validation IntegrationError.
import { ClientError } from '@mondaydotcomorg/api';
import { IntegrationError, retryAfterMs } from '../errors';

const SYSTEM = 'monday';

/** Limits that pass with time: complexity budget, per-minute, concurrency, per-IP and daily limits. */
const RATE_LIMIT_CODES = new Set(['COMPLEXITY_BUDGET_EXHAUSTED', 'ComplexityException', 'RATE_LIMIT_EXCEEDED', 'maxConcurrencyExceeded', 'IP_RATE_LIMIT_EXCEEDED', 'DAILY_LIMIT_EXCEEDED']);
/** The token is wrong, revoked, or its user may not touch the board. */
const AUTH_CODES = new Set(['UserUnauthorizedException', 'Unauthorized']);
/** The item we addressed is not (or no longer) on the board. */
const ITEM_NOT_FOUND_CODES = new Set(['ResourceNotFoundException', 'InvalidItemIdException']);

interface MondayErrorEntry {
  message: string;
  code: string | undefined;
  retryInSeconds: number | undefined;
}

/** The errors of an answer: GraphQL `errors[]` (objects, or strings in old versions), else the flat `error_message`/`error_code` body. */
function errorEntries(response: ClientError['response']): MondayErrorEntry[] {
  const entries = (Array.isArray(response.errors) ? (response.errors as unknown[]) : []).map((error): MondayErrorEntry => {
    if (typeof error === 'string') return { message: error, code: undefined, retryInSeconds: undefined };
    const { message, extensions } = (error ?? {}) as { message?: unknown; extensions?: { code?: unknown; retry_in_seconds?: unknown } };
    return {
      message: typeof message === 'string' ? message : JSON.stringify(error),
      code: typeof extensions?.code === 'string' ? extensions.code : undefined,
      retryInSeconds: typeof extensions?.retry_in_seconds === 'number' ? extensions.retry_in_seconds : undefined,
    };
  });
  if (entries.length > 0) return entries;
  const { error_message: flatMessage, error_code: flatCode, error: text } = response;
  if (typeof flatMessage === 'string') return [{ message: flatMessage, code: typeof flatCode === 'string' ? flatCode : undefined, retryInSeconds: undefined }];
  return [{ message: typeof text === 'string' && text !== '' ? text.slice(0, 200) : 'no error details', code: undefined, retryInSeconds: undefined }];
}

/** True when monday answered that the item we addressed does not exist. */
export function isItemNotFound(error: unknown): boolean {
  return error instanceof ClientError && errorEntries(error.response).some((entry) => entry.code !== undefined && ITEM_NOT_FOUND_CODES.has(entry.code));
}

/** Milliseconds until the next midnight UTC, when monday resets daily call limits. */
function untilNextUtcMidnight(now: number): number {
  const day = 86_400_000;
  return (Math.floor(now / day) + 1) * day - now;
}

/** `action` names the call in the message ("create_item on board 123"); the token never appears in it. */
export function toIntegrationError(error: unknown, action: string, now = Date.now()): IntegrationError {
  if (!(error instanceof ClientError)) return new IntegrationError(SYSTEM, 'retryable', `monday.com ${action}: no answer (${transportFailure(error)})`);

  const { status } = error.response;
  const headers = error.response.headers as Headers | undefined;
  const entries = errorEntries(error.response);
  const codes = entries.flatMap((entry) => (entry.code === undefined ? [] : [entry.code]));
  const described = entries.map((entry) => (entry.code === undefined ? entry.message : `${entry.message} [${entry.code}]`)).join('; ');
  const message = `monday.com ${action} failed (HTTP ${status}): ${described}`;
  const serverDelayMs = entries.find((entry) => entry.retryInSeconds !== undefined)?.retryInSeconds;

  if (status === 401 || codes.some((code) => AUTH_CODES.has(code))) {
    return new IntegrationError(SYSTEM, 'auth', `${message} (check MONDAY_API_TOKEN and the token's access to the board)`, { status });
  }
  if (status === 429 || status === 423 || status >= 500 || codes.some((code) => RATE_LIMIT_CODES.has(code))) {
    const delayMs = serverDelayMs !== undefined ? serverDelayMs * 1000 : retryAfterMs(headers?.get('retry-after') ?? null, now);
    const dailyLimit = codes.includes('DAILY_LIMIT_EXCEEDED');
    return new IntegrationError(SYSTEM, 'retryable', message, { status, retryAfterMs: delayMs ?? (dailyLimit ? untilNextUtcMidnight(now) : undefined) });
  }
  // ColumnValueException, InvalidColumnIdException, InvalidBoardIdException, ItemNameTooLongException, InvalidArgumentException,
  // GraphQL parse/validation errors and other 4xx: the request itself is wrong, a retry cannot fix it.
  return new IntegrationError(SYSTEM, 'validation', message, { status });
}

/** Why no HTTP answer came: our deadline, the caller's abort, or the network (fetch's `cause` says what failed). Duck-typed: fetch's errors may come from another realm. */
function transportFailure(error: unknown): string {
  const { name, message, cause } = (error ?? {}) as { name?: unknown; message?: unknown; cause?: { message?: unknown } };
  if (name === 'TimeoutError') return 'timed out';
  if (name === 'AbortError') return 'aborted';
  if (typeof message !== 'string') return String(error);
  return typeof cause?.message === 'string' ? `${message}: ${cause.message}` : message;
}
