// Read side of the integrations API: the paged list of links and one opportunity's link per system, each with its sync workflow.
import { cast, col, Op, where as sqlWhere, type WhereOptions } from 'sequelize';
import { z } from 'zod';
import { INTEGRATION_SYSTEMS, type IntegrationSystem } from '../../domain/integration-systems';
import { workflowIds } from '../../domain/workflow-ids';
import type { Config } from '../../lib/config';
import { notFound } from '../../lib/errors';
import { temporalUiWorkflowUrl } from '../../lib/temporal';
import { ExternalIntegration, Opportunity } from '../../models';
import { decodeCursor, exactTimestamp, microsecondInstant, toPage } from '../pagination';
import type { IntegrationLink, ListIntegrationsQuery, OpportunityIntegration, OpportunityIntegrations } from './schemas';
import { iso, linkSummary } from '../serialize';


const exactUpdatedAt = exactTimestamp('updated_at');
const LinkCursor = z.tuple([microsecondInstant, z.string().regex(/^\d{1,18}$/)]);

const syncWorkflow = (config: Config, system: IntegrationSystem, opportunityId: number) => {
  const workflowId = workflowIds.opportunitySync(system, opportunityId);
  return { workflowId, temporalUiUrl: temporalUiWorkflowUrl(config, workflowId) };
};

function linkJson(config: Config, link: ExternalIntegration): z.infer<typeof IntegrationLink> {
  return {
    opportunityId: link.opportunityId,
    ...linkSummary(link),
    ...syncWorkflow(config, link.system, link.opportunityId),
  };
}

/** Links matching the filters, most recently changed first; ties broken by id, so the cursor never skips or repeats a link. */
export async function listLinks(config: Config, query: z.infer<typeof ListIntegrationsQuery>) {
  const after = decodeCursor(query.cursor, LinkCursor);
  const where: WhereOptions<ExternalIntegration>[] = [
    ...(query.system ? [{ system: query.system }] : []),
    ...(query.status ? [{ status: query.status }] : []),
    ...(query.opportunityId ? [{ opportunityId: query.opportunityId }] : []),
    ...(after
      ? [
          {
            [Op.or]: [
              sqlWhere(col('updated_at'), Op.lt, cast(after[0], 'timestamptz')),
              { [Op.and]: [sqlWhere(col('updated_at'), Op.eq, cast(after[0], 'timestamptz')), { id: { [Op.lt]: after[1] } }] },
            ],
          },
        ]
      : []),
  ];
  const rows = await ExternalIntegration.findAll({
    where: { [Op.and]: where },
    attributes: { exclude: ['payloadHash', 'metadata'], include: [[exactUpdatedAt, 'updatedAtExact']] },
    order: [['updatedAt', 'DESC'], ['id', 'DESC']],
    limit: query.limit + 1,
  });
  return toPage(rows, query.limit, (row) => linkJson(config, row), (row) => [row.get('updatedAtExact') as string, row.id]);
}

/** Every enabled system (linked or not yet), then any disabled system the opportunity still has a link to; 404 for an unknown opportunity. */
export async function opportunityLinks(config: Config, opportunityId: number): Promise<z.infer<typeof OpportunityIntegrations>> {
  if (!(await Opportunity.findByPk(opportunityId, { attributes: ['id'] }))) throw notFound(`No opportunity ${opportunityId}`);
  const links = new Map((await ExternalIntegration.findAll({ where: { opportunityId } })).map((link) => [link.system, link]));
  const enabled = (system: IntegrationSystem) => config.SYNC_SYSTEMS.includes(system);
  const shown = [...INTEGRATION_SYSTEMS.filter(enabled), ...INTEGRATION_SYSTEMS.filter((system) => !enabled(system) && links.has(system))];
  const integrations = shown.map((system): z.infer<typeof OpportunityIntegration> => {
    const link = links.get(system);
    return {
      system,
      enabled: enabled(system),
      linked: link !== undefined,
      status: link?.status ?? null,
      uid: link?.uid ?? null,
      externalId: link?.externalId ?? null,
      lastSyncedAt: iso(link?.lastSyncedAt ?? null),
      lastError: link?.lastError ?? null,
      attempts: link?.attempts ?? 0,
      updatedAt: iso(link?.updatedAt ?? null),
      ...syncWorkflow(config, system, opportunityId),
    };
  });
  return { opportunityId, integrations };
}
