// Builds the Express app: security middleware, request logging, feature routers, docs and errors.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Sequelize } from 'sequelize';
import swaggerUi from 'swagger-ui-express';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { adminWorkflowRoutes } from './admin/routes';
import { auditRoutes } from './audit/routes';
import { authRoutes } from './auth/routes';
import { eventRoutes } from './events/routes';
import { healthRoutes } from './health/routes';
import { integrationRoutes } from './integrations/routes';
import { createAuthenticate } from './middleware/authenticate';
import { errorHandler, notFoundHandler } from './middleware/errors';
import { createMetrics } from './middleware/metrics';
import { buildOpenApiDocument, createOpenApiRegistry } from './openapi';
import { opportunityRoutes } from './opportunities/routes';
import { reconciliationRoutes } from './reconciliation/routes';
import { userRoutes } from './users/routes';
import { redactWebhookToken } from './webhooks/intake';
import { webhookRoutes } from './webhooks/routes';

export interface AppDeps {
  config: Config;
  sequelize: Sequelize;
  temporal: Client;
  logger: Logger;
  version: string;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function createApp({ config, sequelize, temporal, logger, version }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  const metrics = createMetrics();
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/metrics' },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      // Route params may hold secrets (the webhook token): log the redacted URL and no params.
      serializers: { req: (req: { url?: string }) => ({ ...req, url: redactWebhookToken(req.url), params: undefined }) },
    }),
  );
  app.use(metrics.recordHttp);

  const registry = createOpenApiRegistry();
  const authenticate = createAuthenticate(config.JWT_SECRET);
  // Webhooks check their URL token before reading the body, and keep the raw bytes: they parse it themselves. They come
  // from servers, not browsers, so the hot path skips the browser-facing headers (helmet, CORS) the routes below get.
  const webhookRouter = express.Router();
  for (const route of webhookRoutes(sequelize, config)) route.register(webhookRouter, registry, authenticate);
  app.use(webhookRouter);

  app.use(helmet());
  app.use(cors({ origin: config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false }));

  app.use(express.json({ limit: '1mb', inflate: false })); // compressed request bodies: 415
  const router = express.Router();
  for (const route of [
    ...healthRoutes(sequelize, temporal, version),
    ...authRoutes(sequelize, config.JWT_SECRET),
    ...userRoutes(sequelize),
    ...eventRoutes(sequelize, temporal, config),
    ...opportunityRoutes(),
    ...reconciliationRoutes(sequelize),
    ...integrationRoutes(sequelize, temporal, config),
    ...auditRoutes(),
    ...adminWorkflowRoutes(sequelize, temporal, config),
  ]) {
    route.register(router, registry, authenticate);
  }
  app.use(router);

  const openApiDocument = buildOpenApiDocument(registry, version);
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openApiDocument, { customSiteTitle: 'Integration platform API' }));
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
