// Events API: list and inspect stored webhook events, and replay finished ones.
import type { Client } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import { cast, col, Op, where as sqlWhere, type WhereOptions } from 'sequelize';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import { notFound } from '../../lib/errors';
import { temporalUiWorkflowUrl } from '../../lib/temporal';
import { WebhookEvent } from '../../models';
import { decodeCursor, exactTimestamp, microsecondInstant, toPage } from '../pagination';
import { userActor } from '../request-actor';
import { defineRoute, type Route } from '../route';
import { replayEvent, replayMatching } from './replay';
import { BulkReplayStarted, EventDetail, EventIdParams, EventPage, type EventSummary, ListEventsQuery, ReplayRequest, ReplayStarted } from './schemas';
import { iso } from '../serialize';

const STAFF = ['admin', 'integrations'] as const;
const EventCursor = z.tuple([microsecondInstant, z.uuid()]);
const exactReceivedAt = exactTimestamp('received_at');


export function eventSummary(event: WebhookEvent): z.infer<typeof EventSummary> {
  return {
    id: event.id,
    source: event.source,
    eventType: event.eventType,
    entityType: event.entityType,
    entityId: event.entityId,
    actionId: event.actionId,
    status: event.status,
    attempts: event.attempts,
    replayCount: event.replayCount,
    lastError: event.lastError,
    workflowId: event.workflowId,
    runId: event.runId,
    receivedAt: event.receivedAt.toISOString(),
    dispatchedAt: iso(event.dispatchedAt),
    processedAt: iso(event.processedAt),
  };
}

export function eventRoutes(sequelize: Sequelize, temporal: Client, config: Config): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/events',
        summary: 'Stored webhook events, newest first (cursor paging)',
        tags: ['events'],
        access: STAFF,
        query: ListEventsQuery,
        responses: { 200: { description: 'A page of events', schema: EventPage } },
      },
      async ({ query, res }) => {
        const after = decodeCursor(query.cursor, EventCursor);
        const where: WhereOptions<WebhookEvent>[] = [
          ...(query.status ? [{ status: query.status }] : []),
          ...(query.eventType ? [{ eventType: query.eventType }] : []),
          ...(query.entityId ? [{ entityId: query.entityId }] : []),
          ...(query.since ? [{ receivedAt: { [Op.gte]: new Date(query.since) } }] : []),
          ...(after
            ? [
                {
                  [Op.or]: [
                    sqlWhere(col('received_at'), Op.lt, cast(after[0], 'timestamptz')),
                    { [Op.and]: [sqlWhere(col('received_at'), Op.eq, cast(after[0], 'timestamptz')), { id: { [Op.lt]: after[1] } }] },
                  ],
                },
              ]
            : []),
        ];
        const rows = await WebhookEvent.findAll({
          where: { [Op.and]: where },
          attributes: { exclude: ['payload', 'rawBody', 'headers', 'statusHistory'], include: [[exactReceivedAt, 'receivedAtExact']] },
          order: [['receivedAt', 'DESC'], ['id', 'DESC']],
          limit: query.limit + 1,
        });
        res.json(toPage(rows, query.limit, eventSummary, (row) => [row.get('receivedAtExact') as string, row.id]));
      },
    ),
    defineRoute(
      {
        method: 'get',
        path: '/api/events/:id',
        summary: 'One event: raw payload, headers, status history and its run in the Temporal UI',
        tags: ['events'],
        access: STAFF,
        params: EventIdParams,
        responses: { 200: { description: 'The event', schema: EventDetail }, 404: { description: 'No such event' } },
      },
      async ({ params, res }) => {
        const event = await WebhookEvent.findByPk(params.id);
        if (!event) throw notFound(`No event ${params.id}`);
        res.json({
          ...eventSummary(event),
          payload: event.payload,
          rawBody: event.rawBody,
          headers: event.headers,
          statusHistory: event.statusHistory,
          temporalUiUrl: event.workflowId ? temporalUiWorkflowUrl(config, event.workflowId, event.runId) : null,
        });
      },
    ),
    defineRoute(
      {
        method: 'post',
        path: '/api/replay',
        summary: 'Re-run processing of one finished (or abandoned) event as run webhook-<eventId>-replay-<n>, or of up to 500 matching a filter',
        tags: ['events'],
        access: STAFF,
        body: ReplayRequest,
        responses: {
          202: { description: 'Replay queued: the outbox relay starts the new run', schema: z.union([ReplayStarted, BulkReplayStarted]) },
          404: { description: 'No such event' },
          409: { description: 'The event is still being processed by a running workflow' },
        },
      },
      async ({ body, req, res }) => {
        const actor = userActor(req);
        res
          .status(202)
          .json('eventId' in body ? await replayEvent(sequelize, temporal, body.eventId, actor) : await replayMatching(sequelize, temporal, body.filter, body.limit, actor));
      },
    ),
  ];
}
