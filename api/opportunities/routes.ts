// Opportunities API: our snapshots of Current RMS opportunities with augmentation, integrations and events.
import { Op, where as sqlWhere, fn, col, type WhereOptions } from 'sequelize';
import { z } from 'zod';
import { notFound } from '../../lib/errors';
import { AugmentedOpportunity, ExternalIntegration, Opportunity, WebhookEvent } from '../../models';
import { eventSummary } from '../events/routes';
import { decodeCursor, toPage } from '../pagination';
import { defineRoute, type Route } from '../route';
import { ListOpportunitiesQuery, OpportunityDetail, OpportunityIdParams, OpportunityPage, type OpportunitySchema } from './schemas';
import { iso, linkSummary } from '../serialize';

const STAFF = ['admin', 'integrations'] as const;
const RECENT_EVENTS = 20;

function opportunityJson(row: Opportunity, augmentation: AugmentedOpportunity | null | undefined): z.infer<typeof OpportunitySchema> {
  return {
    id: row.id,
    subject: row.subject,
    number: row.number,
    state: row.state,
    stateName: row.stateName,
    status: row.status,
    statusName: row.statusName,
    startsAt: iso(row.startsAt),
    endsAt: iso(row.endsAt),
    chargeTotal: row.chargeTotal,
    chargeExcludingTaxTotal: row.chargeExcludingTaxTotal,
    chargeIncludingTaxTotal: row.chargeIncludingTaxTotal,
    taxTotal: row.taxTotal,
    member: row.memberId === null ? null : { id: row.memberId, name: row.memberName },
    owner: row.ownerId === null ? null : { id: row.ownerId, name: row.ownerName },
    riskLevel: augmentation?.riskLevel ?? null,
    sourceUpdatedAt: iso(row.sourceUpdatedAt),
    deletedAt: iso(row.deletedAt),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A status filter is a code (`20`) or a name (`active`, any case). */
const statusFilter = (status: string): WhereOptions<Opportunity> =>
  /^\d{1,9}$/.test(status) ? { status: Number(status) } : sqlWhere(fn('lower', col('status_name')), status.toLowerCase());

export function opportunityRoutes(): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/opportunities',
        summary: 'Opportunities by id (cursor paging), filtered by Current RMS status or our risk level',
        tags: ['opportunities'],
        access: STAFF,
        query: ListOpportunitiesQuery,
        responses: { 200: { description: 'A page of opportunities', schema: OpportunityPage } },
      },
      async ({ query, res }) => {
        const after = decodeCursor(query.cursor, z.number().int().positive());
        const rows = await Opportunity.findAll({
          where: {
            [Op.and]: [
              ...(query.status ? [statusFilter(query.status)] : []),
              ...(query.includeDeleted ? [] : [{ deletedAt: null }]),
              ...(after ? [{ id: { [Op.gt]: after } }] : []),
            ],
          },
          include: [{ model: AugmentedOpportunity, as: 'augmentation', required: query.riskLevel !== undefined, ...(query.riskLevel ? { where: { riskLevel: query.riskLevel } } : {}) }],
          order: [['id', 'ASC']],
          limit: query.limit + 1,
        });
        res.json(toPage(rows, query.limit, (row) => opportunityJson(row, augmentationOf(row)), (row) => row.id));
      },
    ),
    defineRoute(
      {
        method: 'get',
        path: '/api/opportunities/:id',
        summary: 'One opportunity: snapshot, augmentation, integrations and its 20 most recent events',
        tags: ['opportunities'],
        access: STAFF,
        params: OpportunityIdParams,
        responses: { 200: { description: 'The opportunity', schema: OpportunityDetail }, 404: { description: 'Never seen' } },
      },
      async ({ params, res }) => {
        const row = await Opportunity.findByPk(params.id, {
          include: [{ model: AugmentedOpportunity, as: 'augmentation' }, { model: ExternalIntegration, as: 'integrations' }],
          order: [[{ model: ExternalIntegration, as: 'integrations' }, 'system', 'ASC']],
        });
        if (!row) throw notFound(`No opportunity ${params.id}`);
        const events = await WebhookEvent.findAll({
          where: { entityType: 'Opportunity', entityId: String(params.id) },
          attributes: { exclude: ['payload', 'rawBody', 'headers', 'statusHistory'] },
          order: [['receivedAt', 'DESC'], ['id', 'DESC']],
          limit: RECENT_EVENTS,
        });
        const augmentation = augmentationOf(row);
        res.json({
          opportunity: { ...opportunityJson(row, augmentation), description: row.description, customFields: row.customFields, raw: row.raw },
          augmentation: augmentation
            ? {
                workflowStatus: augmentation.workflowStatus,
                riskLevel: augmentation.riskLevel,
                riskScore: augmentation.riskScore,
                riskNotes: augmentation.riskNotes,
                financialHealthScore: augmentation.financialHealthScore,
                customCalculations: augmentation.customCalculations,
                formulaVersion: augmentation.formulaVersion,
                computedAt: augmentation.computedAt.toISOString(),
              }
            : null,
          integrations: integrationsOf(row).map(linkSummary),
          recentEvents: events.map(eventSummary),
        });
      },
    ),
  ];
}

const augmentationOf = (row: Opportunity) => (row as Opportunity & { augmentation?: AugmentedOpportunity | null }).augmentation ?? null;
const integrationsOf = (row: Opportunity) => (row as Opportunity & { integrations?: ExternalIntegration[] }).integrations ?? [];
