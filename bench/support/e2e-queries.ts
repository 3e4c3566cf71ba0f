// What the e2e benchmark reads back from PostgreSQL: event statuses, links at the latest version, latencies, sync counts.
import { QueryTypes, type Sequelize } from 'sequelize';
import { summarizeLatencies, type LatencySummary } from './stats';

export type StatusCounts = Record<string, number>;

export async function eventStatusCounts(sequelize: Sequelize): Promise<StatusCounts> {
  const rows = await sequelize.query<{ status: string; count: string }>('SELECT status, count(*) AS count FROM events GROUP BY status', { type: QueryTypes.SELECT });
  return Object.fromEntries(rows.map(({ status, count }) => [status, Number(count)]));
}

/** What each processed event's refresh found (`upserted`, `unchanged`, `stale`, …): only `upserted` and `deleted` signal the syncs. */
export async function refreshOutcomes(sequelize: Sequelize): Promise<StatusCounts> {
  const rows = await sequelize.query<{ outcome: string | null; count: string }>(
    `SELECT status_history -> -1 ->> 'outcome' AS outcome, count(*) AS count FROM events WHERE status = 'processed' GROUP BY 1`,
    { type: QueryTypes.SELECT },
  );
  return Object.fromEntries(rows.map(({ outcome, count }) => [outcome ?? 'none', Number(count)]));
}

/** Links that are `synced` and hold the opportunity's last Current RMS version (`finalVersions`: id → updated_at). */
export async function linksAtFinalVersion(sequelize: Sequelize, finalVersions: Record<number, string>): Promise<number> {
  const [row] = await sequelize.query<{ count: string }>(
    `SELECT count(*) AS count FROM external_integrations e
       JOIN jsonb_each_text(CAST(:versions AS jsonb)) AS v(id, at) ON e.opportunity_id = CAST(v.id AS bigint)
     WHERE e.status = 'synced' AND e.synced_source_updated_at = CAST(v.at AS timestamptz)`,
    { type: QueryTypes.SELECT, replacements: { versions: JSON.stringify(finalVersions) } },
  );
  return Number(row!.count);
}

export interface EventLatencies {
  /** received → dispatched: waiting for the relay to start the workflow. */
  receivedToDispatched: LatencySummary;
  /** dispatched → processing: the workflow's first activity picked up by the worker. */
  dispatchedToProcessing: LatencySummary;
  /** received → processed: the whole of processWebhookEvent, from intake. */
  receivedToProcessed: LatencySummary;
}

export interface Milestones {
  /** Seconds after the first POST when the last event was received, dispatched, processed. */
  lastReceivedSeconds: number;
  lastDispatchedSeconds: number;
  lastProcessedSeconds: number;
}

/** From each event's status history (the first `received`, `dispatched` and `processing`, the last `processed`). */
export async function eventTimings(sequelize: Sequelize, firstSentAtMs: number): Promise<{ latencies: EventLatencies; milestones: Milestones }> {
  const rows = await sequelize.query<{ received: number; dispatched: number | null; processing: number | null; processed: number | null }>(
    `SELECT ${['received', 'dispatched', 'processing', 'processed']
      .map(
        (status) =>
          `(SELECT extract(epoch FROM ${status === 'processed' ? 'max' : 'min'}(CAST(h->>'at' AS timestamptz))) * 1000
            FROM jsonb_array_elements(status_history) AS h WHERE h->>'status' = '${status}') AS ${status}`,
      )
      .join(', ')}
     FROM events`,
    { type: QueryTypes.SELECT },
  );
  const spans = (from: keyof (typeof rows)[number], to: keyof (typeof rows)[number]) =>
    rows.flatMap((row) => (row[from] !== null && row[to] !== null ? [Number(row[to]) - Number(row[from])] : []));
  const last = (column: keyof (typeof rows)[number]) => (Math.max(...rows.map((row) => Number(row[column] ?? 0))) - firstSentAtMs) / 1000;
  return {
    latencies: {
      receivedToDispatched: summarizeLatencies(spans('received', 'dispatched')),
      dispatchedToProcessing: summarizeLatencies(spans('dispatched', 'processing')),
      receivedToProcessed: summarizeLatencies(spans('received', 'processed')),
    },
    milestones: { lastReceivedSeconds: last('received'), lastDispatchedSeconds: last('dispatched'), lastProcessedSeconds: last('processed') },
  };
}

export interface SyncExecutions {
  /** syncToSystem executions that wrote to the system. */
  written: number;
  /** …that found the system already holding this payload (no write). */
  unchanged: number;
  failed: number;
  total: number;
}

/** Every sync ends in exactly one audited outcome: integration.synced, integration.verified or integration.failed. */
export async function syncExecutions(sequelize: Sequelize): Promise<SyncExecutions> {
  const rows = await sequelize.query<{ action: string; count: string }>(
    `SELECT action, count(*) AS count FROM audit_log WHERE action IN ('integration.synced', 'integration.verified', 'integration.failed') GROUP BY action`,
    { type: QueryTypes.SELECT },
  );
  const count = (action: string) => Number(rows.find((row) => row.action === action)?.count ?? 0);
  const [written, unchanged, failed] = [count('integration.synced'), count('integration.verified'), count('integration.failed')];
  return { written, unchanged, failed, total: written + unchanged + failed };
}

/** Why a run did not finish: a few failed events and links that are not at the final version. */
export async function diagnostics(sequelize: Sequelize, finalVersions: Record<number, string>): Promise<string[]> {
  const failedEvents = await sequelize.query<{ id: string; status: string; last_error: string | null }>(
    `SELECT id, status, last_error FROM events WHERE status NOT IN ('processed') ORDER BY received_at LIMIT 5`,
    { type: QueryTypes.SELECT },
  );
  const lagging = await sequelize.query<{ opportunity_id: string; system: string; status: string | null; last_error: string | null; synced: Date | null; wanted: string }>(
    `SELECT v.id AS opportunity_id, s.system, e.status, e.last_error, e.synced_source_updated_at AS synced, v.at AS wanted
       FROM jsonb_each_text(CAST(:versions AS jsonb)) AS v(id, at)
       CROSS JOIN (VALUES ('salesforce'), ('xero'), ('monday')) AS s(system)
       LEFT JOIN external_integrations e ON e.opportunity_id = CAST(v.id AS bigint) AND e.system = s.system
      WHERE e.status IS DISTINCT FROM 'synced' OR e.synced_source_updated_at IS DISTINCT FROM CAST(v.at AS timestamptz)
      LIMIT 5`,
    { type: QueryTypes.SELECT, replacements: { versions: JSON.stringify(finalVersions) } },
  );
  return [
    ...failedEvents.map((event) => `event ${event.id}: ${event.status}${event.last_error ? ` (${event.last_error})` : ''}`),
    ...lagging.map((link) => `opportunity ${link.opportunity_id} → ${link.system}: ${link.status ?? 'no link'}, holds ${link.synced?.toISOString() ?? 'nothing'}, latest ${link.wanted}${link.last_error ? ` (${link.last_error})` : ''}`),
  ];
}
