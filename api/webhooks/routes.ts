// Webhook intake route: Current RMS posts here; 202 once the event is committed, 200 for a repeated delivery.
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import { defineRoute, type Route } from '../route';
import { createWebhookEventStore } from './event-store';
import { parseWebhookBody, requireSignature, requireWebhookToken } from './intake';
import { CurrentRmsWebhook, WebhookAccepted } from './schemas';

export function webhookRoutes(sequelize: Sequelize, config: Config): Route[] {
  const events = createWebhookEventStore(sequelize, config.WEBHOOK_COMMIT_TIMEOUT_MS);
  return [
    defineRoute(
      {
        method: 'post',
        path: '/api/webhooks/current-rms/:token',
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
          415: { description: 'Body is not application/json' },
        },
        before: [requireWebhookToken(config.CURRENT_RMS_WEBHOOK_TOKEN), parseWebhookBody, requireSignature(config.CURRENT_RMS_WEBHOOK_HMAC_SECRET)],
      },
      async ({ body, req, res }) => {
        const stored = await events.store(req, body);
        res.status(stored.duplicate ? 200 : 202).json({ eventId: stored.eventId, status: stored.status, ...(stored.duplicate ? { duplicate: true } : {}) });
      },
    ),
  ];
}
