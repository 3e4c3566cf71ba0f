// Webhook intake middleware: the URL token, the body parser that keeps the raw bytes, the optional HMAC signature.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import { unauthorized } from '../../lib/errors';

const WEBHOOK_BODY_LIMIT = '1mb';

/** The webhook URL carries a secret: request logs show it as [redacted]. */
export const redactWebhookToken = (url: string | undefined) => url?.replace(/(\/api\/webhooks\/current-rms\/)[^/?#]+/, '$1[redacted]');

export type RequestWithRawBody = Request & { rawBody?: Buffer };

export const sha256 = (value: string | Buffer) => createHash('sha256').update(value).digest();

/**
 * Current RMS signs nothing, so the secret is the last segment of the target URL. Checked before the body is read, in
 * constant time whatever the lengths: both sides are hashed (the expected side once).
 */
export function requireWebhookToken(expected: string): RequestHandler {
  const expectedHash = sha256(expected);
  return (req, _res, next) => {
    const token = req.params.token;
    next(typeof token === 'string' && timingSafeEqual(sha256(token), expectedHash) ? undefined : unauthorized('Unknown webhook URL'));
  };
}

/** Parses JSON up to the limit and keeps the exact raw bytes for storage and signature checks. */
export const parseWebhookBody: RequestHandler = express.json({
  limit: WEBHOOK_BODY_LIMIT,
  inflate: false, // stored verbatim: a compressed delivery is refused (415), not silently decoded
  verify: (req, _res, buffer) => {
    (req as RequestWithRawBody).rawBody = buffer;
  },
});

/** Behind a signing relay: `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` (the `sha256=` prefix is optional). */
export function requireSignature(secret: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!secret) return next();
    const header = req.get('x-signature')?.trim().replace(/^sha256=/i, '') ?? '';
    const expected = createHmac('sha256', secret).update((req as RequestWithRawBody).rawBody ?? Buffer.alloc(0)).digest('hex');
    next(/^[0-9a-f]{64}$/i.test(header) && timingSafeEqual(Buffer.from(header.toLowerCase(), 'hex'), Buffer.from(expected, 'hex')) ? undefined : unauthorized('Missing or invalid X-Signature'));
  };
}
