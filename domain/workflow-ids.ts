// Workflow and schedule IDs are business keys, so the Temporal UI reads like the domain.
export const scheduleIds = {
  /** Scheduled runs get the ID `<schedule id>-<timestamp>`. */
  refreshTokenCleanup: 'maintenance-refresh-token-cleanup',
};
