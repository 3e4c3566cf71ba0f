// Workflow and schedule IDs are business keys, so the Temporal UI reads like the domain.
import type { IntegrationSystem } from './integration-systems';

export const scheduleIds = {
  /** Scheduled runs get the ID `<schedule id>-<timestamp>`. */
  refreshTokenCleanup: 'maintenance-refresh-token-cleanup',
  reconcileIntegrations: 'reconcile-integrations',
};

export const workflowIds = {
  /** The first processing of a webhook event is `webhook-<eventId>`; replay n is `webhook-<eventId>-replay-<n>`. */
  processWebhookEvent: (eventId: string, replay = 0) => (replay === 0 ? `webhook-${eventId}` : `webhook-${eventId}-replay-${replay}`),
  /** The one entity workflow that writes an opportunity to a system: `sync-<system>-<opportunityId>`. */
  opportunitySync: (system: IntegrationSystem, opportunityId: number) => `sync-${system}-${opportunityId}`,
};
