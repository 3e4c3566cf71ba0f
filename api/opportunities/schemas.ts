// Shapes of the opportunities API: snapshot, augmentation, integrations and recent events.
import { z } from 'zod';
import { RISK_LEVELS } from '../../domain/augmentation';
import { INTEGRATION_STATUSES, INTEGRATION_SYSTEMS } from '../../domain/integration-systems';
import { EventSummary } from '../events/schemas';
import { pageOf, pageQuery } from '../pagination';
import { entityIdParam } from '../params';

const money = z.string().regex(/^-?\d+\.\d{2}$/).describe('Decimal amount as a string');
const party = z.object({ id: z.number(), name: z.string().nullable() }).nullable();

export const OpportunitySchema = z
  .object({
    id: z.number(),
    subject: z.string(),
    number: z.string().nullable(),
    state: z.number().nullable(),
    stateName: z.string().nullable(),
    status: z.number().nullable(),
    statusName: z.string().nullable(),
    startsAt: z.iso.datetime().nullable(),
    endsAt: z.iso.datetime().nullable(),
    chargeTotal: money,
    chargeExcludingTaxTotal: money,
    chargeIncludingTaxTotal: money,
    taxTotal: money,
    member: party,
    owner: party,
    riskLevel: z.enum(RISK_LEVELS).nullable(),
    sourceUpdatedAt: z.iso.datetime().nullable(),
    deletedAt: z.iso.datetime().nullable(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Opportunity' });

const AugmentationSchema = z
  .object({
    workflowStatus: z.string(),
    riskLevel: z.enum(RISK_LEVELS),
    riskScore: z.number().int(),
    riskNotes: z.array(z.string()),
    financialHealthScore: z.number().int().min(0).max(100),
    customCalculations: z.record(z.string(), z.unknown()),
    formulaVersion: z.string(),
    computedAt: z.iso.datetime(),
  })
  .meta({ id: 'Augmentation' });

export const IntegrationSchema = z
  .object({
    system: z.enum(INTEGRATION_SYSTEMS),
    uid: z.string(),
    externalId: z.string().nullable(),
    status: z.enum(INTEGRATION_STATUSES),
    lastSyncedAt: z.iso.datetime().nullable(),
    lastError: z.string().nullable(),
    attempts: z.number().int(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Integration' });

export const OpportunityDetail = z
  .object({
    opportunity: OpportunitySchema.extend({ description: z.string().nullable(), customFields: z.record(z.string(), z.unknown()), raw: z.unknown() }),
    augmentation: AugmentationSchema.nullable(),
    integrations: z.array(IntegrationSchema),
    recentEvents: z.array(EventSummary),
  })
  .meta({ id: 'OpportunityDetail' });

export const OpportunityPage = pageOf(OpportunitySchema, 'OpportunityPage');

export const ListOpportunitiesQuery = z
  .object({
    status: z.string().max(40).optional().describe('Current RMS status code (e.g. 20) or name (e.g. Active)'),
    riskLevel: z.enum(RISK_LEVELS).optional(),
    includeDeleted: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
    ...pageQuery,
  })
  .strict();

export const OpportunityIdParams = z.object({ id: entityIdParam });
