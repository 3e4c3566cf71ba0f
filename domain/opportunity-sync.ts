// The opportunity sync entity workflow's contract: its signal, input and result (shared by workflow, activities and API).
import type { IntegrationSystem } from './integration-systems';

/** Signal name that asks `sync-<system>-<opportunityId>` to sync the latest snapshot (signal-with-start). */
export const SYNC_REQUESTED_SIGNAL = 'syncRequested';

export const SYNC_REASONS = ['webhook', 'manual', 'retry-failed', 'reconcile'] as const;
export type SyncReason = (typeof SYNC_REASONS)[number];

export interface SyncRequest {
  reason: SyncReason;
  /** The user who asked, for manual syncs and retries. */
  requestedBy?: string;
}

export interface OpportunitySyncInput {
  system: IntegrationSystem;
  opportunityId: number;
  /** How long the workflow waits for another request before it completes. */
  idleTimeoutMs: number;
  /** A run continues as new after this many syncs (default 100; earlier when Temporal suggests it). */
  syncsPerRun?: number;
  /** Carried across continue-as-new: a request arrived that the previous run did not serve yet. */
  pendingRequest?: SyncRequest;
}

export type SyncOutcome = 'written' | 'unchanged' | 'failed' | 'skipped-unknown-opportunity';

export interface OpportunitySyncResult {
  system: IntegrationSystem;
  opportunityId: number;
  syncs: number;
  lastOutcome: SyncOutcome | null;
}
