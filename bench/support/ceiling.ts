// The same-run ceiling: single-row INSERT … ON CONFLICT DO NOTHING commits of the intake's row shape straight through a pg Pool.
import { Pool } from 'pg';
import type { CurrentRmsOpportunity } from '../../test/fakes/current-rms';
import { CURRENT_RMS_SOURCE, currentRmsEventType, statusChange } from '../../domain/webhook-events';
import { summarizeLatencies, type LatencySummary, type Measured } from './stats';
import { webhookBodySource } from './webhook-bodies';

/** Stored as the User-Agent of ceiling rows, which tells them apart from rows the API wrote. */
export const CEILING_USER_AGENT = 'ingest-bench-ceiling';

// Column for column what api/webhooks/intake.ts inserts, as one autocommit statement.
const INSERT_EVENT = `
  INSERT INTO events (source, event_type, entity_type, entity_id, action_id, dedupe_key, payload, raw_body, headers, status, status_history)
  VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS jsonb), $7, CAST($8 AS jsonb), 'received', CAST($9 AS jsonb))
  ON CONFLICT (source, dedupe_key) DO NOTHING`;

export interface CeilingResult {
  concurrency: number;
  inserted: number;
  /** Statements that inserted nothing (a dedupe-key conflict); 0 when every action id is unique. */
  conflicts: number;
  elapsedSeconds: number;
  insertsPerSecond: number;
  latencyMs: LatencySummary;
}

export interface CeilingRunner {
  measure(concurrency: number, durationMs: number): Promise<Measured<CeilingResult>>;
}

/** Each measurement opens a pool of exactly `concurrency` connections, connects them all, then inserts flat out. */
export function ceilingRunner(databaseUrl: string, opportunities: readonly CurrentRmsOpportunity[], firstActionId: number): CeilingRunner {
  const nextBody = webhookBodySource(opportunities, firstActionId);
  const eventType = currentRmsEventType('Opportunity', 'update');
  const headers = JSON.stringify({ 'content-type': 'application/json', 'user-agent': CEILING_USER_AGENT, ip: '127.0.0.1' });
  const insertParameters = () => {
    const { actionId, subjectId, rawBody } = nextBody();
    return [CURRENT_RMS_SOURCE, eventType, 'Opportunity', String(subjectId), String(actionId), `action:${actionId}`, rawBody, headers, JSON.stringify([statusChange('received', new Date())])];
  };

  return {
    async measure(concurrency, durationMs) {
      const pool = new Pool({ connectionString: databaseUrl, max: concurrency, application_name: 'ingest-bench-ceiling' });
      // An idle client sees PostgreSQL stop when Ctrl-C interrupts a run; queries report their own errors.
      pool.on('error', () => undefined);
      try {
        const clients = await Promise.all(Array.from({ length: concurrency }, () => pool.connect()));
        for (const client of clients) client.release();
        const latencies: number[] = [];
        let inserted = 0;
        let conflicts = 0;
        const started = performance.now();
        const deadline = started + durationMs;
        const connection = async () => {
          while (performance.now() < deadline) {
            const parameters = insertParameters();
            const sentAt = performance.now();
            const { rowCount } = await pool.query(INSERT_EVENT, parameters);
            latencies.push(performance.now() - sentAt);
            if (rowCount === 1) inserted++;
            else conflicts++;
          }
        };
        await Promise.all(Array.from({ length: concurrency }, connection));
        const elapsedSeconds = (performance.now() - started) / 1000;
        return { result: { concurrency, inserted, conflicts, elapsedSeconds, insertsPerSecond: inserted / elapsedSeconds, latencyMs: summarizeLatencies(latencies) }, latencySamplesMs: latencies };
      } finally {
        await pool.end();
      }
    },
  };
}
