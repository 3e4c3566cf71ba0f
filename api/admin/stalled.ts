// Finds stalled executions: scans a page of running ones (visibility), describes each and applies the stalled rule.
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import { lastFailureOf, lastProgressAt, stallReasons, type StalledRule } from '../../domain/stalled-workflows';
import type { Config } from '../../lib/config';
import { mapConcurrently } from './concurrency';
import { runningSnapshot } from './execution-state';
import { eventTime, latestEvents } from './history';
import type { StalledPage, StalledWorkflow } from './schemas';
import { isWorkflowNotFound } from './temporal-errors';
import { allOf, listExecutions, statusClause, visibilityQuery, workflowSummary, type VisibilityFilter } from './visibility';

/** Two Temporal calls per scanned execution; this many executions are looked at in parallel. */
const SCAN_CONCURRENCY = 8;

export async function findStalled(
  temporal: Client,
  config: Config,
  filter: Omit<VisibilityFilter, 'status'>,
  rule: StalledRule,
  page: { limit: number; cursor: string | undefined },
  now: Date,
): Promise<z.infer<typeof StalledPage>> {
  const running = await listExecutions(temporal, allOf(visibilityQuery(filter), statusClause('running')), page.limit, page.cursor);
  const verdicts = await mapConcurrently(running.executions, SCAN_CONCURRENCY, async ({ workflowId, runId }): Promise<z.infer<typeof StalledWorkflow> | null> => {
    try {
      const [description, [latest]] = await Promise.all([temporal.workflow.getHandle(workflowId, runId).describe(), latestEvents(temporal, { workflowId, runId }, 1)]);
      if (description.status.name !== 'RUNNING') return null; // closed since the listing
      const snapshot = runningSnapshot(description, eventTime(latest));
      const reasons = stallReasons(snapshot, rule, now);
      if (reasons.length === 0) return null;
      return { ...workflowSummary(config, description), reasons, lastFailure: lastFailureOf(snapshot), lastProgressAt: lastProgressAt(snapshot)?.toISOString() ?? null };
    } catch (error) {
      if (isWorkflowNotFound(error)) return null; // closed and already removed by retention
      throw error;
    }
  });
  return { items: verdicts.filter((verdict) => verdict !== null), nextCursor: running.nextCursor, scanned: running.executions.length, rule };
}
