// The HTTP answers of the monday.com fake: success envelopes and monday's error bodies (transport-level and rate-limit ones), with Retry-After.
import { randomUUID } from 'node:crypto';

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const retryAfter = (seconds: number) => ({ 'Retry-After': String(seconds) });

/** `{data, errors?, extensions: {request_id}, account_id}`: every GraphQL answer, also those with application errors (HTTP 200). */
export function graphqlReply(result: { data?: unknown; errors?: readonly unknown[] }, accountId: number): Reply {
  return { status: 200, body: { ...result, extensions: { request_id: randomUUID() }, account_id: accountId } };
}

export function notAuthenticated(): Reply {
  return { status: 401, body: { errors: [{ message: 'Not Authenticated', extensions: { code: 'Unauthorized', status_code: 401 } }] } };
}

export function badRequest(message: string): Reply {
  return { status: 400, body: { error_message: message, status_code: 400 } };
}

export function notFound(): Reply {
  return { status: 404, body: { error_message: 'Not Found', status_code: 404 } };
}

/** The per-minute request limit. */
export function rateLimitExceeded(retryAfterSeconds: number): Reply {
  return { status: 429, headers: retryAfter(retryAfterSeconds), body: { error_message: 'Rate Limit Exceeded', status_code: 429 } };
}

export function concurrencyLimitExceeded(retryAfterSeconds: number, accountId: number): Reply {
  return { status: 429, headers: retryAfter(retryAfterSeconds), body: { errors: [{ message: 'Concurrency limit exceeded', extensions: { code: 'maxConcurrencyExceeded' } }], account_id: accountId } };
}

export function ipRateLimitExceeded(retryAfterSeconds: number, accountId: number): Reply {
  return {
    status: 429,
    headers: retryAfter(retryAfterSeconds),
    body: { errors: [{ message: 'IP rate limit exceeded', extensions: { code: 'IP_RATE_LIMIT_EXCEEDED', retry_in_seconds: retryAfterSeconds } }], account_id: accountId },
  };
}

/** The account's daily call limit: it resets at midnight UTC. */
export function dailyLimitExceeded(accountId: number, now = Date.now()): Reply {
  const day = 86_400_000;
  const secondsToMidnight = Math.ceil(((Math.floor(now / day) + 1) * day - now) / 1000);
  return {
    status: 429,
    headers: retryAfter(secondsToMidnight),
    body: { errors: [{ message: 'Daily limit exceeded', extensions: { code: 'DAILY_LIMIT_EXCEEDED' } }], account_id: accountId },
  };
}

/** 423: another process (an automation, a column change) is writing to the board. */
export function resourceLocked(retryAfterSeconds: number): Reply {
  return { status: 423, headers: retryAfter(retryAfterSeconds), body: { error_message: 'Resource is currently locked, please try again later', status_code: 423 } };
}

export function internalServerError(retryAfterSeconds: number): Reply {
  return { status: 500, headers: retryAfter(retryAfterSeconds), body: { error_message: 'Internal server error', status_code: 500 } };
}

/** HTTP 200 with COMPLEXITY_BUDGET_EXHAUSTED; versions before 2025-07 also carry the budget fields and status_code 429. */
export function complexityBudgetExhausted(retryInSeconds: number, apiVersion: string, accountId: number, budget: { cost: number; left: number; limit: number }): Reply {
  const legacy = apiVersion < '2025-07' ? { complexity: budget.cost, complexity_budget_left: budget.left, complexity_budget_limit: budget.limit, status_code: 429 } : {};
  return {
    status: 200,
    headers: retryAfter(retryInSeconds),
    body: { errors: [{ message: 'Complexity budget exhausted', extensions: { code: 'COMPLEXITY_BUDGET_EXHAUSTED', retry_in_seconds: retryInSeconds, ...legacy } }], account_id: accountId },
  };
}
