// The one error envelope: every 4xx/5xx leaves as {"error": {"code", "message", "details"}}, never a stack.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../../lib/db';
import { AppError } from '../../lib/errors';
import { redactWebhookToken } from '../webhooks/intake';
import { isTemporalUnavailable } from '../temporal-calls';

/** Errors thrown by body-parser and similar middleware carry `type` and `status`. */
interface HttpLibraryError {
  type?: string;
  status?: number;
  expose?: boolean;
  message: string;
}

const LIBRARY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'entity.too.large': { status: 413, code: 'payload_too_large', message: 'Request body is larger than the 1 MB limit' },
  'entity.parse.failed': { status: 400, code: 'malformed_json', message: 'Request body is not valid JSON' },
  'encoding.unsupported': { status: 415, code: 'unsupported_encoding', message: 'Unsupported content encoding' },
  'charset.unsupported': { status: 415, code: 'unsupported_charset', message: 'Unsupported charset' },
  'request.aborted': { status: 400, code: 'request_aborted', message: 'Request was aborted by the client' },
};

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const libraryError = error as HttpLibraryError;
  const known = libraryError?.type ? LIBRARY_ERRORS[libraryError.type] : undefined;
  if (known) return new AppError(known.status, known.code, known.message);
  if (isDatabaseUnavailable(error)) return new AppError(503, 'database_unavailable', 'The database is unavailable; retry shortly');
  if (isTemporalUnavailable(error)) return new AppError(503, 'temporal_unavailable', 'Temporal is unavailable; retry shortly');
  // The router's URIError for a path parameter with broken %-encoding carries status 400 but no `expose`.
  if ((libraryError?.expose || error instanceof URIError) && libraryError.status && libraryError.status < 500) {
    return new AppError(libraryError.status, 'bad_request', libraryError.message);
  }
  return new AppError(500, 'internal_error', 'Internal server error');
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  // A webhook URL that matched no route (a longer path) may still carry the secret token.
  next(new AppError(404, 'not_found', `No route for ${req.method} ${redactWebhookToken(req.path)}`));
};

/** The response for an error: its status, the envelope, and Retry-After on a 503 (an outage the caller should wait out). */
export function errorReply(appError: AppError): { status: number; headers: Record<string, string>; body: { error: { code: string; message: string; details?: unknown } } } {
  return {
    status: appError.status,
    headers: appError.status === 503 ? { 'Retry-After': '5' } : {},
    body: { error: { code: appError.code, message: appError.message, ...(appError.details === undefined ? {} : { details: appError.details }) } },
  };
}

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  const appError = toAppError(error);
  if (appError.status >= 500) req.log.error({ err: error }, 'request failed');
  else req.log.debug({ code: appError.code }, appError.message);
  if (res.headersSent) return;
  const { status, headers, body } = errorReply(appError);
  res.status(status).set(headers).json(body);
};
