// Integrations API: links to Salesforce, Xero and monday.com records, manual syncs and the re-drive of failed ones.
import type { Client } from '@temporalio/client';
import type { Request } from 'express';
import type { Sequelize } from 'sequelize';
import type { Config } from '../../lib/config';
import { OpportunityIdParams } from '../opportunities/schemas';
import { userActor } from '../request-actor';
import { defineRoute, type Route } from '../route';
import { listLinks, opportunityLinks } from './links';
import {
  IntegrationLinkPage,
  MAX_RETRY_FAILED,
  ListIntegrationsQuery,
  OpportunityIntegrations,
  RetryFailedRequest,
  RetryFailedResult,
  SyncRequested,
  SyncTargetParams,
} from './schemas';
import { requestManualSync, retryFailedSyncs, type SyncRequestDeps, type SyncRequester } from './sync-requests';

const STAFF = ['admin', 'integrations'] as const;
const TAGS = ['integrations'];
const temporalDown = { description: 'Temporal is unavailable (Retry-After)' };

const requesterOf = (req: Request): SyncRequester => ({ email: req.user!.email, actor: userActor(req) });

export function integrationRoutes(sequelize: Sequelize, temporal: Client, config: Config): Route[] {
  const deps: SyncRequestDeps = { sequelize, temporal, config };
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/integrations',
        summary: 'Links between opportunities and external records, most recently changed first (cursor paging)',
        tags: TAGS,
        access: STAFF,
        query: ListIntegrationsQuery,
        responses: { 200: { description: 'A page of links', schema: IntegrationLinkPage } },
      },
      async ({ query, res }) => {
        res.json(await listLinks(config, query));
      },
    ),
    defineRoute(
      {
        method: 'get',
        path: '/api/opportunities/:id/integrations',
        summary: "One opportunity's link to each enabled system (linked: false when never synced yet)",
        tags: TAGS,
        access: STAFF,
        params: OpportunityIdParams,
        responses: { 200: { description: 'Its links', schema: OpportunityIntegrations }, 404: { description: 'Never seen' } },
      },
      async ({ params, res }) => {
        res.json(await opportunityLinks(config, params.id));
      },
    ),
    defineRoute(
      {
        method: 'post',
        path: '/api/integrations/:system/opportunities/:id/sync',
        summary: 'Sync one opportunity to one system now, through its entity workflow sync-<system>-<id> (audited)',
        tags: TAGS,
        access: STAFF,
        params: SyncTargetParams,
        responses: {
          202: { description: 'The workflow has the request', schema: SyncRequested },
          404: { description: 'Unknown opportunity' },
          409: { description: 'The system is not enabled (system_disabled)' },
          503: temporalDown,
        },
      },
      async ({ params, req, res }) => {
        res.status(202).json(await requestManualSync(deps, { system: params.system, opportunityId: params.id }, requesterOf(req)));
      },
    ),
    defineRoute(
      {
        method: 'post',
        path: '/api/integrations/retry-failed',
        summary: `Re-drive failed links of the enabled systems (or one system) through their sync workflows, up to ${MAX_RETRY_FAILED} per call (audited once)`,
        tags: TAGS,
        access: STAFF,
        body: RetryFailedRequest,
        responses: {
          202: { description: 'The workflows have the requests', schema: RetryFailedResult },
          409: { description: 'The system is not enabled (system_disabled)' },
          503: temporalDown,
        },
      },
      async ({ body, req, res }) => {
        res.status(202).json(await retryFailedSyncs(deps, body, requesterOf(req)));
      },
    ),
  ];
}
