// Builds the API's request listener: webhook intake ahead of the Express app (security middleware, request logging, feature routers, docs, errors).
import type { RequestListener } from 'node:http';
import type { Client } from '@temporalio/client';
import cors from 'cors';
import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Sequelize } from 'sequelize';
import swaggerUi from 'swagger-ui-express';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { adminWorkflowRoutes } from './admin/routes';
import { auditRoutes } from './audit/routes';
import { authRoutes } from './auth/routes';
import { TRUSTED_PROXIES } from './client-ip';
import { refuseNonUtf8Json } from './content-type';
import { eventRoutes } from './events/routes';
import { healthRoutes } from './health/routes';
import { integrationRoutes } from './integrations/routes';
import { createAuthenticate } from './middleware/authenticate';
import { errorHandler, notFoundHandler } from './middleware/errors';
import { createMetrics } from './middleware/metrics';
import { buildOpenApiDocument, createOpenApiRegistry } from './openapi';
import { opportunityRoutes } from './opportunities/routes';
import { reconciliationRoutes } from './reconciliation/routes';
import { assignRequestId } from './request-id';
import { userRoutes } from './users/routes';
import { redactWebhookToken } from './webhooks/intake';
import { createWebhookIntake, documentWebhookRoute } from './webhooks/routes';

export interface AppDeps {
  config: Config;
  sequelize: Sequelize;
  temporal: Client;
  logger: Logger;
  version: string;
}

/**
 * Webhook deliveries are the hot path (bench:ingest: Express's routing, body parser and response helpers were most of
 * the API's CPU per delivery), so they are served on Node's own request; every other request goes to Express.
 */
export function createApp({ config, sequelize, temporal, logger, version }: AppDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', TRUSTED_PROXIES);

  const metrics = createMetrics();
  const intake = createWebhookIntake({ sequelize, config, logger, metrics });
  app.use(
    pinoHttp({
      logger,
      genReqId: assignRequestId,
      autoLogging: { ignore: (req) => req.url === '/metrics' },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      // Route params may hold secrets (the webhook token): log the redacted URL and no params.
      serializers: { req: (req: { url?: string }) => ({ ...req, url: redactWebhookToken(req.url), params: undefined }) },
    }),
  );
  app.use(metrics.recordHttp);

  const registry = createOpenApiRegistry();
  documentWebhookRoute(registry);
  const authenticate = createAuthenticate(config.JWT_SECRET);
  app.use(helmet());
  app.use(cors({ origin: config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false }));

  app.use(refuseNonUtf8Json, express.json({ limit: '1mb', inflate: false })); // other charsets and compressed request bodies: 415
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
  return (req, res) => {
    if (!intake.serve(req, res)) app(req, res);
  };
}
