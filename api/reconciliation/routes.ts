// Reconciliation API: actionable lists of unaugmented opportunities and missing or stale integrations.
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { INTEGRATION_SYSTEMS } from '../../domain/integration-systems';
import { MAX_PAGE_SIZE } from '../pagination';
import { defineRoute, type Route } from '../route';
import { missingIntegration, RECONCILIATION_TYPES, staleIntegrations, unaugmented } from '../../models/reconciliation-queries';

const Query = z
  .object({
    type: z.enum(RECONCILIATION_TYPES).default('all'),
    system: z.enum(INTEGRATION_SYSTEMS).optional().describe('Restrict integration checks to one system (default: all)'),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(100).describe('Items per list; `total` counts all'),
  })
  .strict();

const List = (item: z.ZodType) => z.object({ total: z.number().int(), items: z.array(item) });
const Report = z
  .object({
    generatedAt: z.iso.datetime(),
    unaugmented: List(z.object({ opportunityId: z.number(), subject: z.string(), reason: z.enum(['missing', 'formula_changed', 'snapshot_changed']) })).optional(),
    missingIntegration: List(z.object({ opportunityId: z.number(), subject: z.string(), system: z.enum(INTEGRATION_SYSTEMS) })).optional(),
    staleIntegrations: List(
      z.object({ opportunityId: z.number(), system: z.enum(INTEGRATION_SYSTEMS), status: z.string(), reason: z.enum(['failed', 'never_synced', 'changed_since_sync']) }).passthrough(),
    ).optional(),
  })
  .meta({ id: 'ReconciliationReport' });

export function reconciliationRoutes(sequelize: Sequelize): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/reconciliation',
        summary: 'Data gaps: unaugmented opportunities, missing integrations, stale or failed integrations',
        tags: ['reconciliation'],
        access: ['admin', 'integrations'],
        query: Query,
        responses: { 200: { description: 'The requested lists', schema: Report } },
      },
      async ({ query: { type, system, limit }, res }) => {
        const wants = (t: (typeof RECONCILIATION_TYPES)[number]) => type === t || type === 'all';
        const [u, m, s] = await Promise.all([
          wants('unaugmented') ? unaugmented(sequelize, limit) : undefined,
          wants('missing-integration') ? missingIntegration(sequelize, system, limit) : undefined,
          wants('stale-integrations') ? staleIntegrations(sequelize, system, limit) : undefined,
        ]);
        res.json({ generatedAt: new Date().toISOString(), ...(u ? { unaugmented: u } : {}), ...(m ? { missingIntegration: m } : {}), ...(s ? { staleIntegrations: s } : {}) });
      },
    ),
  ];
}
