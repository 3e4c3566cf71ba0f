// Shapes of the events and replay APIs.
import { z } from 'zod';
import { EVENT_STATUSES, TERMINAL_EVENT_STATUSES } from '../../domain/webhook-events';
import { pageOf, pageQuery } from '../pagination';

export const EventSummary = z
  .object({
    id: z.uuid(),
    source: z.string(),
    eventType: z.string(),
    entityType: z.string().nullable(),
    entityId: z.string().nullable(),
    actionId: z.string().nullable(),
    status: z.enum(EVENT_STATUSES),
    attempts: z.number().int(),
    replayCount: z.number().int(),
    lastError: z.string().nullable(),
    workflowId: z.string().nullable(),
    runId: z.string().nullable(),
    receivedAt: z.iso.datetime(),
    dispatchedAt: z.iso.datetime().nullable(),
    processedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'EventSummary' });

const StatusChangeSchema = z
  .object({ status: z.enum(EVENT_STATUSES), at: z.string(), workflowId: z.string().optional(), runId: z.string().optional(), error: z.string().optional(), by: z.string().optional() })
  .meta({ id: 'EventStatusChange' });

export const EventDetail = EventSummary.extend({
  payload: z.unknown().describe('The body as received, parsed'),
  rawBody: z.string().describe('The body exactly as received'),
  headers: z.record(z.string(), z.string()),
  statusHistory: z.array(StatusChangeSchema),
  temporalUiUrl: z.url().nullable().describe('The current processing run in the Temporal UI'),
}).meta({ id: 'EventDetail' });

export const EventPage = pageOf(EventSummary, 'EventPage');

export const ListEventsQuery = z
  .object({
    status: z.enum(EVENT_STATUSES).optional(),
    eventType: z.string().max(100).optional(),
    entityId: z.string().max(100).optional(),
    since: z.iso.datetime({ offset: true }).optional().describe('Only events received at or after this instant'),
    ...pageQuery,
  })
  .strict();

export const EventIdParams = z.object({ id: z.uuid() });

export const ReplayFilter = z
  .object({
    status: z.enum(TERMINAL_EVENT_STATUSES).default('failed'),
    eventType: z.string().max(100).optional(),
    entityId: z.string().max(100).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

const MAX_BULK_REPLAY = 500;

export const ReplayRequest = z
  .union([
    z.object({ eventId: z.uuid() }).strict(),
    z.object({ filter: ReplayFilter, limit: z.number().int().min(1).max(MAX_BULK_REPLAY).default(100) }).strict(),
  ])
  .meta({ id: 'ReplayRequest', description: `One event by id, or up to ${MAX_BULK_REPLAY} finished events matching a filter (default: failed ones)` });

export const ReplayStarted = z
  .object({ eventId: z.uuid(), replay: z.number().int(), workflowId: z.string(), status: z.literal('received') })
  .meta({ id: 'ReplayStarted' });

export const BulkReplayStarted = z
  .object({ count: z.number().int(), matched: z.number().int(), replays: z.array(ReplayStarted), skipped: z.array(z.object({ eventId: z.uuid(), reason: z.string() })) })
  .meta({ id: 'BulkReplayStarted' });
