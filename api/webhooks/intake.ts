// Webhook intake: authenticate the delivery, then store it verbatim and deduplicated before acknowledging.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import { DatabaseError, QueryTypes, type Sequelize } from 'sequelize';
import { CURRENT_RMS_SOURCE, currentRmsEventType, isHandledEvent, statusChange, type EventStatus } from '../../domain/webhook-events';
import { badRequest, unauthorized } from '../../lib/errors';
import type { CurrentRmsWebhook } from './schemas';

export const WEBHOOK_BODY_LIMIT = '1mb';

/** The webhook URL carries a secret: request logs show it as [redacted]. */
export const redactWebhookToken = (url: string | undefined) => url?.replace(/(\/api\/webhooks\/current-rms\/)[^/?#]+/, '$1[redacted]');

type RequestWithRawBody = Request & { rawBody?: Buffer };

const sha256 = (value: string | Buffer) => createHash('sha256').update(value).digest();

/** Constant-time comparison of two secrets of any length (both are hashed first). */
const sameSecret = (given: string, expected: string) => timingSafeEqual(sha256(given), sha256(expected));

/** Current RMS signs nothing, so the secret is the last segment of the target URL. Checked before the body is read. */
export function requireWebhookToken(expected: string): RequestHandler {
  return (req, _res, next) => {
    const token = req.params.token;
    next(typeof token === 'string' && sameSecret(token, expected) ? undefined : unauthorized('Unknown webhook URL'));
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

export interface StoredEvent {
  eventId: string;
  status: EventStatus;
  duplicate: boolean;
}

const STORED_HEADERS = ['content-type', 'user-agent', 'x-request-id', 'x-forwarded-for'];

const INSERT_EVENT = `
  INSERT INTO events (source, event_type, entity_type, entity_id, action_id, dedupe_key, payload, raw_body, headers, status, status_history)
  VALUES (:source, :eventType, :entityType, :entityId, :actionId, :dedupeKey, CAST(:rawBody AS jsonb), :rawBody, CAST(:headers AS jsonb),
          :status, CAST(:history AS jsonb))
  ON CONFLICT (source, dedupe_key) DO NOTHING
  RETURNING id, status`;

/**
 * One INSERT … ON CONFLICT DO NOTHING: the dedupe key (source + action id, else a hash of the raw body) makes a
 * repeated delivery return the original event. Unknown event types are kept, already marked `ignored`.
 */
export async function storeWebhookEvent(sequelize: Sequelize, req: Request, webhook: CurrentRmsWebhook): Promise<StoredEvent> {
  const rawBody = (req as RequestWithRawBody).rawBody!.toString('utf8');
  const { action } = webhook;
  const eventType = currentRmsEventType(action.subject_type, action.action_type);
  const status: EventStatus = isHandledEvent(eventType) ? 'received' : 'ignored';
  const now = new Date();
  const headers = Object.fromEntries(STORED_HEADERS.flatMap((name) => { const value = req.get(name); return value ? [[name, value]] : []; }));
  const dedupeKey = action.id === undefined ? `sha256:${sha256(rawBody).toString('hex')}` : `action:${action.id}`;
  const [inserted] = await sequelize
    .query<{ id: string; status: EventStatus }>(INSERT_EVENT, {
      type: QueryTypes.SELECT,
      replacements: {
        source: CURRENT_RMS_SOURCE,
        eventType,
        entityType: action.subject_type,
        entityId: String(action.subject_id),
        actionId: action.id === undefined ? null : String(action.id),
        dedupeKey,
        rawBody,
        headers: JSON.stringify({ ...headers, ip: req.ip }),
        status,
        history: JSON.stringify([statusChange('received', now), ...(status === 'ignored' ? [statusChange(status, now, { error: `No handler for ${eventType}` })] : [])]),
      },
    })
    .catch(rejectUnstorableJson);
  if (inserted) return { eventId: inserted.id, status: inserted.status, duplicate: false };
  const [original] = await sequelize.query<{ id: string; status: EventStatus }>(
    `SELECT id, status FROM events WHERE source = :source AND dedupe_key = :dedupeKey`,
    {
      type: QueryTypes.SELECT,
      replacements: { source: CURRENT_RMS_SOURCE, dedupeKey },
    },
  );
  return { eventId: original!.id, status: original!.status, duplicate: true };
}

/**
 * JSON that jsonb refuses (the \\u0000 escape, lone surrogates, numbers beyond numeric's range): SQLSTATE class 22,
 * data exceptions. Such a body is refused as the client's error, not a server error.
 */
function rejectUnstorableJson(error: unknown): never {
  const code = error instanceof DatabaseError ? (error.original as { code?: string }).code : undefined;
  if (code?.startsWith('22')) throw badRequest(`The webhook body cannot be stored as JSON: ${(error as DatabaseError).message}`);
  throw error;
}
