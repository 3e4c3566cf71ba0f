// The closing summary of a chaos run: traffic, faults injected per kind, external writes, duplicates and lost events, durations.
import { INTEGRATION_SYSTEMS } from '../../../domain/integration-systems';
import { duplicatesFound, type Findings } from './checks';
import type { FaultLog, Outage } from './faults';
import type { Delivery, WebhookStream } from './load';
import type { Fakes } from './stack';
import type { WorkerSupervisor } from './worker-process';

export interface IntakeFigures {
  deliveries: number;
  byOutcome: Record<string, number>;
  /** Answer times (ms) of the deliveries: the largest and the 99th percentile. */
  maxMs: number;
  p99Ms: number;
}

export interface FaultCounts {
  rateLimited: number;
  serverErrors: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function percentile(values: number[], share: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
}

export function intakeFigures(deliveries: Delivery[], during?: Outage): IntakeFigures {
  const selected = during ? deliveries.filter((delivery) => delivery.startedAt >= during.from && delivery.startedAt <= during.to) : deliveries;
  const byOutcome: Record<string, number> = {};
  for (const delivery of selected) byOutcome[String(delivery.outcome)] = (byOutcome[String(delivery.outcome)] ?? 0) + 1;
  const durations = selected.map((delivery) => delivery.durationMs);
  return { deliveries: selected.length, byOutcome, maxMs: durations.length > 0 ? Math.max(...durations) : 0, p99Ms: percentile(durations, 0.99) };
}

/** 429 and 500 answers each sandbox gave (Xero's 429s from its own tenant limit are counted apart). */
export function faultCounts(fakes: Fakes): Record<'currentRms' | 'salesforce' | 'xero' | 'monday', FaultCounts> & { xeroTenantLimit: number } {
  const count = (statuses: number[]): FaultCounts => ({ rateLimited: statuses.filter((s) => s === 429).length, serverErrors: statuses.filter((s) => s === 500).length });
  const xeroTenantLimit = fakes.xero.stats().rateLimited;
  const xero = count(fakes.xero.requests.map((request) => request.status));
  return {
    currentRms: count(fakes.currentRms.requests.map((request) => request.status)),
    salesforce: count(fakes.salesforce.requests.map((request) => request.status)),
    xero: { rateLimited: xero.rateLimited - xeroTenantLimit, serverErrors: xero.serverErrors },
    monday: count(fakes.monday.requests.map((request) => request.status)),
    xeroTenantLimit,
  };
}

export interface ReportInput {
  stream: WebhookStream;
  unacknowledged: number;
  worker: WorkerSupervisor;
  faults: FaultLog;
  fakes: Fakes;
  findings: Findings;
  /** Stream start to its last 2xx; sandbox faults on to off (they stay on into the catch-up); convergence after the stream; the whole run. */
  durations: { streamMs: number; sandboxFaultsMs: number; convergenceMs: number; totalMs: number };
}

const formatOutcomes = (byOutcome: Record<string, number>) =>
  Object.entries(byOutcome)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([outcome, count]) => `${outcome}: ${count}`)
    .join(', ') || 'none';

export function printReport({ stream, unacknowledged, worker, faults, fakes, findings, durations }: ReportInput): void {
  const all = intakeFigures(stream.deliveries);
  const accepted = (all.byOutcome['202'] ?? 0) + (all.byOutcome['200'] ?? 0);
  const other = Object.entries(all.byOutcome).filter(([outcome]) => !['202', '200', '503'].includes(outcome));
  const duringTemporal = faults.temporal && intakeFigures(stream.deliveries, faults.temporal);
  const duringPostgres = faults.postgres && intakeFigures(stream.deliveries, faults.postgres);
  const injected = faultCounts(fakes);
  const salesforceWrites = fakes.salesforce.writeCounts();
  const xeroWrites = fakes.xero.stats().writes;
  const mondayWrites = fakes.monday.writeCounts();
  const lines: [string, string][] = [
    ['webhooks sent (unique events)', String(stream.generated)],
    ['deliveries (POSTs, retries included)', String(all.deliveries)],
    ['accepted 2xx (202 new / 200 repeat)', `${accepted} (${all.byOutcome['202'] ?? 0} / ${all.byOutcome['200'] ?? 0}); distinct events ${stream.acceptedEventIds.size}`],
    ['503 answers', String(all.byOutcome['503'] ?? 0)],
    ['other answers', other.length > 0 ? formatOutcomes(Object.fromEntries(other)) : '0'],
    ['never acknowledged after retries', String(unacknowledged)],
    ['intake answer time, whole run (max / p99)', `${all.maxMs} ms / ${all.p99Ms} ms`],
    ['worker kill -9', `${worker.kills} (${worker.starts} starts, each until polling: ${worker.startupMs.map((ms) => seconds(ms)).join(', ')})`],
    ['worker exits nobody asked for', String(worker.unexpectedExits.length)],
    ['Temporal outage', faults.temporal ? `${seconds(faults.temporal.to - faults.temporal.from)}; intake meanwhile: ${formatOutcomes(duringTemporal!.byOutcome)}` : 'none'],
    ['PostgreSQL outage', faults.postgres ? `${seconds(faults.postgres.to - faults.postgres.from)}; intake meanwhile: ${formatOutcomes(duringPostgres!.byOutcome)}` : 'none'],
    ['intake answer time during PostgreSQL outage (max / p99)', duringPostgres ? `${duringPostgres.maxMs} ms / ${duringPostgres.p99Ms} ms` : 'n/a'],
    ['intake answer time during Temporal outage (max / p99)', duringTemporal ? `${duringTemporal.maxMs} ms / ${duringTemporal.p99Ms} ms` : 'n/a'],
    ['sandbox faults Current RMS (429 / 500)', `${injected.currentRms.rateLimited} / ${injected.currentRms.serverErrors}`],
    ['sandbox faults Salesforce (429 / 500)', `${injected.salesforce.rateLimited} / ${injected.salesforce.serverErrors}`],
    ['sandbox faults Xero (429 / 500; tenant-limit 429s)', `${injected.xero.rateLimited} / ${injected.xero.serverErrors}; ${injected.xeroTenantLimit}`],
    ['sandbox faults monday.com (429 / 500)', `${injected.monday.rateLimited} / ${injected.monday.serverErrors}`],
    ['external writes Salesforce (create / update)', `${salesforceWrites.creates} / ${salesforceWrites.updates}`],
    ['external writes Xero (contacts c/u, quotes c/u)', `${xeroWrites.contacts.created}/${xeroWrites.contacts.updated}, ${xeroWrites.quotes.created}/${xeroWrites.quotes.updated}`],
    ['external writes monday.com (create / update)', `${mondayWrites.creates} / ${mondayWrites.updates}`],
    ['opportunities / links', `${findings.opportunities} / ${formatOutcomes(findings.linksByStatus)}`],
    ['failed links (first reason)', findings.failedLinks.length === 0 ? '0' : `${findings.failedLinks.length} (${findings.failedLinks[0]!.system} ${findings.failedLinks[0]!.opportunityId}, ${findings.failedLinks[0]!.kind}: ${findings.failedLinks[0]!.reason})`],
    ['records per system', INTEGRATION_SYSTEMS.map((system) => `${system} ${findings.systems[system].records}`).join(', ')],
    ['duplicates found', `${duplicatesFound(findings)} (external keys ${INTEGRATION_SYSTEMS.map((system) => findings.systems[system].duplicates.length).join('/')}, Xero contacts ${findings.xeroContactDuplicates.length}, audit keys ${findings.auditKeyDuplicates}, audited steps ${findings.auditStepDuplicates.length}, creations ${findings.createdTwice})`],
    ['lost (2xx but not processed)', String(findings.lost.length)],
    ['stale external records', String(INTEGRATION_SYSTEMS.reduce((sum, system) => sum + findings.systems[system].stale.length, 0))],
    ['stream / sandbox faults on / convergence after stream / total', `${seconds(durations.streamMs)} / ${seconds(durations.sandboxFaultsMs)} / ${seconds(durations.convergenceMs)} / ${seconds(durations.totalMs)}`],
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  console.log(['', 'Chaos run summary', ...lines.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`), ''].join('\n'));
}
