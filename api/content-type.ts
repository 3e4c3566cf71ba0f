// A request body's Content-Type and the one charset rule for JSON bodies (UTF-8 only), for the webhook intake and Express alike.
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { bodyRefusals } from '../lib/errors';

export const hasBody = (req: IncomingMessage) => req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;

/** The media type and charset of Content-Type (`application/json; charset=utf-8` → ['application/json', 'utf-8']). */
export function contentType(req: IncomingMessage): [string, string | undefined] {
  const [type = '', ...parameters] = (req.headers['content-type'] ?? '').split(';');
  const charset = parameters.map((parameter) => /^\s*charset\s*=\s*"?([^"\s]*)"?\s*$/i.exec(parameter)?.[1]).find((value) => value !== undefined);
  return [type.trim().toLowerCase(), charset?.toLowerCase()];
}

/** JSON is read as UTF-8 (RFC 8259 §8.1); no charset means UTF-8. */
export const isUtf8Charset = (charset: string | undefined) => charset === undefined || charset === 'utf-8' || charset === 'utf8';

/**
 * Runs before `express.json()`, which refuses only charsets not starting with "utf-" and would decode a UTF-7, UTF-16
 * or UTF-32 body into something else than its bytes say: such a JSON body is a 415, as at the webhook intake.
 */
export const refuseNonUtf8Json: RequestHandler = (req, _res, next) => {
  const [mediaType, charset] = contentType(req);
  next(hasBody(req) && mediaType === 'application/json' && !isUtf8Charset(charset) ? bodyRefusals.unsupportedCharset() : undefined);
};
