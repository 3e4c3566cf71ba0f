// Xero's wire formats for the fake: /Date(…)/ dates, success envelopes, problem details and ValidationException bodies.
import { randomUUID } from 'node:crypto';

/** An HTTP answer before it is written: JSON body unless `text` is given. */
export interface Reply {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** A validation failure of one submitted element: Xero echoes the element with its ValidationErrors. */
export interface ElementErrors {
  element: unknown;
  messages: string[];
}

const DAY_MS = 86_400_000;

/** Xero's JSON date: `/Date(1690000000000+0000)/` (the envelope's DateTimeUTC has no offset). */
export function xeroDate(ms: number, withOffset = true): string {
  return `/Date(${ms}${withOffset ? '+0000' : ''})/`;
}

/** Xero's DateString companion of a date field, e.g. `2020-02-01T00:00:00`. */
export function xeroDateString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** The UTC midnight of a date Xero accepts in requests (YYYY-MM-DD, an ISO date-time or /Date(ms)/), or null. */
export function parseRequestDate(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const wrapped = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
  // A date or date-time without an offset is a UTC one.
  const plain = /^(\d{4}-\d{2}-\d{2})(T[\d:.]+)?Z?$/.exec(value);
  const ms = wrapped ? Number(wrapped[1]) : plain ? Date.parse(`${plain[1]}${plain[2] ?? 'T00:00:00'}Z`) : NaN;
  return Number.isFinite(ms) ? Math.floor(ms / DAY_MS) * DAY_MS : null;
}

export function envelope(providerName: string, collection: string, records: unknown[]): Reply {
  return { status: 200, body: { Id: randomUUID(), Status: 'OK', ProviderName: providerName, DateTimeUTC: xeroDate(Date.now(), false), [collection]: records } };
}

/** The RFC 7807-style body Xero's API gateway sends for 401, 403, 429 and 5xx. */
export function problem(status: number, title: string, detail: string, headers?: Record<string, string>): Reply {
  return { status, body: { Type: null, Title: title, Status: status, Detail: detail, Instance: randomUUID(), Extensions: {} }, headers };
}

export function validationException(failures: ElementErrors[]): Reply {
  return {
    status: 400,
    body: {
      ErrorNumber: 10,
      Type: 'ValidationException',
      Message: 'A validation exception occurred',
      Elements: failures.map(({ element, messages }) => ({
        ...(typeof element === 'object' && element !== null ? element : {}),
        HasValidationErrors: true,
        ValidationErrors: messages.map((Message) => ({ Message })),
      })),
    },
  };
}

/** What Xero answers to a body that is not JSON. */
export function invalidJson(): Reply {
  return { status: 400, body: { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: 'Invalid Json data' } };
}

/** Xero's 404 is a plain sentence, not JSON. */
export function notFound(): Reply {
  return { status: 404, text: "The resource you're looking for cannot be found" };
}
