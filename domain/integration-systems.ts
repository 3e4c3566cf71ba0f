// The external systems an opportunity is linked to, and the sync states of a link.
export const INTEGRATION_SYSTEMS = ['salesforce', 'xero', 'monday', 'teamtrack'] as const;
export type IntegrationSystem = (typeof INTEGRATION_SYSTEMS)[number];

export const INTEGRATION_STATUSES = ['pending', 'syncing', 'synced', 'failed'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];
