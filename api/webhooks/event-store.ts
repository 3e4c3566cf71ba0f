// Stores webhook deliveries verbatim and deduplicated, group-committed: each is acknowledged only after its row is committed.
import type { IncomingHttpHeaders } from 'node:http';
import type { Sequelize } from 'sequelize';
import { CURRENT_RMS_SOURCE, currentRmsEventType, isHandledEvent, statusChange, type EventStatus } from '../../domain/webhook-events';
import { badRequest } from '../../lib/errors';
import { GroupCommit } from '../../lib/group-commit';
import { sha256 } from './intake';
import type { CurrentRmsWebhook } from './schemas';

/** A delivery as received: its body's text, its headers and the client address. */
export interface WebhookDelivery {
  rawBody: string;
  headers: IncomingHttpHeaders;
  ip: string;
}

export interface StoredEvent {
  eventId: string;
  status: EventStatus;
  duplicate: boolean;
}

interface NewEvent {
  eventType: string;
  entityType: string;
  entityId: string;
  actionId: string | null;
  dedupeKey: string;
  rawBody: string;
  headers: string;
  status: EventStatus;
  history: string;
}

const STORED_HEADERS = ['content-type', 'user-agent', 'x-request-id', 'x-forwarded-for'];
const COLUMNS = ['eventType', 'entityType', 'entityId', 'actionId', 'dedupeKey', 'rawBody', 'headers', 'status', 'history'] as const;

/**
 * One statement for a whole batch, whatever its size: one text array per column. `clock_timestamp()` keeps the
 * arrival order inside a batch in `received_at`. A repeated dedupe key (in the table or earlier in the batch) is skipped.
 */
const INSERT_EVENTS = `
  INSERT INTO events (source, event_type, entity_type, entity_id, action_id, dedupe_key, payload, raw_body, headers, status, status_history, received_at)
  SELECT $1::text, event_type, entity_type, entity_id, action_id, dedupe_key, raw_body::jsonb, raw_body, headers::jsonb, status, history::jsonb, clock_timestamp()
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY
    AS incoming (event_type, entity_type, entity_id, action_id, dedupe_key, raw_body, headers, status, history, position)
  ORDER BY position
  ON CONFLICT (source, dedupe_key) DO NOTHING
  RETURNING id, dedupe_key, status`;

const FIND_EVENTS = `SELECT id, dedupe_key, status FROM events WHERE source = $1 AND dedupe_key = ANY($2::text[])`;

type EventRow = { id: string; dedupe_key: string; status: EventStatus };

type PgConnection = { query<R>(query: { name?: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>; end(): Promise<void> };

/**
 * The hot path: a pooled connection straight from Sequelize's pool and named (prepared) statements, so neither
 * Sequelize's query pipeline nor PostgreSQL's parser runs per batch.
 *
 * A commit that hangs (a dead TCP connection after a failover, a stalled disk) would hold up all intake behind it:
 * after `timeoutMs` the connection is closed, so the batch fails with "Connection terminated" (a 503 the sender
 * retries, made safe by the dedupe key) and the pool discards the connection instead of reusing it.
 */
async function withConnection<T>(sequelize: Sequelize, timeoutMs: number, use: (connection: PgConnection) => Promise<T>): Promise<T> {
  const connection = (await sequelize.connectionManager.getConnection({ type: 'write' })) as unknown as PgConnection;
  const timer = setTimeout(() => void connection.end().catch(() => undefined), timeoutMs);
  try {
    return await use(connection);
  } finally {
    clearTimeout(timer);
    sequelize.connectionManager.releaseConnection(connection);
  }
}

/** The first delivery of each dedupe key in the batch gets the new row; repeats (and keys already stored) get the original. */
function insertEvents(sequelize: Sequelize, commitTimeoutMs: number, events: NewEvent[]): Promise<StoredEvent[]> {
  return withConnection(sequelize, commitTimeoutMs, async (connection) => {
    const { rows: inserted } = await connection.query<EventRow>({
      name: 'insert-webhook-events',
      text: INSERT_EVENTS,
      values: [CURRENT_RMS_SOURCE, ...COLUMNS.map((column) => events.map((event) => event[column]))],
    });
    const fresh = new Map(inserted.map((row) => [row.dedupe_key, row]));
    const missing = events.filter((event) => !fresh.has(event.dedupeKey)).map((event) => event.dedupeKey);
    const originals =
      missing.length === 0
        ? new Map<string, EventRow>()
        : new Map((await connection.query<EventRow>({ name: 'find-webhook-events', text: FIND_EVENTS, values: [CURRENT_RMS_SOURCE, missing] })).rows.map((row) => [row.dedupe_key, row]));
    const claimed = new Set<string>();
    return events.map(({ dedupeKey }) => {
      const row = fresh.get(dedupeKey);
      if (row && !claimed.has(dedupeKey)) {
        claimed.add(dedupeKey);
        return { eventId: row.id, status: row.status, duplicate: false };
      }
      const original = row ?? originals.get(dedupeKey)!;
      return { eventId: original.id, status: original.status, duplicate: true };
    });
  });
}

/**
 * SQLSTATE class 22, data exceptions: JSON that jsonb refuses though the route accepted it (a number beyond numeric's
 * range; U+0000 and lone surrogates never get here, see api/route.ts). One such body must not fail the others in its batch.
 */
const isDataException = (error: unknown) => /^22/.test((error as { code?: unknown } | null)?.code as string);

function rejectUnstorableJson(error: unknown): never {
  if (isDataException(error)) throw badRequest(`The webhook body cannot be stored as JSON: ${(error as Error).message}`);
  throw error;
}

/**
 * Batches are bounded so one statement stays small. One in flight: everything arriving during a commit goes into the
 * next, so under load there are fewer, larger commits (at 8 connections 1.6× the rows per commit, a tenth more
 * throughput than with two in flight, bench:ingest 2026-12-02), and intake holds one pooled connection (a batch
 * failed by one body is retried in halves, one after the other).
 */
const EVENT_BATCH_LIMITS = { maxInFlight: 1, maxItems: 500, maxBytes: 4 * 1024 * 1024 };

/** `commitTimeoutMs`: WEBHOOK_COMMIT_TIMEOUT_MS, the longest a batch may hold its connection. */
export function createWebhookEventStore(sequelize: Sequelize, commitTimeoutMs: number) {
  const batches = new GroupCommit<NewEvent, StoredEvent>({
    ...EVENT_BATCH_LIMITS,
    commit: (events) => insertEvents(sequelize, commitTimeoutMs, events),
    isItemError: isDataException,
    sizeOf: (event) => event.rawBody.length,
  });

  return {
    /** Unknown event types are kept, already marked `ignored`; the dedupe key is the action id, else a hash of the raw body. */
    store(delivery: WebhookDelivery, webhook: CurrentRmsWebhook): Promise<StoredEvent> {
      const { rawBody } = delivery;
      const { action } = webhook;
      const eventType = currentRmsEventType(action.subject_type, action.action_type);
      const status: EventStatus = isHandledEvent(eventType) ? 'received' : 'ignored';
      const now = new Date();
      const headers = Object.fromEntries(STORED_HEADERS.flatMap((name) => { const value = delivery.headers[name]; return typeof value === 'string' && value ? [[name, value]] : []; }));
      return batches
        .submit({
          eventType,
          entityType: action.subject_type,
          entityId: String(action.subject_id),
          actionId: action.id === undefined ? null : String(action.id),
          dedupeKey: action.id === undefined ? `sha256:${sha256(rawBody).toString('hex')}` : `action:${action.id}`,
          rawBody,
          headers: JSON.stringify({ ...headers, ip: delivery.ip }),
          status,
          history: JSON.stringify([statusChange('received', now), ...(status === 'ignored' ? [statusChange(status, now, { error: `No handler for ${eventType}` })] : [])]),
        })
        .catch(rejectUnstorableJson);
    },
  };
}
