// Shapes of the integrations API: links between opportunities and external records, manual syncs and bulk retries.
import { z } from 'zod';
import { INTEGRATION_STATUSES, INTEGRATION_SYSTEMS } from '../../domain/integration-systems';
import { OpportunityIdParams } from '../opportunities/schemas';
import { pageOf, pageQuery } from '../pagination';
import { entityIdParam } from '../params';
import { IntegrationSchema } from '../opportunities/schemas';

/** At most this many failed links are re-driven per retry-failed call; `nextCursor` continues after them. */
export const MAX_RETRY_FAILED = 1000;

const syncWorkflow = {
  workflowId: z.string().describe('The entity workflow sync-<system>-<opportunityId> that writes this link'),
  temporalUiUrl: z.url().describe('Every run of that workflow in the Temporal UI'),
};

/** The opportunity's link as its detail shows it, with the opportunity and its sync workflow. */
export const IntegrationLink = IntegrationSchema.extend({ opportunityId: z.number(), ...syncWorkflow }).meta({ id: 'IntegrationLink' });

export const IntegrationLinkPage = pageOf(IntegrationLink, 'IntegrationLinkPage');

export const ListIntegrationsQuery = z
  .object({
    system: z.enum(INTEGRATION_SYSTEMS).optional(),
    status: z.enum(INTEGRATION_STATUSES).optional(),
    opportunityId: entityIdParam.optional(),
    ...pageQuery,
  })
  .strict();

export const OpportunityIntegration = z
  .object({
    system: z.enum(INTEGRATION_SYSTEMS),
    enabled: z.boolean().describe('Whether the system is in SYNC_SYSTEMS; a disabled system is listed only when a link to it exists'),
    linked: z.boolean().describe('false: never synced yet (no link row); status and the link fields are then null'),
    status: z.enum(INTEGRATION_STATUSES).nullable(),
    uid: z.string().nullable(),
    externalId: z.string().nullable(),
    lastSyncedAt: z.iso.datetime().nullable(),
    lastError: z.string().nullable(),
    attempts: z.number().int(),
    updatedAt: z.iso.datetime().nullable(),
    ...syncWorkflow,
  })
  .meta({ id: 'OpportunityIntegration' });

export const OpportunityIntegrations = z
  .object({ opportunityId: z.number(), integrations: z.array(OpportunityIntegration) })
  .meta({ id: 'OpportunityIntegrations', description: 'One entry per enabled system (linked or not), then links to disabled systems' });

export const SyncTargetParams = OpportunityIdParams.extend({ system: z.enum(INTEGRATION_SYSTEMS) });

export const SyncRequested = z
  .object({ workflowId: z.string(), runId: z.string().describe('The run that serves the request'), temporalUiUrl: z.url() })
  .meta({ id: 'SyncRequested' });

export const RetryFailedRequest = z
  .object({
    system: z.enum(INTEGRATION_SYSTEMS).optional().describe('Only this system (default: every enabled system)'),
    limit: z.number().int().min(1).max(MAX_RETRY_FAILED).default(MAX_RETRY_FAILED),
    cursor: z.string().max(512).optional().describe('The nextCursor of the previous call, to re-drive the failed links after those'),
  })
  .strict()
  .meta({ id: 'RetryFailedRequest' });

export const RetryFailedResult = z
  .object({
    count: z.number().int().describe('Failed links re-driven (in link order)'),
    workflowIds: z.array(z.string()),
    more: z.boolean().describe('More failed links remain after these'),
    nextCursor: z.string().nullable().describe('Pass it back to re-drive the next ones (they stay failed until their sync ran, so calling again without it repeats these)'),
  })
  .meta({ id: 'RetryFailedResult' });
