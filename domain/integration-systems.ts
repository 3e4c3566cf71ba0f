// The external systems opportunities are synced to, and the sync states of a link.
export const INTEGRATION_SYSTEMS = ['salesforce', 'xero', 'monday'] as const;
export type IntegrationSystem = (typeof INTEGRATION_SYSTEMS)[number];

export const INTEGRATION_STATUSES = ['pending', 'syncing', 'synced', 'failed'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

/** Why a sync failed: retries ran out on a retryable failure, or the system refused our credentials or the data. */
export type SyncFailureKind = 'retryable' | 'auth' | 'validation';

export const isIntegrationSystem = (value: string): value is IntegrationSystem => (INTEGRATION_SYSTEMS as readonly string[]).includes(value);
