// Every workflow the worker runs; the worker's workflowsPath and the production bundle start here.
export { refreshTokenCleanup } from './refresh-token-cleanup';
