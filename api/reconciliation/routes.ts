// Reconciliation API: actionable lists of unaugmented opportunities and missing or stale integrations.
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { INTEGRATION_SYSTEMS, type IntegrationSystem } from '../../domain/integration-systems';
import { badRequest } from '../../lib/errors';
import { missingIntegration, RECONCILIATION_LISTS, RECONCILIATION_TYPES, staleIntegrations, unaugmented, type GapPage, type GapPosition } from '../../models/reconciliation-queries';
import { decodeCursor, MAX_PAGE_SIZE, pageQuery, toPage } from '../pagination';
import { defineRoute, type Route } from '../route';

type ListName = (typeof RECONCILIATION_LISTS)[number];

const Query = z
  .object({
    type: z.enum(RECONCILIATION_TYPES).optional().describe("The list(s) to return: `all` by default, the cursor's list with a cursor"),
    system: z.enum(INTEGRATION_SYSTEMS).optional().describe('Restrict integration checks to one system (default: all)'),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(100).describe('Items per list; `total` counts all'),
    cursor: pageQuery.cursor.describe("A list's nextCursor: continues that list"),
  })
  .strict();

const ReconciliationCursor = z.object({ list: z.enum(RECONCILIATION_LISTS), opportunityId: z.number().int().positive(), system: z.enum(INTEGRATION_SYSTEMS).optional() }).strict();

const List = (item: z.ZodType) => z.object({ total: z.number().int(), items: z.array(item), nextCursor: z.string().nullable() });
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
      async ({ query: { system, limit, ...query }, res }) => {
        const after = decodeCursor(query.cursor, ReconciliationCursor);
        const type = query.type ?? after?.list ?? 'all';
        if (after && type !== after.list) throw badRequest(`This cursor continues the ${after.list} list: pass type=${after.list}, or no type`);
        /** The list's page (one row more is fetched, to tell whether there is a next page), when the request wants it. */
        const page = <Item extends { opportunityId: number; system?: IntegrationSystem }>(
          list: ListName,
          fetch: (options: { system?: IntegrationSystem; after?: GapPosition; limit: number }) => Promise<GapPage<Item>>,
        ) =>
          type === list || type === 'all'
            ? fetch({ system, after, limit: limit + 1 }).then(({ total, items }) => ({
                total,
                ...toPage(items, limit, (item) => item, (item) => ({ list, opportunityId: item.opportunityId, system: item.system })),
              }))
            : undefined;
        const [u, m, s] = await Promise.all([
          page('unaugmented', (options) => unaugmented(sequelize, options)),
          page('missing-integration', (options) => missingIntegration(sequelize, options)),
          page('stale-integrations', (options) => staleIntegrations(sequelize, options)),
        ]);
        res.json({ generatedAt: new Date().toISOString(), ...(u ? { unaugmented: u } : {}), ...(m ? { missingIntegration: m } : {}), ...(s ? { staleIntegrations: s } : {}) });
      },
    ),
  ];
}
