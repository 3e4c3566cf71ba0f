// What each sync target receives for an opportunity: one pure mapping per system, chosen by system.
import type { IntegrationSystem } from '../integration-systems';
import type { OpportunitySnapshot } from '../opportunity';
import { toMondayPayload, type MondayPayload } from './monday';
import { toSalesforcePayload, type SalesforcePayload } from './salesforce';
import { toXeroPayload, type XeroPayload } from './xero';

export interface SyncPayloads {
  salesforce: SalesforcePayload;
  xero: XeroPayload;
  monday: MondayPayload;
}

const mappings: { [S in IntegrationSystem]: (snapshot: OpportunitySnapshot) => SyncPayloads[S] } = {
  salesforce: toSalesforcePayload,
  xero: toXeroPayload,
  monday: toMondayPayload,
};

/** Throws UnsyncableOpportunity when the opportunity lacks what the system requires. */
export function syncPayload<S extends IntegrationSystem>(system: S, snapshot: OpportunitySnapshot): SyncPayloads[S] {
  return mappings[system](snapshot);
}
