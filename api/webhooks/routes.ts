// Webhook intake: Current RMS posts here; 202 once the event is committed, 200 for a repeated delivery. The hot path, so
// it is served on Node's own request ahead of Express, with the same checks, error envelope, request log line and metric.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import { clientIp } from '../client-ip';
import { errorReply, toAppError } from '../middleware/errors';
import type { HttpMetrics } from '../middleware/metrics';
import { assignRequestId } from '../request-id';
import { documentRoute, parseOrThrow } from '../route';
import { createWebhookEventStore } from './event-store';
import { readJsonBody, redactWebhookToken, signatureCheck, WEBHOOK_ROUTE, webhookTokenCheck, webhookTokenSegment } from './intake';
import { CurrentRmsWebhook, WebhookAccepted } from './schemas';

export function documentWebhookRoute(registry: OpenAPIRegistry): void {
  documentRoute(registry, {
    method: 'post',
    path: WEBHOOK_ROUTE,
    summary: 'Current RMS webhook target. The URL carries the secret CURRENT_RMS_WEBHOOK_TOKEN; the body is stored verbatim.',
    tags: ['webhooks'],
    access: 'public',
    params: z.object({ token: z.string().describe('CURRENT_RMS_WEBHOOK_TOKEN') }),
    body: CurrentRmsWebhook,
    responses: {
      202: { description: 'Stored; processing follows', schema: WebhookAccepted },
      200: { description: 'A repeated delivery: the original event, nothing new started', schema: WebhookAccepted },
      401: { description: 'Unknown webhook URL, or a missing/invalid X-Signature when CURRENT_RMS_WEBHOOK_HMAC_SECRET is set' },
      413: { description: 'Body over 1 MB' },
      415: { description: 'Body is not application/json (UTF-8, uncompressed)' },
      503: { description: 'The database is unavailable or too slow to commit; retry after Retry-After' },
    },
  });
}

export interface WebhookIntakeDeps {
  sequelize: Sequelize;
  config: Config;
  logger: Logger;
  metrics: HttpMetrics;
}

export interface WebhookIntake {
  /** Serves the request if it is a webhook delivery (a POST to the route) and says so; any other request is left alone. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string>; code?: string; error?: unknown };

export function createWebhookIntake({ sequelize, config, logger, metrics }: WebhookIntakeDeps): WebhookIntake {
  const events = createWebhookEventStore(sequelize, config.WEBHOOK_COMMIT_TIMEOUT_MS);
  const checkToken = webhookTokenCheck(config.CURRENT_RMS_WEBHOOK_TOKEN);
  const checkSignature = signatureCheck(config.CURRENT_RMS_WEBHOOK_HMAC_SECRET);

  /** The token before the body is read; the body's JSON before its signature; then its shape, then the commit. */
  async function accept(req: IncomingMessage, tokenSegment: string): Promise<Answer> {
    checkToken(tokenSegment);
    const { raw, text, json } = await readJsonBody(req);
    checkSignature(req, raw);
    const webhook = parseOrThrow(CurrentRmsWebhook, json, 'body');
    const stored = await events.store({ rawBody: text, headers: req.headers, ip: clientIp(req) }, webhook);
    return { status: stored.duplicate ? 200 : 202, body: { eventId: stored.eventId, status: stored.status, ...(stored.duplicate ? { duplicate: true } : {}) } };
  }

  function refusal(error: unknown): Answer {
    const appError = toAppError(error);
    return { ...errorReply(appError), code: appError.code, ...(appError.status >= 500 ? { error } : {}) };
  }

  return {
    serve(req, res) {
      const tokenSegment = webhookTokenSegment(req);
      if (tokenSegment === undefined) return false;
      const startedAt = performance.now();
      const id = assignRequestId(req, res);
      const answer = ({ status, body, headers, code, error }: Answer) => {
        const json = JSON.stringify(body);
        res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) }).end(json);
        const elapsedMs = performance.now() - startedAt;
        metrics.observeHttp({ method: 'POST', route: WEBHOOK_ROUTE, status }, elapsedMs / 1000);
        const line = {
          req: { id, method: req.method, url: redactWebhookToken(req.url), remoteAddress: req.socket.remoteAddress, userAgent: req.headers['user-agent'] },
          res: { statusCode: status, ...(code ? { code } : {}) },
          responseTime: Math.round(elapsedMs),
          ...(error ? { err: error } : {}),
        };
        if (status >= 500) logger.error(line, 'request failed');
        else logger.info(line, 'request completed');
      };
      accept(req, tokenSegment)
        .catch(refusal)
        .then(answer)
        .catch((error: unknown) => {
          logger.error({ err: error }, 'webhook intake could not answer');
          res.destroy();
        });
      return true;
    },
  };
}
