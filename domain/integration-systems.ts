// The external systems opportunities are synced to, and the sync states of a link.
export const INTEGRATION_SYSTEMS = ['salesforce', 'xero', 'monday'] as const;
export type IntegrationSystem = (typeof INTEGRATION_SYSTEMS)[number];

export const INTEGRATION_STATUSES = ['pending', 'syncing', 'synced', 'failed'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

export const isIntegrationSystem = (value: string): value is IntegrationSystem => (INTEGRATION_SYSTEMS as readonly string[]).includes(value);
