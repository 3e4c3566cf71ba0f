// The sync targets' connectors, built once per worker process (so per-tenant rate limits are shared).
import type { IntegrationSystem } from '../domain/integration-systems';
import type { SyncPayloads } from '../domain/sync-payloads';
import type { MondaySettings, SalesforceSettings, XeroSettings } from '../lib/config';
import { MondayConnector } from './monday/connector';
import { SalesforceConnector } from './salesforce/connector';
import type { SyncConnector } from './sync-connector';
import { XeroConnector } from './xero/connector';

/** Only the enabled systems (SYNC_SYSTEMS) have a connector. */
export type SyncConnectors = { [S in IntegrationSystem]?: SyncConnector<SyncPayloads[S]> };

export interface SyncTargetSettings {
  salesforce: SalesforceSettings;
  xero: XeroSettings;
  monday: MondaySettings;
}

export function createSyncConnectors(settings: Partial<SyncTargetSettings>): SyncConnectors {
  return {
    ...(settings.salesforce ? { salesforce: new SalesforceConnector(settings.salesforce) } : {}),
    ...(settings.xero ? { xero: new XeroConnector(settings.xero) } : {}),
    ...(settings.monday ? { monday: new MondayConnector(settings.monday) } : {}),
  };
}
