// The business records a workflow works on, found from its id (webhook-<eventId>, sync-<system>-<opportunityId>) and search attributes.
import type { z } from 'zod';
import { isIntegrationSystem, type IntegrationSystem } from '../../domain/integration-systems';
import { ENTITY_ID_PATTERN } from '../../domain/webhook-events';
import { INTEGRATION_SYSTEM, OPPORTUNITY_ID } from '../../domain/search-attributes';
import { workflowIds } from '../../domain/workflow-ids';
import { ExternalIntegration, Opportunity, WebhookEvent, WorkflowInstance } from '../../models';
import { eventSummary } from '../events/routes';
import type { WorkflowDetail } from './schemas';
import { iso, linkSummary } from '../serialize';

const WEBHOOK_WORKFLOW = /^webhook-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:-replay-([1-9]\d{0,8}))?$/;
const SYNC_WORKFLOW = /^sync-([a-z]+)-([1-9]\d{0,14})$/;
const RECENT_RUNS = 10;

export interface LinkKeys {
  eventId: string | null;
  opportunityId: number | null;
  system: IntegrationSystem | null;
}

/** The event of a webhook workflow id, if the id is exactly what the id builder makes for it. */
function webhookEventId(workflowId: string): string | null {
  const match = WEBHOOK_WORKFLOW.exec(workflowId);
  if (!match) return null;
  const eventId = match[1]!;
  return workflowIds.processWebhookEvent(eventId, match[2] ? Number(match[2]) : 0) === workflowId ? eventId : null;
}

/** Search attributes first (any workflow may carry them), then what the id itself says. */
export function linkKeys(workflowId: string, searchAttributes: Record<string, string>): LinkKeys {
  const sync = SYNC_WORKFLOW.exec(workflowId);
  const syncSystem = sync && isIntegrationSystem(sync[1]!) ? sync[1] : undefined;
  const taggedOpportunity = searchAttributes[OPPORTUNITY_ID.name];
  const taggedSystem = searchAttributes[INTEGRATION_SYSTEM.name];
  const opportunityId = taggedOpportunity && ENTITY_ID_PATTERN.test(taggedOpportunity) ? taggedOpportunity : syncSystem ? sync![2] : undefined;
  return {
    eventId: webhookEventId(workflowId),
    opportunityId: opportunityId ? Number(opportunityId) : null,
    system: taggedSystem && isIntegrationSystem(taggedSystem) ? taggedSystem : (syncSystem ?? null),
  };
}


export async function linkedRecords(workflowId: string, keys: LinkKeys): Promise<z.infer<typeof WorkflowDetail>['linked']> {
  const event = keys.eventId ? await WebhookEvent.findByPk(keys.eventId, { attributes: { exclude: ['payload', 'rawBody', 'headers', 'statusHistory'] } }) : null;
  const eventOpportunity = event?.entityType === 'Opportunity' && event.entityId && ENTITY_ID_PATTERN.test(event.entityId) ? Number(event.entityId) : null;
  const opportunityId = keys.opportunityId ?? eventOpportunity;
  const [opportunity, integrations, runs] = await Promise.all([
    opportunityId === null ? null : Opportunity.findByPk(opportunityId, { attributes: ['id', 'subject', 'stateName', 'statusName', 'sourceUpdatedAt', 'deletedAt'] }),
    opportunityId === null ? [] : ExternalIntegration.findAll({ where: { opportunityId, ...(keys.system ? { system: keys.system } : {}) }, order: [['system', 'ASC']] }),
    WorkflowInstance.findAll({ where: { workflowId }, order: [['startedAt', 'DESC']], limit: RECENT_RUNS }),
  ]);
  return {
    event: event ? eventSummary(event) : null,
    opportunity: opportunity
      ? {
          id: opportunity.id,
          subject: opportunity.subject,
          stateName: opportunity.stateName,
          statusName: opportunity.statusName,
          sourceUpdatedAt: iso(opportunity.sourceUpdatedAt),
          deletedAt: iso(opportunity.deletedAt),
        }
      : null,
    integrations: integrations.map(linkSummary),
    progress: runs.map((run) => ({ runId: run.runId, status: run.status, currentStep: run.currentStep, error: run.error, startedAt: run.startedAt.toISOString(), completedAt: iso(run.completedAt) })),
  };
}
