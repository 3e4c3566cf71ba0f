// Shapes of the admin workflow API: visibility filters, stalled thresholds, action and batch bodies, and their answers.
import { z } from 'zod';
import { INTEGRATION_SYSTEMS } from '../../domain/integration-systems';
import { EventSummary } from '../events/schemas';
import { IntegrationSchema } from '../opportunities/schemas';
import { pageOf, pageQuery } from '../pagination';

/** Our execution statuses, and how Temporal's visibility query spells each. */
export const EXECUTION_STATUS_QUERY_VALUES = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  continued_as_new: 'ContinuedAsNew',
  timed_out: 'TimedOut',
} as const;
export type ExecutionStatus = keyof typeof EXECUTION_STATUS_QUERY_VALUES;
const EXECUTION_STATUSES = Object.keys(EXECUTION_STATUS_QUERY_VALUES) as [ExecutionStatus, ...ExecutionStatus[]];

const RESTART_MODES = ['reset-last-task', 'reset-first-task', 'rerun'] as const;
export type RestartMode = (typeof RESTART_MODES)[number];

const MAX_VISIBILITY_QUERY_LENGTH = 1_000;

/** Parentheses balance outside string literals, so a raw query cannot close the parentheses it is wrapped in and OR past the clauses ANDed to it. */
function hasBalancedParentheses(query: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (let index = 0; index < query.length; index += 1) {
    const char = query[index];
    if (quote !== null) {
      if (char === '\\') index += 1;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'" || char === '`') quote = char;
    else if (char === '(') depth += 1;
    else if (char === ')' && --depth < 0) return false;
  }
  return depth === 0 && quote === null;
}

const visibilityQuery = z
  .string()
  .trim()
  .min(1)
  .max(MAX_VISIBILITY_QUERY_LENGTH)
  .refine(hasBalancedParentheses, 'Unbalanced parentheses or an unterminated string')
  .describe('A Temporal visibility query, e.g. OpportunityId = "123" AND ExecutionStatus = "Failed"');
const reason = z.string().trim().min(1).max(500).describe('Why: stored in the audit log and in the Temporal history (with who did it)');

// Filter values are validated strictly, so they never need escaping inside the visibility query.
const visibilityFilters = {
  type: z.string().regex(/^[A-Za-z_][\w.-]{0,199}$/).optional().describe('Workflow type, e.g. processWebhookEvent'),
  opportunityId: z.string().regex(/^\d{1,15}$/).optional().describe('The OpportunityId search attribute'),
  system: z.enum(INTEGRATION_SYSTEMS).optional().describe('The IntegrationSystem search attribute'),
  query: visibilityQuery.optional().describe('A raw Temporal visibility query, ANDed with the other filters'),
};

export const ListWorkflowsQuery = z
  .object({ ...visibilityFilters, status: z.enum(EXECUTION_STATUSES).optional(), ...pageQuery })
  .strict();

export const StalledWorkflowsQuery = z
  .object({
    ...visibilityFilters,
    minAttempts: z.coerce.number().int().min(2).max(1000).optional().describe('Stalled from this activity or workflow-task attempt (default STALLED_ACTIVITY_ATTEMPTS)'),
    noProgressMinutes: z.coerce.number().min(0.1).max(7 * 24 * 60).optional().describe('Stalled after this long without progress (default STALLED_NO_PROGRESS_MINUTES)'),
    ...pageQuery,
  })
  .strict();

export const WorkflowIdParams = z.object({ workflowId: z.string().min(1).max(1000) });

export const WorkflowSummary = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    type: z.string(),
    status: z.enum([...EXECUTION_STATUSES, 'unknown']),
    taskQueue: z.string(),
    businessKey: z.string().nullable(),
    searchAttributes: z.record(z.string(), z.string()).describe('The custom search attributes set on the run'),
    startTime: z.iso.datetime(),
    closeTime: z.iso.datetime().nullable(),
    temporalUiUrl: z.url(),
  })
  .meta({ id: 'AdminWorkflowSummary' });

export const WorkflowPage = pageOf(WorkflowSummary, 'AdminWorkflowPage');

const StallReasonSchema = z.object({ code: z.enum(['activity-attempts', 'heartbeat-timeout', 'workflow-task-attempts', 'no-progress']), message: z.string() });

export const StalledWorkflow = WorkflowSummary.extend({
  reasons: z.array(StallReasonSchema).min(1),
  lastFailure: z.string().nullable(),
  lastProgressAt: z.iso.datetime().nullable(),
}).meta({ id: 'StalledWorkflow' });

export const StalledPage = z
  .object({
    items: z.array(StalledWorkflow).describe('The stalled executions among the running ones scanned for this page'),
    nextCursor: z.string().nullable().describe('Scans the next running executions'),
    scanned: z.number().int(),
    rule: z.object({ minAttempts: z.number().int(), noProgressMinutes: z.number() }),
  })
  .meta({ id: 'StalledWorkflowPage' });

const PendingActivity = z.object({
  activityId: z.string(),
  activityType: z.string(),
  state: z.enum(['scheduled', 'started', 'cancel_requested', 'paused', 'pause_requested', 'unknown']),
  attempt: z.number().int(),
  maximumAttempts: z.number().int().describe('0 = unlimited'),
  lastFailure: z.string().nullable(),
  lastStartedAt: z.iso.datetime().nullable(),
  lastHeartbeatAt: z.iso.datetime().nullable(),
  heartbeatTimeoutSeconds: z.number().nullable(),
  nextRetryAt: z.iso.datetime().nullable(),
});

const HistoryEventSummary = z.object({
  eventId: z.number().int(),
  time: z.iso.datetime().nullable(),
  type: z.string().describe('e.g. ActivityTaskScheduled'),
  details: z.record(z.string(), z.string()).describe('Activity or workflow type, signal, timer, reason, failure message, where the event has one'),
});

export const WorkflowDetail = WorkflowSummary.extend({
  historyLength: z.number().int(),
  pendingActivities: z.array(PendingActivity),
  pendingWorkflowTask: z.object({ attempt: z.number().int(), scheduledAt: z.iso.datetime().nullable() }).nullable(),
  recentHistory: z.array(HistoryEventSummary).describe('The last events of the run, oldest first'),
  stalledReasons: z.array(StallReasonSchema).describe('Empty unless the run is stalled by the default rule'),
  linked: z.object({
    event: EventSummary.nullable().describe('The webhook event a webhook-<eventId> workflow processes'),
    opportunity: z
      .object({ id: z.number(), subject: z.string(), stateName: z.string().nullable(), statusName: z.string().nullable(), sourceUpdatedAt: z.iso.datetime().nullable(), deletedAt: z.iso.datetime().nullable() })
      .nullable(),
    integrations: z.array(IntegrationSchema).describe('external_integrations rows of the opportunity (only the system of a sync workflow)'),
    progress: z
      .array(z.object({ runId: z.string(), status: z.string(), currentStep: z.string().nullable(), error: z.string().nullable(), startedAt: z.iso.datetime(), completedAt: z.iso.datetime().nullable() }))
      .describe('workflow_instances rows of this workflow id, newest first'),
  }),
}).meta({ id: 'AdminWorkflowDetail' });

export const RestartRequest = z.object({ mode: z.enum(RESTART_MODES), reason }).strict().meta({ id: 'RestartWorkflowRequest' });
export const ReasonRequest = z.object({ reason }).strict().meta({ id: 'WorkflowActionReason' });
export const SignalRequest = z
  .object({ name: z.string().min(1).max(200), args: z.array(z.unknown()).max(10).default([]).describe('The signal arguments, checked against the documented signal'), reason })
  .strict()
  .meta({ id: 'SignalWorkflowRequest' });

export const ActionResult = z
  .object({
    workflowId: z.string(),
    action: z.enum(['restart', 'cancel', 'terminate', 'signal']),
    reason: z.string(),
    runId: z.string().describe('The run acted on'),
    newRunId: z.string().nullable().describe('The run a restart started'),
    mode: z.enum(RESTART_MODES).optional(),
    signal: z.string().optional(),
    temporalUiUrl: z.url(),
  })
  .meta({ id: 'WorkflowActionResult' });

export const BatchRequest = z
  .discriminatedUnion('action', [
    z.object({ action: z.literal('restart'), mode: z.enum(RESTART_MODES), query: visibilityQuery, reason, dryRun: z.boolean().default(true) }).strict(),
    z.object({ action: z.enum(['cancel', 'terminate']), query: visibilityQuery, reason, dryRun: z.boolean().default(true) }).strict(),
  ])
  .meta({ id: 'WorkflowBatchRequest', description: 'Acts on the executions a visibility query matches (at most ADMIN_BATCH_MAX per call); dryRun (the default) only lists them' });

const BatchTarget = z.object({ workflowId: z.string(), runId: z.string(), type: z.string(), status: z.enum([...EXECUTION_STATUSES, 'unknown']) });

export const BatchResult = z
  .object({
    action: z.enum(['restart', 'cancel', 'terminate']),
    mode: z.enum(RESTART_MODES).optional(),
    dryRun: z.boolean(),
    query: z.string().describe('The visibility query run: yours, narrowed to the statuses the action applies to'),
    matched: z.number().int().describe('Executions the query matches'),
    limit: z.number().int(),
    more: z.boolean().describe('More executions matched than one call handles: call again'),
    targets: z.array(BatchTarget).describe('Exactly the executions acted on (or, in a dry run, that would be)'),
    skipped: z.array(BatchTarget.extend({ reason: z.string() })),
    results: z.array(z.object({ workflowId: z.string(), runId: z.string(), ok: z.boolean(), newRunId: z.string().nullable().optional(), error: z.string().optional() })).optional(),
  })
  .meta({ id: 'WorkflowBatchResult' });
