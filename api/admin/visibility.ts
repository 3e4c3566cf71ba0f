// Temporal visibility for admins: filters as a visibility query, cursor-paged listing and one summary shape per execution.
import type { Client, WorkflowExecutionInfo, WorkflowExecutionStatusName } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { z } from 'zod';
import type { IntegrationSystem } from '../../domain/integration-systems';
import { BUSINESS_KEY, CUSTOM_SEARCH_ATTRIBUTES, INTEGRATION_SYSTEM, OPPORTUNITY_ID } from '../../domain/search-attributes';
import type { Config } from '../../lib/config';
import { badRequest } from '../../lib/errors';
import { temporalUiWorkflowUrl } from '../../lib/temporal';
import { decodeCursor, encodeCursor } from '../pagination';
import { EXECUTION_STATUS_QUERY_VALUES, type ExecutionStatus, type WorkflowSummary } from './schemas';
import { visibilityCall } from './temporal-errors';

export interface VisibilityFilter {
  type?: string | undefined;
  status?: ExecutionStatus | undefined;
  opportunityId?: string | undefined;
  system?: IntegrationSystem | undefined;
  /** Raw visibility query text; Temporal validates it. */
  query?: string | undefined;
}

/** Clauses ANDed together, each in parentheses so a raw query's ORs stay inside it. Empty means "everything". */
export const allOf = (...clauses: (string | undefined)[]): string =>
  clauses
    .filter((clause): clause is string => clause !== undefined && clause !== '')
    .map((clause) => `(${clause})`)
    .join(' AND ');

export const statusClause = (...statuses: ExecutionStatus[]): string => statuses.map((status) => `ExecutionStatus = "${EXECUTION_STATUS_QUERY_VALUES[status]}"`).join(' OR ');

/** The filter values are validated (schemas.ts) to need no escaping. */
export function visibilityQuery(filter: VisibilityFilter): string {
  return allOf(
    filter.type && `WorkflowType = "${filter.type}"`,
    filter.status && statusClause(filter.status),
    filter.opportunityId && `${OPPORTUNITY_ID.name} = "${filter.opportunityId}"`,
    filter.system && `${INTEGRATION_SYSTEM.name} = "${filter.system}"`,
    filter.query,
  );
}

export function executionStatus(name: WorkflowExecutionStatusName): ExecutionStatus | 'unknown' {
  const status = (name === 'CANCELLED' ? 'cancelled' : name.toLowerCase()) as ExecutionStatus;
  return Object.hasOwn(EXECUTION_STATUS_QUERY_VALUES, status) ? status : 'unknown';
}

/** A cursor carries the query it pages through with Temporal's page token: a token is only valid for its own query. */
const VisibilityCursor = z.tuple([z.string(), z.base64()]);

interface ExecutionPage {
  executions: WorkflowExecutionInfo[];
  nextCursor: string | null;
}

/** One page of executions matching `query`, newest first (Temporal's order). */
export async function listExecutions(temporal: Client, query: string, limit: number, cursor: string | undefined): Promise<ExecutionPage> {
  const position = decodeCursor(cursor, VisibilityCursor);
  if (position && position[0] !== query) throw badRequest('This cursor belongs to another query: pass it with the same filters it came with');
  const { namespace, loadedDataConverter } = temporal.options;
  const response = await visibilityCall(query, () =>
    temporal.workflowService.listWorkflowExecutions({ namespace, query, pageSize: limit, ...(position ? { nextPageToken: Buffer.from(position[1], 'base64') } : {}) }),
  );
  const executions = await Promise.all(response.executions.map((raw) => executionInfoFromRaw(raw, loadedDataConverter, raw, namespace)));
  const token = response.nextPageToken && response.nextPageToken.length > 0 ? Buffer.from(response.nextPageToken).toString('base64') : null;
  return { executions, nextCursor: token ? encodeCursor([query, token]) : null };
}

export async function countExecutions(temporal: Client, query: string): Promise<number> {
  const response = await visibilityCall(query, () => temporal.workflowService.countWorkflowExecutions({ namespace: temporal.options.namespace, query }));
  return Number(response.count ?? 0);
}

/** Listing and describe share this shape (a description is an execution info with more in `raw`). */
export function workflowSummary(config: Config, info: Omit<WorkflowExecutionInfo, 'raw'>): z.infer<typeof WorkflowSummary> {
  const searchAttributes = Object.fromEntries(
    CUSTOM_SEARCH_ATTRIBUTES.flatMap((key) => {
      const value = info.typedSearchAttributes.get(key);
      return value === undefined ? [] : [[key.name, value]];
    }),
  );
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    status: executionStatus(info.status.name),
    taskQueue: info.taskQueue,
    businessKey: info.typedSearchAttributes.get(BUSINESS_KEY) ?? null,
    searchAttributes,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime ? info.closeTime.toISOString() : null,
    temporalUiUrl: temporalUiWorkflowUrl(config, info.workflowId, info.runId),
  };
}
