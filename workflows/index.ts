// Every workflow the worker runs; the worker's workflowsPath and the production bundle start here.
export { processWebhookEvent } from './process-webhook-event';
export { refreshTokenCleanup } from './refresh-token-cleanup';
