// Every workflow the worker runs; the worker's workflowsPath and the production bundle start here.
export { opportunitySync } from './opportunity-sync';
export { processWebhookEvent } from './process-webhook-event';
export { reconcileIntegrations } from './reconcile-integrations';
export { refreshTokenCleanup } from './refresh-token-cleanup';
