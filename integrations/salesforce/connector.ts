// Writes an opportunity to Salesforce as an Opportunity upserted by our external-id field (jsforce over FetchTransport).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'jsforce';
import type { SalesforcePayload } from '../../domain/sync-payloads/salesforce';
import type { SalesforceSettings } from '../../lib/config';
import { IntegrationError } from '../errors';
import type { ConnectorWrite, ConnectorWriteResult, SyncConnector } from '../sync-connector';
import { ApiQuota } from './api-quota';
import { inCallScope } from './call-scope';
import { apiError } from './classify-error';
import { FetchTransport } from './fetch-transport';
import { SalesforceSession } from './session';

export interface SalesforceConnectorOptions {
  /** Per HTTP request, token requests included (default 30 s). */
  requestTimeoutMs?: number;
}

/**
 * Upsert by external id is idempotent by itself: a write retried after a lost answer finds the record it created
 * and updates it, and a record deleted in Salesforce is simply created again. So neither `previous` nor the
 * idempotency key is needed; the returned id is always the current record's.
 */
export class SalesforceConnector implements SyncConnector<SalesforcePayload> {
  readonly system = 'salesforce';
  private readonly quota = new ApiQuota();
  private readonly session: SalesforceSession;

  constructor(
    private readonly settings: SalesforceSettings,
    options: SalesforceConnectorOptions = {},
  ) {
    const transport = new FetchTransport(options.requestTimeoutMs ?? 30_000, (headers) => this.quota.observe(headers.get('sforce-limit-info')));
    this.session = new SalesforceSession(settings, transport);
  }

  write({ payload, signal }: ConnectorWrite<SalesforcePayload>): Promise<ConnectorWriteResult> {
    return inCallScope(signal, async (call) => {
      try {
        const waitMs = this.quota.waitBeforeWrite();
        if (waitMs > 0) await sleep(waitMs, undefined, { signal });
        return await this.upsert(await this.session.connect(), payload);
      } catch (error) {
        throw apiError(error, call);
      }
    });
  }

  private async upsert(connection: Connection, { externalIdValue, fields }: SalesforcePayload): Promise<ConnectorWriteResult> {
    const field = this.settings.externalIdField;
    // jsforce puts the value in the URL path as given: encode it there (the field itself is not sent in the body).
    const record = { ...fields, [field]: encodeURIComponent(externalIdValue) };
    let result: { id?: string; created?: boolean };
    try {
      result = await connection.sobject('Opportunity').upsert(record, field);
    } catch (error) {
      if ((error as { name?: unknown }).name === 'MULTIPLE_CHOICES') throw duplicates(field, externalIdValue, recordIds((error as { data?: unknown }).data));
      throw error;
    }
    // API 46+ says whether it created the record; before, a create answers 201 with the id and an update 204 without one.
    if (result.id) return { externalId: result.id, created: result.created ?? true, metadata: {} };
    return { externalId: await this.findOpportunityId(connection, externalIdValue), created: false, metadata: {} };
  }

  private async findOpportunityId(connection: Connection, externalIdValue: string): Promise<string> {
    const field = this.settings.externalIdField;
    const { records } = await connection.query<{ Id: string }>(`SELECT Id FROM Opportunity WHERE ${field} = '${soqlString(externalIdValue)}'`);
    const [only, ...others] = records.map((record) => record.Id);
    if (others.length > 0) throw duplicates(field, externalIdValue, records.map((record) => record.Id));
    if (only === undefined) throw new IntegrationError('salesforce', 'retryable', `Salesforce updated the Opportunity with ${field} = ${externalIdValue} but it is gone when read back`);
    return only;
  }
}

/** Upsert refuses to choose between records that share an external id: people must merge them first. */
function duplicates(field: string, value: string, ids: string[]): IntegrationError {
  return new IntegrationError('salesforce', 'validation', `Several Salesforce Opportunities have ${field} = ${value} (${ids.join(', ')}): merge them or clear the field on all but one`);
}

/** The record ids in a 300 Multiple Choices body (a JSON array of record URLs). */
function recordIds(urls: unknown): string[] {
  return Array.isArray(urls) ? urls.map((url) => String(url).split('/').pop() ?? '') : [];
}

/** A SOQL string literal's content: backslashes and quotes escaped. */
const soqlString = (value: string) => value.replace(/[\\']/g, '\\$&');
