// What the run must end with: convergence (polled, with what is pending on timeout), then the findings the assertions read (lost, duplicates, stuck links, stale records).
import type { Client } from '@temporalio/client';
import { QueryTypes, type Sequelize } from 'sequelize';
import { INTEGRATION_SYSTEMS, type IntegrationSystem } from '../../../domain/integration-systems';
import { sleep } from '../../../lib/local-stack/processes';
import type { Fakes } from './stack';

export interface ExternalRecord {
  /** The key the record is found by: the opportunity id (Salesforce, monday) or its number (Xero Reference). */
  key: string;
  id: string;
  name: string;
}

export interface SystemFindings {
  records: number;
  /** Keys held by more than one record. */
  duplicates: { key: string; count: number }[];
  /** Opportunities with no record in the system. */
  missing: number[];
  /** Links whose external id is not the one record's id. */
  wrongLinks: { opportunityId: number; linked: string | null; found: string[] }[];
  /** Records that do not hold the latest Current RMS state (its subject). */
  stale: { opportunityId: number; expected: string; found: string }[];
}

export interface Findings {
  accepted: number;
  processed: number;
  /** Accepted (2xx) events that are not `processed`, with their status. */
  lost: { id: string; status: string; error: string | null }[];
  opportunities: number;
  /** Our snapshot is older than Current RMS's latest version. */
  behindCurrentRms: number[];
  linksByStatus: Record<string, number>;
  /** Links neither synced nor failed (pending, syncing), or missing for a system. */
  stuckLinks: { opportunityId: number; system: string; status: string }[];
  /** Links that ended `failed`: with faults that all pass, none should (each comes with its kind and reason). */
  failedLinks: { opportunityId: number; system: string; kind: string | null; reason: string | null }[];
  /** Synced links whose last sync wrote an older Current RMS version than our snapshot. */
  linksBehind: { opportunityId: number; system: string }[];
  systems: Record<IntegrationSystem, SystemFindings>;
  /** Xero contacts sharing one ContactNumber (the customer's Current RMS member id). */
  xeroContactDuplicates: { key: string; count: number }[];
  /** audit_log rows sharing an idempotency key. */
  auditKeyDuplicates: number;
  /** A processing step audited twice for one event (event.processing, opportunity.refresh, event.processed by one workflow), with the rows' keys. */
  auditStepDuplicates: { workflowId: string; action: string; idempotencyKeys: string[]; activities: string[] }[];
  /** Links whose audit trail records the external record as created more than once. */
  createdTwice: number;
}

export interface Pending {
  eventsByStatus: Record<string, number>;
  linksByStatus: Record<string, number>;
  linksBehind: number;
  linksMissing: number;
  opportunitiesMissing: number;
  behindCurrentRms: number;
}

const countBy = <T>(items: T[], key: (item: T) => string) => items.reduce<Record<string, number>>((counts, item) => ({ ...counts, [key(item)]: (counts[key(item)] ?? 0) + 1 }), {});

interface LinkRow {
  opportunity_id: string;
  system: IntegrationSystem;
  status: string;
  external_id: string | null;
  last_error: string | null;
  failure_kind: string | null;
  current: boolean;
}

async function links(sequelize: Sequelize): Promise<LinkRow[]> {
  return sequelize.query<LinkRow>(
    `SELECT e.opportunity_id, e.system, e.status, e.external_id, e.last_error, e.failure_kind,
            e.synced_source_updated_at IS NOT DISTINCT FROM o.source_updated_at AS current
     FROM external_integrations e JOIN opportunities o ON o.id = e.opportunity_id`,
    { type: QueryTypes.SELECT },
  );
}

async function eventStatuses(sequelize: Sequelize, ids: string[]): Promise<{ id: string; status: string; last_error: string | null }[]> {
  return sequelize.query('SELECT id, status, last_error FROM events WHERE id IN (:ids)', { type: QueryTypes.SELECT, replacements: { ids: ids.length > 0 ? ids : ['00000000-0000-0000-0000-000000000000'] } });
}

/** Our snapshot's Current RMS version per opportunity. */
async function snapshotVersions(sequelize: Sequelize): Promise<Map<number, number>> {
  const rows = await sequelize.query<{ id: string; source_updated_at: Date | null }>('SELECT id, source_updated_at FROM opportunities', { type: QueryTypes.SELECT });
  return new Map(rows.map((row) => [Number(row.id), row.source_updated_at?.getTime() ?? 0]));
}

/** Opportunities whose stored snapshot is not Current RMS's latest version (or that we do not have at all). */
function behind(fakes: Fakes, opportunityIds: number[], versions: Map<number, number>): number[] {
  return opportunityIds.filter((id) => versions.get(id) !== Date.parse(fakes.currentRms.opportunity(id)!.updated_at));
}

async function pending(sequelize: Sequelize, fakes: Fakes, acceptedIds: string[], opportunityIds: number[]): Promise<Pending> {
  const [events, allLinks, versions] = await Promise.all([eventStatuses(sequelize, acceptedIds), links(sequelize), snapshotVersions(sequelize)]);
  return {
    eventsByStatus: countBy(events, (event) => event.status),
    linksByStatus: countBy(allLinks, (link) => `${link.system}:${link.status}${link.status === 'failed' ? `(${link.failure_kind})` : ''}`),
    linksBehind: allLinks.filter((link) => link.status === 'synced' && !link.current).length,
    linksMissing: opportunityIds.length * INTEGRATION_SYSTEMS.length - allLinks.length,
    opportunitiesMissing: opportunityIds.filter((id) => !versions.has(id)).length,
    behindCurrentRms: behind(fakes, opportunityIds, versions).length,
  };
}

/** Done: every accepted event finished, every snapshot is Current RMS's latest, every link synced with it (or failed for good). */
function converged(state: Pending, accepted: number): boolean {
  const terminal = ['processed', 'failed', 'ignored'].reduce((sum, status) => sum + (state.eventsByStatus[status] ?? 0), 0);
  const unsettledLinks = Object.entries(state.linksByStatus)
    .filter(([key]) => !key.endsWith(':synced') && !key.endsWith('(validation)') && !key.endsWith('(auth)'))
    .reduce((sum, [, count]) => sum + count, 0);
  return terminal === accepted && state.behindCurrentRms === 0 && state.linksMissing === 0 && state.linksBehind === 0 && unsettledLinks === 0;
}

async function runningWorkflows(client: Client): Promise<Record<string, number>> {
  const types: string[] = [];
  for await (const execution of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
    types.push(execution.type);
    if (types.length >= 5_000) break;
  }
  return countBy(types, (type) => type);
}

/** Polls until converged or `timeoutMs`; on timeout says precisely what is still pending. */
export async function waitForConvergence(sequelize: Sequelize, client: Client, fakes: Fakes, acceptedIds: string[], opportunityIds: number[], timeoutMs: number): Promise<{ converged: boolean; ms: number; pending: Pending; running?: Record<string, number> }> {
  const started = Date.now();
  let state = await pending(sequelize, fakes, acceptedIds, opportunityIds);
  while (!converged(state, acceptedIds.length) && Date.now() - started < timeoutMs) {
    await sleep(2_000);
    state = await pending(sequelize, fakes, acceptedIds, opportunityIds);
  }
  const done = converged(state, acceptedIds.length);
  return { converged: done, ms: Date.now() - started, pending: state, ...(done ? {} : { running: await runningWorkflows(client).catch(() => ({})) }) };
}

/** Every record each sandbox holds for our opportunities, by the key the connector finds it by. */
function externalRecords(fakes: Fakes, numberToId: Map<string, number>): Record<IntegrationSystem, ExternalRecord[]> {
  const salesforceField = fakes.salesforce.externalIdField;
  const uidColumn = fakes.monday.settings().uidColumnId;
  return {
    salesforce: fakes.salesforce.records('Opportunity').map((record) => ({ key: String(record[salesforceField]), id: record.Id, name: String(record.Name) })),
    xero: fakes.xero.quotes().map((quote) => ({ key: String(numberToId.get(quote.Reference) ?? quote.Reference), id: quote.QuoteID, name: quote.Title })),
    monday: fakes.monday.items().map((item) => ({ key: item.columnValues[uidColumn] ?? '', id: item.id, name: item.name })),
  };
}

function duplicatesOf(keys: string[]): { key: string; count: number }[] {
  return Object.entries(countBy(keys, (key) => key))
    .filter(([, count]) => count > 1)
    .map(([key, count]) => ({ key, count }));
}

export async function collectFindings(sequelize: Sequelize, fakes: Fakes, acceptedIds: string[], opportunityIds: number[]): Promise<Findings> {
  const [events, allLinks, versions] = await Promise.all([eventStatuses(sequelize, acceptedIds), links(sequelize), snapshotVersions(sequelize)]);
  const latest = new Map(opportunityIds.map((id) => [id, fakes.currentRms.opportunity(id)!]));
  const numberToId = new Map([...latest.values()].map((opportunity) => [opportunity.number ?? `CRMS-${opportunity.id}`, opportunity.id]));
  const records = externalRecords(fakes, numberToId);
  const linkOf = new Map(allLinks.map((link) => [`${link.system}:${link.opportunity_id}`, link]));

  const systems = Object.fromEntries(
    INTEGRATION_SYSTEMS.map((system): [IntegrationSystem, SystemFindings] => {
      const byKey = new Map<string, ExternalRecord[]>();
      for (const record of records[system]) byKey.set(record.key, [...(byKey.get(record.key) ?? []), record]);
      const findings: SystemFindings = { records: records[system].length, duplicates: duplicatesOf(records[system].map((record) => record.key)), missing: [], wrongLinks: [], stale: [] };
      for (const id of opportunityIds) {
        const found = byKey.get(String(id)) ?? [];
        const link = linkOf.get(`${system}:${id}`);
        if (found.length === 0) findings.missing.push(id);
        if (link?.status === 'synced' && (found.length !== 1 || found[0]!.id !== link.external_id)) {
          findings.wrongLinks.push({ opportunityId: id, linked: link.external_id, found: found.map((record) => record.id) });
        }
        const subject = latest.get(id)!.subject;
        if (found.length === 1 && link?.status === 'synced' && found[0]!.name !== subject) findings.stale.push({ opportunityId: id, expected: subject, found: found[0]!.name });
      }
      return [system, findings];
    }),
  ) as Record<IntegrationSystem, SystemFindings>;

  const stuckLinks = opportunityIds.flatMap((id) =>
    INTEGRATION_SYSTEMS.flatMap((system) => {
      const status = linkOf.get(`${system}:${id}`)?.status ?? 'missing';
      return status === 'synced' || status === 'failed' ? [] : [{ opportunityId: id, system, status }];
    }),
  );
  const [auditKeys] = await sequelize.query<{ duplicates: number }>(
    'SELECT count(*)::int AS duplicates FROM (SELECT idempotency_key FROM audit_log GROUP BY idempotency_key HAVING count(*) > 1) d',
    { type: QueryTypes.SELECT },
  );
  const stepsTwice = await sequelize.query<{ workflowId: string; action: string; idempotencyKeys: string[]; activities: string[] }>(
    `SELECT actor_id AS "workflowId", action, array_agg(idempotency_key ORDER BY id) AS "idempotencyKeys", array_agg(actor_activity ORDER BY id) AS activities
     FROM audit_log WHERE action IN ('event.processing', 'opportunity.refresh', 'event.processed')
     GROUP BY actor_id, action HAVING count(*) > 1`,
    { type: QueryTypes.SELECT },
  );
  const [createdTwice] = await sequelize.query<{ duplicates: number }>(
    `SELECT count(*)::int AS duplicates FROM (
       SELECT entity_id FROM audit_log WHERE action = 'integration.synced' AND after ->> 'created' = 'true'
       GROUP BY entity_id HAVING count(*) > 1) d`,
    { type: QueryTypes.SELECT },
  );

  return {
    accepted: acceptedIds.length,
    processed: events.filter((event) => event.status === 'processed').length,
    lost: [
      ...events.filter((event) => event.status !== 'processed').map((event) => ({ id: event.id, status: event.status, error: event.last_error })),
      ...acceptedIds.filter((id) => !events.some((event) => event.id === id)).map((id) => ({ id, status: 'missing', error: null })),
    ],
    opportunities: versions.size,
    behindCurrentRms: behind(fakes, opportunityIds, versions),
    linksByStatus: countBy(allLinks, (link) => `${link.system}:${link.status}`),
    stuckLinks,
    failedLinks: allLinks
      .filter((link) => link.status === 'failed')
      .map((link) => ({ opportunityId: Number(link.opportunity_id), system: link.system, kind: link.failure_kind, reason: link.last_error })),
    linksBehind: allLinks.filter((link) => link.status === 'synced' && !link.current).map((link) => ({ opportunityId: Number(link.opportunity_id), system: link.system })),
    systems,
    xeroContactDuplicates: duplicatesOf(fakes.xero.contacts().map((contact) => contact.ContactNumber ?? `(no number) ${contact.Name}`)),
    auditKeyDuplicates: auditKeys!.duplicates,
    auditStepDuplicates: stepsTwice,
    createdTwice: createdTwice!.duplicates,
  };
}

/** Duplicates found anywhere: external keys held by several records, Xero contacts, audit rows. */
export function duplicatesFound(findings: Findings): number {
  return (
    INTEGRATION_SYSTEMS.reduce((sum, system) => sum + findings.systems[system].duplicates.length, 0) +
    findings.xeroContactDuplicates.length +
    findings.auditKeyDuplicates +
    findings.auditStepDuplicates.length +
    findings.createdTwice
  );
}
