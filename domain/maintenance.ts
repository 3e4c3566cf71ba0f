// Inputs and results of the maintenance workflows and activities.
export interface RefreshTokenCleanupInput {
  retentionDays: number;
  /** Token families deleted per activity call. */
  batchSize: number;
}

export interface PurgeRefreshTokensInput {
  /** Token families whose newest token expired before this instant are removed. */
  cutoff: string;
  batchSize: number;
}

export interface PurgeResult {
  families: number;
  tokens: number;
}
