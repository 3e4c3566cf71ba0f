// Admin workflows API: Temporal visibility, stalled executions and describe for staff; audited restart, cancel, terminate, signal and batch for admins.
import type { Client } from '@temporalio/client';
import type { Request } from 'express';
import type { Sequelize } from 'sequelize';
import type { StalledRule } from '../../domain/stalled-workflows';
import type { Config } from '../../lib/config';
import { requestKey, userActor } from '../request-actor';
import { defineRoute, type Route } from '../route';
import { callTemporal } from '../temporal-calls';
import { actOnWorkflow, type AdminDeps, type AdminRequester, type WorkflowAction } from './actions';
import { runBatch } from './batch';
import { workflowDetail } from './describe';
import {
  ActionResult,
  BatchRequest,
  BatchResult,
  ListWorkflowsQuery,
  ReasonRequest,
  RestartRequest,
  SignalRequest,
  StalledPage,
  StalledWorkflowsQuery,
  WorkflowDetail,
  WorkflowIdParams,
  WorkflowPage,
} from './schemas';
import { findStalled } from './stalled';
import { listExecutions, visibilityQuery, workflowSummary } from './visibility';

const STAFF = ['admin', 'integrations'] as const;
const ADMINS = ['admin'] as const;
const TAGS = ['admin'];

/** A retry carrying the same Idempotency-Key header applies nothing twice; without one every request is its own action. */
function requesterOf(req: Request): AdminRequester {
  return { user: req.user!, actor: userActor(req), requestKey: requestKey(req) };
}

const actionResponses = {
  200: { description: 'Done (or already done under this Idempotency-Key)', schema: ActionResult },
  404: { description: 'No such workflow' },
  409: { description: 'The action does not apply to the workflow in its current state' },
};

export function adminWorkflowRoutes(sequelize: Sequelize, temporal: Client, config: Config): Route[] {
  const deps: AdminDeps = { sequelize, temporal, config };
  const defaultRule: StalledRule = { minAttempts: config.STALLED_ACTIVITY_ATTEMPTS, noProgressMinutes: config.STALLED_NO_PROGRESS_MINUTES };
  const action = (kind: 'cancel' | 'terminate') =>
    defineRoute(
      {
        method: 'post',
        path: `/api/admin/workflows/:workflowId/${kind}`,
        summary: kind === 'cancel' ? 'Request cancellation of a running workflow (the workflow may clean up)' : 'Terminate a running workflow at once',
        tags: TAGS,
        access: ADMINS,
        params: WorkflowIdParams,
        body: ReasonRequest,
        responses: actionResponses,
      },
      async ({ params, body, req, res }) => {
        res.json(await actOnWorkflow(deps, params.workflowId, { kind, reason: body.reason }, requesterOf(req)));
      },
    );

  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/admin/workflows',
        summary: 'Workflow executions from Temporal visibility, newest first (cursor paging); filters and a raw visibility query are ANDed',
        tags: TAGS,
        access: STAFF,
        query: ListWorkflowsQuery,
        responses: { 200: { description: 'A page of executions', schema: WorkflowPage } },
      },
      async ({ query, res }) => {
        const page = await callTemporal(temporal, () => listExecutions(temporal, visibilityQuery(query), query.limit, query.cursor));
        res.json({ items: page.executions.map((execution) => workflowSummary(config, execution)), nextCursor: page.nextCursor });
      },
    ),
    defineRoute(
      {
        method: 'get',
        path: '/api/admin/workflows/stalled',
        summary:
          'Stalled running executions: a pending activity or workflow task on attempt ≥ minAttempts, a heartbeat older than its timeout, or no history event or heartbeat for noProgressMinutes while work is outstanding',
        tags: TAGS,
        access: STAFF,
        query: StalledWorkflowsQuery,
        responses: { 200: { description: 'The stalled executions among one page of running ones', schema: StalledPage } },
      },
      async ({ query, res }) => {
        const rule: StalledRule = { minAttempts: query.minAttempts ?? defaultRule.minAttempts, noProgressMinutes: query.noProgressMinutes ?? defaultRule.noProgressMinutes };
        res.json(await callTemporal(temporal, () => findStalled(temporal, config, query, rule, { limit: query.limit, cursor: query.cursor }, new Date())));
      },
    ),
    defineRoute(
      {
        method: 'get',
        path: '/api/admin/workflows/:workflowId',
        summary: "A workflow's latest run: status, pending activities, recent history, stalled reasons and linked business records",
        tags: TAGS,
        access: STAFF,
        params: WorkflowIdParams,
        responses: { 200: { description: 'The workflow', schema: WorkflowDetail }, 404: { description: 'No such workflow' } },
      },
      async ({ params, res }) => {
        res.json(await callTemporal(temporal, () => workflowDetail(temporal, config, params.workflowId, defaultRule, new Date())));
      },
    ),
    defineRoute(
      {
        method: 'post',
        path: '/api/admin/workflows/batch',
        summary: `Restart, cancel or terminate the executions a visibility query matches, at most ADMIN_BATCH_MAX (${config.ADMIN_BATCH_MAX}) per call, each audited; dryRun (the default) lists them`,
        tags: TAGS,
        access: ADMINS,
        body: BatchRequest,
        responses: { 200: { description: 'What was (or would be) touched, and each outcome', schema: BatchResult } },
      },
      async ({ body, req, res }) => {
        res.json(await runBatch(deps, body, requesterOf(req), config.ADMIN_BATCH_MAX));
      },
    ),
    defineRoute(
      {
        method: 'post',
        path: '/api/admin/workflows/:workflowId/restart',
        summary: 'Reset a running or unsuccessfully closed workflow to its last or first workflow task, or rerun it from the start with the same input; returns the new run id',
        tags: TAGS,
        access: ADMINS,
        params: WorkflowIdParams,
        body: RestartRequest,
        responses: actionResponses,
      },
      async ({ params, body, req, res }) => {
        res.json(await actOnWorkflow(deps, params.workflowId, { kind: 'restart', mode: body.mode, reason: body.reason }, requesterOf(req)));
      },
    ),
    action('cancel'),
    action('terminate'),
    defineRoute(
      {
        method: 'post',
        path: '/api/admin/workflows/:workflowId/signal',
        summary: 'Send a documented signal to a running workflow (today: syncRequested to opportunitySync)',
        tags: TAGS,
        access: ADMINS,
        params: WorkflowIdParams,
        body: SignalRequest,
        responses: actionResponses,
      },
      async ({ params, body, req, res }) => {
        const signal: WorkflowAction = { kind: 'signal', name: body.name, args: body.args, reason: body.reason };
        res.json(await actOnWorkflow(deps, params.workflowId, signal, requesterOf(req)));
      },
    ),
  ];
}
