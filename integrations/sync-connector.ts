// The one contract every sync target's connector implements: an idempotent create-or-update of one opportunity's record.
import type { IntegrationSystem } from '../domain/integration-systems';

/** What we stored after the last successful write to the system (null before the first). */
export interface ExternalLink {
  externalId: string | null;
  metadata: Record<string, unknown>;
}

export interface ConnectorWrite<Payload> {
  payload: Payload;
  /** Stable per sync activity execution and payload: a retried write of the same payload carries the same key (Xero's Idempotency-Key). */
  idempotencyKey: string;
  previous: ExternalLink | null;
  signal?: AbortSignal;
}

export interface ConnectorWriteResult {
  /** The id of the system's main record for the opportunity (Salesforce Opportunity, Xero Quote, monday item). */
  externalId: string;
  /** True when this call created that record. */
  created: boolean;
  /** Other ids worth keeping (e.g. the Xero ContactID); passed back as `previous.metadata` next time. */
  metadata: Record<string, unknown>;
}

/**
 * Creates or updates the opportunity's record, and never creates it twice: retried after a write whose answer
 * was lost, it finds the record (by external id, lookup or idempotency key) and updates it.
 * Failures are IntegrationErrors: retryable (with the server's delay), auth (after one refresh) or validation.
 */
export interface SyncConnector<Payload> {
  readonly system: IntegrationSystem;
  write(request: ConnectorWrite<Payload>): Promise<ConnectorWriteResult>;
}
