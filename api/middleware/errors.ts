// The one error envelope: every 4xx/5xx leaves as {"error": {"code", "message", "details"}}, never a stack.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../../lib/db';
import { AppError, bodyRefusals } from '../../lib/errors';
import { redactWebhookToken } from '../webhooks/intake';
import { isTemporalUnavailable } from '../temporal-calls';

/** Errors thrown by body-parser and similar middleware carry `type` and `status`. */
interface HttpLibraryError {
  type?: string;
  status?: number;
  expose?: boolean;
  message: string;
}

/** body-parser's error types, as the envelope names them. */
const LIBRARY_ERRORS: Record<string, () => AppError> = {
  'entity.too.large': bodyRefusals.tooLarge,
  'entity.parse.failed': bodyRefusals.malformedJson,
  'encoding.unsupported': bodyRefusals.unsupportedEncoding,
  'charset.unsupported': bodyRefusals.unsupportedCharset,
  'request.aborted': bodyRefusals.aborted,
};

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const libraryError = error as HttpLibraryError;
  const known = libraryError?.type ? LIBRARY_ERRORS[libraryError.type] : undefined;
  if (known) return known();
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
