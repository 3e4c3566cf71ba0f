// Admin workflow operations on real Temporal + PostgreSQL: a webhook run stuck on Current RMS 500s found as stalled and
// restarted (reset, rerun), cancel/terminate/signal with 404/409/400, visibility listing, batches and role checks.
import { randomInt, randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { defaultPayloadConverter, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import request from 'supertest';
import { createApp } from '../../api/app';
import { SYNC_REQUESTED_SIGNAL } from '../../domain/opportunity-sync';
import { BUSINESS_KEY, OPPORTUNITY_ID } from '../../domain/search-attributes';
import { SYNC_TASK_QUEUE, TASK_QUEUE } from '../../domain/task-queues';
import { AuditLog, ExternalIntegration, Opportunity, WebhookEvent } from '../../models';
import { deliverWebhook, webhookAction } from '../fakes/current-rms-driver';
import { FakeCurrentRms } from '../fakes/current-rms';
import { testConfig, testLogger } from '../support/env';
import { eventually, expectErrorEnvelope, signedIn } from '../support/http';
import { startInProcessPlatform, type InProcessPlatform } from '../support/platform';
import { insertOpportunity as insertTestOpportunity } from '../support/seed';

const TOKEN = 'admin-workflows-test-webhook-token-0123456789';
/** No worker polls this queue: workflows started on it stay running, untouched, until the test acts on them. */
const PARKED_QUEUE = `admin-workflows-test-parked-${randomUUID()}`;

let sequelize: Sequelize;
let temporal: Client;
let fake: FakeCurrentRms;
let app: RequestListener;
let platform: InProcessPlatform;
let webhookUrl: string;
let admin: { auth: string; id: string; email: string };
let staff: { auth: string; id: string };
let salesEngineer: { auth: string; id: string };

beforeAll(async () => {
  fake = await FakeCurrentRms.start();
  platform = await startInProcessPlatform({ webhookToken: TOKEN, worker: { currentRms: fake.settings() }, relayPollIntervalMs: 50 });
  ({ sequelize, temporal, app, webhookUrl } = platform);
  const signedInAdmin = await signedIn(app, sequelize, 'admin');
  const me = await request(app).get('/api/auth/me').set('Authorization', signedInAdmin.auth).expect(200);
  admin = { ...signedInAdmin, email: me.body.email };
  [staff, salesEngineer] = await Promise.all([signedIn(app, sequelize, 'integrations'), signedIn(app, sequelize, 'sales_engineer')]);
});

afterAll(async () => {
  // Parked workflows would otherwise run forever in the shared Temporal server.
  for await (const execution of temporal.workflow.list({ query: `TaskQueue = "${PARKED_QUEUE}" AND ExecutionStatus = "Running"` })) {
    await temporal.workflow.getHandle(execution.workflowId, execution.runId).terminate('admin-workflows test cleanup');
  }
  await platform.stop();
  await fake.stop();
});

/** Just what the tests read of the API's answers (the response schemas live in api/admin/schemas.ts). */
interface Listed {
  workflowId: string;
  runId: string;
  status: string;
  taskQueue: string;
  searchAttributes: Record<string, string>;
  reasons?: { code: string; message: string }[];
}
interface Page {
  items: Listed[];
  nextCursor: string | null;
  scanned?: number;
}
interface Detail extends Listed {
  pendingActivities: { attempt: number }[];
}
interface Batch {
  targets: { workflowId: string }[];
  matched: number;
  results?: { workflowId: string; ok: boolean }[];
}

const newOpportunityId = () => randomInt(1, 2 ** 31);
const get = (path: string, user: { auth: string } = staff) => request(app).get(path).set('Authorization', user.auth);
const post = (path: string, body: object, user: { auth: string } = admin) => request(app).post(path).set('Authorization', user.auth).send(body);
const workflowPath = (workflowId: string, action = '') => `/api/admin/workflows/${encodeURIComponent(workflowId)}${action ? `/${action}` : ''}`;
const auditRows = (workflowId: string) => AuditLog.findAll({ where: { entityType: 'workflow', entityId: workflowId }, order: [['id', 'ASC']] });

/** A webhook for the opportunity whose every Current RMS fetch fails with 500: its processWebhookEvent run retries the refresh. */
async function stuckWebhookRun(opportunityId: number): Promise<string> {
  fake.injectFault({ status: 500, count: 10_000, pathPattern: new RegExp(`/opportunities/${opportunityId}$`) });
  const { status, body } = await deliverWebhook(webhookUrl, webhookAction(fake.upsertOpportunity({ id: opportunityId }), 'update'));
  expect(status).toBe(202);
  return `webhook-${(body as { eventId: string }).eventId}`;
}

/** The outage is over: the fake answers again (its faults are cleared with everything else, so the opportunity comes back). */
function fixCurrentRms(...opportunityIds: number[]) {
  fake.reset();
  for (const id of opportunityIds) fake.upsertOpportunity({ id });
}

async function startParked(opportunityId: string, type = 'processWebhookEvent', args: unknown[] = [{ eventId: randomUUID() }], workflowId = `admin-test-${randomUUID()}`): Promise<WorkflowHandleWithFirstExecutionRunId> {
  return temporal.workflow.start(type, {
    workflowId,
    taskQueue: PARKED_QUEUE,
    args,
    typedSearchAttributes: [
      { key: OPPORTUNITY_ID, value: opportunityId },
      { key: BUSINESS_KEY, value: `test:${workflowId}` },
    ],
  });
}

const runningIds = async (handles: WorkflowHandle[]) => {
  const described = await Promise.all(handles.map((handle) => handle.describe()));
  return described.filter((d) => d.status.name === 'RUNNING').map((d) => d.workflowId);
};

test('a run stuck on a failing activity is stalled, with its reason and last failure; fixed, reset-last-task completes it, audited with both run ids', async () => {
  const opportunityId = newOpportunityId();
  const workflowId = await stuckWebhookRun(opportunityId);
  const eventId = workflowId.slice('webhook-'.length);

  const stalled = await eventually(
    async () => {
      const res = await get(`/api/admin/workflows/stalled?minAttempts=3&opportunityId=${opportunityId}`).expect(200);
      return (res.body as Page).items.find((item) => item.workflowId === workflowId);
    },
    { what: 'the stuck run to be listed as stalled' },
  );
  expect(stalled).toMatchObject({
    type: 'processWebhookEvent',
    status: 'running',
    businessKey: `event:${eventId}`,
    searchAttributes: { OpportunityId: String(opportunityId), EventType: 'opportunity_update' },
    reasons: [{ code: 'activity-attempts', message: expect.stringMatching(/^Activity refreshOpportunity is on attempt \d+ \(stalled from attempt 3\)$/) }],
    lastFailure: expect.stringMatching(/answered 500/),
    temporalUiUrl: expect.stringMatching(new RegExp(`/namespaces/default/workflows/${workflowId}/${stalled.runId}/history$`)),
  });
  // The thresholds are the request's: with higher ones the same run is not stalled.
  const lenient = await get(`/api/admin/workflows/stalled?minAttempts=1000&noProgressMinutes=10080&opportunityId=${opportunityId}`).expect(200);
  expect(lenient.body).toMatchObject({ items: [], scanned: 1, rule: { minAttempts: 1000, noProgressMinutes: 10080 } });
  // Retries write no history: soon there is no progress either.
  await eventually(async () => {
    const res = await get(`/api/admin/workflows/stalled?minAttempts=1000&noProgressMinutes=0.1&opportunityId=${opportunityId}`).expect(200);
    return res.body.items[0]?.reasons[0]?.code === 'no-progress';
  });

  const detail = await get(workflowPath(workflowId)).expect(200);
  expect(detail.body).toMatchObject({ workflowId, runId: stalled.runId, status: 'running', pendingWorkflowTask: null });
  expect(detail.body.pendingActivities).toEqual([
    expect.objectContaining({ activityType: 'refreshOpportunity', attempt: expect.any(Number), maximumAttempts: 15, lastFailure: expect.stringMatching(/answered 500/), heartbeatTimeoutSeconds: 10 }),
  ]);
  expect(detail.body.pendingActivities[0].attempt).toBeGreaterThanOrEqual(3);
  expect(detail.body.recentHistory[0]).toMatchObject({ eventId: 1, type: 'WorkflowExecutionStarted', details: { workflowType: 'processWebhookEvent' } });
  expect(detail.body.recentHistory.at(-1)).toMatchObject({ type: 'ActivityTaskScheduled', details: { activityType: 'refreshOpportunity' } });
  expect(detail.body.linked).toMatchObject({
    event: { id: eventId, status: 'processing', workflowId },
    opportunity: null, // never stored: every fetch failed
    integrations: [],
    progress: [{ runId: stalled.runId, status: 'running', currentStep: 'refreshing-opportunity' }],
  });

  fixCurrentRms(opportunityId);
  const idempotencyKey = `restart-${randomUUID()}`;
  const restart = await post(workflowPath(workflowId, 'restart'), { mode: 'reset-last-task', reason: 'Current RMS outage is over' }).set('Idempotency-Key', idempotencyKey).expect(200);
  expect(restart.body).toMatchObject({ workflowId, action: 'restart', mode: 'reset-last-task', reason: 'Current RMS outage is over', runId: stalled.runId, newRunId: expect.any(String) });
  const { newRunId } = restart.body;
  expect(newRunId).not.toBe(stalled.runId);

  await expect(temporal.workflow.getHandle(workflowId, newRunId).result()).resolves.toEqual({ eventId, status: 'processed', opportunityId, outcome: 'upserted' });
  // The reset re-runs the last completed workflow task, the first one here: its local step claims the event again
  // under the new run (attempts 2), then the new run fetches and finishes it.
  const event = await WebhookEvent.findByPk(eventId);
  expect(event).toMatchObject({ status: 'processed', attempts: 2, runId: newRunId });
  expect(event!.statusHistory.slice(-2)).toMatchObject([
    { status: 'processing', runId: newRunId },
    { status: 'processed', runId: newRunId },
  ]);
  expect(await Opportunity.findByPk(opportunityId)).not.toBeNull();
  // Temporal ended the stuck run with our reason and who gave it: the Temporal UI shows both.
  const oldHistory = await temporal.workflow.getHandle(workflowId, stalled.runId).fetchHistory();
  expect(oldHistory.events!.at(-1)!.workflowExecutionTerminatedEventAttributes).toMatchObject({ reason: `Current RMS outage is over (by ${admin.email} via admin API)` });

  const [audit, ...more] = await auditRows(workflowId);
  expect(more).toEqual([]);
  expect(audit).toMatchObject({
    action: 'workflow.restart',
    actorType: 'user',
    actorId: admin.id,
    before: { runId: stalled.runId, status: 'running' },
    after: { runId: stalled.runId, newRunId, mode: 'reset-last-task', reason: 'Current RMS outage is over' },
  });
  expect(audit!.requestId).toEqual(expect.any(String));

  // A retried request (same Idempotency-Key) gets the same answer and changes nothing; a new click is a new action.
  const retried = await post(workflowPath(workflowId, 'restart'), { mode: 'reset-last-task', reason: 'Current RMS outage is over' }).set('Idempotency-Key', idempotencyKey).expect(200);
  expect(retried.body).toEqual(restart.body);
  expect((await temporal.workflow.getHandle(workflowId).describe()).runId).toBe(newRunId);
  expect(await auditRows(workflowId)).toHaveLength(1);
  const again = await post(workflowPath(workflowId, 'restart'), { mode: 'reset-last-task', reason: 'once more' }).expect(409);
  expectErrorEnvelope(again.body, 'conflict');
  expect(again.body.error.message).toMatch(/is completed; only running or unsuccessfully closed workflows can be restarted/);
  expect(await auditRows(workflowId)).toHaveLength(1);
});

test('rerun terminates the stuck run and starts a fresh one with the same input, task queue and search attributes', async () => {
  const opportunityId = newOpportunityId();
  const workflowId = await stuckWebhookRun(opportunityId);
  const eventId = workflowId.slice('webhook-'.length);
  const stuck = await eventually(async () => {
    const res = await get(workflowPath(workflowId));
    const detail = res.body as Detail;
    return res.status === 200 && (detail.pendingActivities[0]?.attempt ?? 0) >= 2 ? detail : undefined;
  });

  fixCurrentRms(opportunityId);
  const rerun = await post(workflowPath(workflowId, 'restart'), { mode: 'rerun', reason: 'start over' }).expect(200);
  expect(rerun.body).toMatchObject({ action: 'restart', mode: 'rerun', runId: stuck.runId, newRunId: expect.any(String) });
  const newRun = temporal.workflow.getHandle(workflowId, rerun.body.newRunId);
  await expect(newRun.result()).resolves.toEqual({ eventId, status: 'processed', opportunityId, outcome: 'upserted' });

  const fresh = await get(workflowPath(workflowId)).expect(200);
  expect(fresh.body).toMatchObject({ runId: rerun.body.newRunId, status: 'completed', taskQueue: stuck.taskQueue, searchAttributes: stuck.searchAttributes, businessKey: `event:${eventId}` });
  // A fresh run from the start: it claimed the event again (attempts 2) under its own run id.
  expect(await WebhookEvent.findByPk(eventId)).toMatchObject({ status: 'processed', attempts: 2, runId: rerun.body.newRunId });
  expect((await temporal.workflow.getHandle(workflowId, stuck.runId).describe()).status.name).toBe('TERMINATED');
  expect(await auditRows(workflowId)).toEqual([
    expect.objectContaining({ action: 'workflow.restart', before: { runId: stuck.runId, status: 'running' }, after: expect.objectContaining({ mode: 'rerun', newRunId: rerun.body.newRunId, reason: 'start over' }) }),
  ]);
});

test('cancel and terminate record the reason in Temporal; closed → 409, unknown → 404, no reason → 400, none of them audited', async () => {
  const opportunityId = String(newOpportunityId());
  const [toCancel, toTerminate] = await Promise.all([startParked(opportunityId), startParked(opportunityId)]);

  const cancelled = await post(workflowPath(toCancel.workflowId, 'cancel'), { reason: 'customer withdrew' }).expect(200);
  expect(cancelled.body).toMatchObject({ workflowId: toCancel.workflowId, action: 'cancel', runId: toCancel.firstExecutionRunId, newRunId: null });
  const cancelDetail = await get(workflowPath(toCancel.workflowId)).expect(200);
  expect(cancelDetail.body.recentHistory.at(-1)).toMatchObject({ type: 'WorkflowExecutionCancelRequested', details: { reason: `customer withdrew (by ${admin.email} via admin API)` } });

  await post(workflowPath(toTerminate.workflowId, 'terminate'), { reason: 'duplicate run' }).expect(200);
  const terminated = await get(workflowPath(toTerminate.workflowId)).expect(200);
  expect(terminated.body).toMatchObject({ status: 'terminated', closeTime: expect.any(String) });
  expect(terminated.body.recentHistory.at(-1)).toMatchObject({ type: 'WorkflowExecutionTerminated', details: { reason: `duplicate run (by ${admin.email} via admin API)` } });

  for (const action of ['terminate', 'cancel']) {
    const res = await post(workflowPath(toTerminate.workflowId, action), { reason: 'again' }).expect(409);
    expectErrorEnvelope(res.body, 'conflict');
    expect(res.body.error).toMatchObject({ message: expect.stringMatching(/is terminated; only a running workflow can be/), details: { status: 'terminated' } });
  }
  // Never ran a workflow task (no worker polls its queue): nothing to reset to, but it could be rerun.
  const reset = await post(workflowPath(toTerminate.workflowId, 'restart'), { mode: 'reset-first-task', reason: 'try' }).expect(409);
  expect(reset.body.error.message).toMatch(/no completed workflow task to reset to/);
  expect((await auditRows(toTerminate.workflowId)).map((row) => row.action)).toEqual(['workflow.terminate']);

  const unknown = `admin-test-unknown-${randomUUID()}`;
  expectErrorEnvelope((await get(workflowPath(unknown)).expect(404)).body, 'not_found');
  for (const [action, body] of [['cancel', { reason: 'x' }], ['terminate', { reason: 'x' }], ['restart', { mode: 'rerun', reason: 'x' }], ['signal', { name: 'syncRequested', reason: 'x' }]] as const) {
    expectErrorEnvelope((await post(workflowPath(unknown, action), body).expect(404)).body, 'not_found');
  }
  expect(await auditRows(unknown)).toEqual([]);

  for (const body of [{}, { reason: '   ' }, { reason: 'x', extra: true }]) {
    expectErrorEnvelope((await post(workflowPath(toCancel.workflowId, 'terminate'), body).expect(400)).body, 'validation_failed');
  }
  expectErrorEnvelope((await post(workflowPath(toCancel.workflowId, 'restart'), { mode: 'reboot', reason: 'x' }).expect(400)).body, 'validation_failed');
  expect((await toCancel.describe()).status.name).toBe('RUNNING'); // cancel requested; no worker has acted on it yet
});

test('signals: only documented ones, with requestedBy stamped from the admin; linked opportunity and integration of a sync workflow', async () => {
  const opportunityId = newOpportunityId();
  await insertTestOpportunity({ id: opportunityId, subject: 'Admin signal test', sourceUpdatedAt: null });
  for (const system of ['salesforce', 'xero'] as const) {
    await ExternalIntegration.create({ opportunityId, system, uid: `${system}-${randomUUID()}`, externalId: null, lastSyncedAt: null, lastError: null, payloadHash: null });
  }
  const sync = await startParked(String(opportunityId), 'opportunitySync', [{ system: 'salesforce', opportunityId, idleTimeoutMs: 60_000 }], `sync-salesforce-${opportunityId}`);
  const webhook = await startParked(String(opportunityId));

  const signalled = await post(workflowPath(sync.workflowId, 'signal'), { name: SYNC_REQUESTED_SIGNAL, args: [{ reason: 'manual' }], reason: 'customer asked for a resync' }).expect(200);
  expect(signalled.body).toMatchObject({ workflowId: sync.workflowId, action: 'signal', signal: SYNC_REQUESTED_SIGNAL, runId: sync.firstExecutionRunId });
  const history = await sync.fetchHistory();
  const delivered = history.events!.find((event) => event.workflowExecutionSignaledEventAttributes)!.workflowExecutionSignaledEventAttributes!;
  expect(delivered.signalName).toBe(SYNC_REQUESTED_SIGNAL);
  expect(defaultPayloadConverter.fromPayload(delivered.input!.payloads![0]!)).toEqual({ reason: 'manual', requestedBy: admin.email });
  expect(await auditRows(sync.workflowId)).toEqual([
    expect.objectContaining({ action: 'workflow.signal', actorId: admin.id, after: expect.objectContaining({ signal: SYNC_REQUESTED_SIGNAL, reason: 'customer asked for a resync' }) }),
  ]);

  const detail = await get(workflowPath(sync.workflowId)).expect(200);
  expect(detail.body.linked).toMatchObject({ event: null, opportunity: { id: opportunityId, subject: 'Admin signal test' }, integrations: [{ system: 'salesforce' }] });

  const unknownSignal = await post(workflowPath(sync.workflowId, 'signal'), { name: 'deleteEverything', reason: 'x' }).expect(400);
  expectErrorEnvelope(unknownSignal.body, 'unknown_signal');
  expect(unknownSignal.body.error.details).toEqual({ documented: [SYNC_REQUESTED_SIGNAL] });
  expectErrorEnvelope((await post(workflowPath(webhook.workflowId, 'signal'), { name: SYNC_REQUESTED_SIGNAL, args: [{}], reason: 'x' }).expect(400)).body, 'unknown_signal');
  const badArgs = await post(workflowPath(sync.workflowId, 'signal'), { name: SYNC_REQUESTED_SIGNAL, args: [{ reason: 'because' }], reason: 'x' }).expect(400);
  expectErrorEnvelope(badArgs.body, 'validation_failed');
  expect(badArgs.body.error.details[0].path).toBe('args.0.reason');
  expect((await sync.fetchHistory()).events!.filter((event) => event.workflowExecutionSignaledEventAttributes)).toHaveLength(1);

  await sync.terminate('test: closed');
  expectErrorEnvelope((await post(workflowPath(sync.workflowId, 'signal'), { name: SYNC_REQUESTED_SIGNAL, args: [{}], reason: 'x' }).expect(409)).body, 'conflict');
  expect(await auditRows(sync.workflowId)).toHaveLength(1);
});

test('rerun of a sync started on the events queue (before the sync queue existed) starts it on the sync queue, same input', async () => {
  const opportunityId = newOpportunityId();
  const input = { system: 'salesforce', opportunityId, idleTimeoutMs: 60_000 };
  const old = await temporal.workflow.start('opportunitySync', {
    workflowId: `sync-salesforce-${opportunityId}`,
    taskQueue: TASK_QUEUE,
    args: [input],
    typedSearchAttributes: [{ key: OPPORTUNITY_ID, value: String(opportunityId) }],
  });

  const rerun = await post(workflowPath(old.workflowId, 'restart'), { mode: 'rerun', reason: 'move to the sync queue' }).expect(200);
  const fresh = temporal.workflow.getHandle(old.workflowId, rerun.body.newRunId);
  try {
    const described = await fresh.describe();
    expect(described).toMatchObject({ type: 'opportunitySync', taskQueue: SYNC_TASK_QUEUE, status: { name: 'RUNNING' } });
    expect(described.typedSearchAttributes.get(OPPORTUNITY_ID)).toBe(String(opportunityId));
    const started = (await fresh.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
    expect(defaultPayloadConverter.fromPayload(started.input!.payloads![0]!)).toEqual(input);
    expect((await temporal.workflow.getHandle(old.workflowId, old.firstExecutionRunId).describe()).status.name).toBe('TERMINATED');
  } finally {
    await fresh.terminate('admin-workflows test cleanup');
  }
});

test('listing: filters and a raw query from Temporal visibility, cursor paging without gaps or repeats, malformed queries are 400s', async () => {
  const opportunityId = String(newOpportunityId());
  const handles = [await startParked(opportunityId), await startParked(opportunityId), await startParked(opportunityId)];
  await handles[2]!.terminate('test: one closed');

  const all = await eventually(async () => {
    const res = await get(`/api/admin/workflows?opportunityId=${opportunityId}`).expect(200);
    const page = res.body as Page;
    return page.items.length === 3 && page.items.filter((item) => item.status === 'terminated').length === 1 ? page : undefined;
  });
  expect(all.items.map((item: { workflowId: string }) => item.workflowId).sort()).toEqual(handles.map((handle) => handle.workflowId).sort());
  const first = all.items.find((item: { workflowId: string }) => item.workflowId === handles[0]!.workflowId);
  expect(first).toEqual({
    workflowId: handles[0]!.workflowId,
    runId: handles[0]!.firstExecutionRunId,
    type: 'processWebhookEvent',
    status: 'running',
    taskQueue: PARKED_QUEUE,
    businessKey: `test:${handles[0]!.workflowId}`,
    searchAttributes: { OpportunityId: opportunityId, BusinessKey: `test:${handles[0]!.workflowId}` },
    startTime: expect.any(String),
    closeTime: null,
    temporalUiUrl: expect.stringContaining(`/workflows/${handles[0]!.workflowId}/${handles[0]!.firstExecutionRunId}/history`),
  });

  expect((await get(`/api/admin/workflows?opportunityId=${opportunityId}&status=running&type=processWebhookEvent`).expect(200)).body.items).toHaveLength(2);
  expect((await get(`/api/admin/workflows?opportunityId=${opportunityId}&type=opportunitySync`).expect(200)).body.items).toHaveLength(0);
  const raw = await get(`/api/admin/workflows?query=${encodeURIComponent(`OpportunityId = "${opportunityId}" AND ExecutionStatus = "Terminated"`)}`).expect(200);
  expect(raw.body.items.map((item: { workflowId: string }) => item.workflowId)).toEqual([handles[2]!.workflowId]);

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: { workflowId: string }[]; nextCursor: string | null } } = await get(
      `/api/admin/workflows?opportunityId=${opportunityId}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    ).expect(200);
    expect(page.body.items.length).toBeLessThanOrEqual(2);
    seen.push(...page.body.items.map((item) => item.workflowId));
    cursor = page.body.nextCursor;
    if (seen.length === 2) {
      // A cursor only pages through its own query.
      expectErrorEnvelope((await get(`/api/admin/workflows?opportunityId=${opportunityId}&status=running&limit=2&cursor=${encodeURIComponent(cursor!)}`).expect(400)).body, 'bad_request');
    }
  } while (cursor);
  expect(seen.sort()).toEqual(handles.map((handle) => handle.workflowId).sort());

  for (const query of ['WorkflowId = ', 'NoSuchAttribute = "x"', 'WorkflowType = "x" ORDER BY StartTime']) {
    const res = await get(`/api/admin/workflows?query=${encodeURIComponent(query)}`).expect(400);
    expectErrorEnvelope(res.body, 'invalid_query');
    expect(res.body.error.message).toMatch(/^Temporal rejected the visibility query: /);
  }
  expectErrorEnvelope((await get('/api/admin/workflows/stalled?query=WorkflowId%20%3D').expect(400)).body, 'invalid_query');
  for (const bad of ['opportunityId=12abc', 'status=sleeping', 'type=a%22%20OR%20%22b', 'limit=201', 'cursor=not-a-cursor', 'unknown=1']) {
    expect((await get(`/api/admin/workflows?${bad}`)).status).toBe(400);
  }
  for (const bad of ['minAttempts=1', 'noProgressMinutes=0', 'noProgressMinutes=100000']) {
    expectErrorEnvelope((await get(`/api/admin/workflows/stalled?${bad}`).expect(400)).body, 'validation_failed');
  }

  // A run whose workflow task nobody picks up (no worker on its queue) makes no progress: stalled too.
  const parkedStalled = await eventually(async () => {
    const res = await get(`/api/admin/workflows/stalled?opportunityId=${opportunityId}&noProgressMinutes=0.1`).expect(200);
    const page = res.body as Page;
    return page.items.length === 2 ? page : undefined;
  });
  expect(parkedStalled.scanned).toBe(2);
  expect(parkedStalled.items.map((item) => item.reasons?.map((reason) => reason.code))).toEqual([['no-progress'], ['no-progress']]);
});

test('batch: a dry run lists exactly the matching executions and changes nothing; the real batch acts on each, audited; bounded per call', async () => {
  const opportunityId = String(newOpportunityId());
  const matching = await Promise.all([startParked(opportunityId), startParked(opportunityId), startParked(opportunityId)]);
  const bystander = await startParked(String(newOpportunityId()));
  const query = `OpportunityId = "${opportunityId}"`;
  const matchingIds = matching.map((handle) => handle.workflowId).sort();

  const dryRun = await eventually(async () => {
    const res = await post('/api/admin/workflows/batch', { action: 'terminate', query, reason: 'cleanup' }).expect(200);
    const batch = res.body as Batch;
    return batch.targets.length === 3 ? batch : undefined;
  });
  expect(dryRun).toMatchObject({ action: 'terminate', dryRun: true, query: `(${query}) AND (ExecutionStatus = "Running")`, matched: 3, limit: 100, more: false, skipped: [] });
  expect(dryRun.results).toBeUndefined();
  expect(dryRun.targets.map((target: { workflowId: string }) => target.workflowId).sort()).toEqual(matchingIds);
  expect(await runningIds([...matching, bystander])).toHaveLength(4);
  expect(await AuditLog.count({ where: { entityType: 'workflow', entityId: matchingIds } })).toBe(0);

  const real = await post('/api/admin/workflows/batch', { action: 'terminate', query, reason: 'cleanup', dryRun: false }).expect(200);
  expect(real.body.targets.map((target: { workflowId: string }) => target.workflowId).sort()).toEqual(matchingIds);
  expect(real.body.results).toHaveLength(3);
  expect(real.body.results.every((result: { ok: boolean }) => result.ok)).toBe(true);
  expect(await runningIds([...matching, bystander])).toEqual([bystander.workflowId]);
  const audit = await AuditLog.findAll({ where: { entityType: 'workflow', entityId: matchingIds } });
  expect(audit.map((row) => [row.entityId, row.action, row.actorId]).sort()).toEqual(matchingIds.map((id) => [id, 'workflow.terminate', admin.id]));

  // Restart applies to unsuccessfully closed runs too: rerun all three (each gets a new run).
  const restarted = await eventually(async () => {
    const res = await post('/api/admin/workflows/batch', { action: 'restart', mode: 'rerun', query, reason: 'retry after cleanup', dryRun: false }).expect(200);
    const batch = res.body as Batch;
    return batch.targets.length === 3 ? batch : undefined;
  });
  expect(restarted.results).toEqual(expect.arrayContaining(matching.map((handle) => ({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId, ok: true, newRunId: expect.any(String) }))));
  expect(await runningIds(matching.map((handle) => temporal.workflow.getHandle(handle.workflowId)))).toHaveLength(3);

  // At most ADMIN_BATCH_MAX per call, and the answer says more matched.
  const bounded = createApp({ config: testConfig({ ADMIN_BATCH_MAX: '2' }), sequelize, temporal, logger: testLogger, version: 'test' });
  const capped = await eventually(async () => {
    const res = await request(bounded).post('/api/admin/workflows/batch').set('Authorization', admin.auth).send({ action: 'cancel', query, reason: 'cap' }).expect(200);
    const batch = res.body as Batch;
    return batch.matched === 3 ? batch : undefined;
  });
  expect(capped).toMatchObject({ limit: 2, more: true });
  expect(capped.targets).toHaveLength(2);

  expectErrorEnvelope((await post('/api/admin/workflows/batch', { action: 'terminate', query: 'OpportunityId = ', reason: 'x', dryRun: false }).expect(400)).body, 'invalid_query');
  for (const body of [{ action: 'restart', query, reason: 'x' }, { action: 'pause', query, reason: 'x' }, { action: 'cancel', query, reason: '' }, { action: 'cancel', reason: 'x' }]) {
    expectErrorEnvelope((await post('/api/admin/workflows/batch', body).expect(400)).body, 'validation_failed');
  }
});

test('sales engineers get 403 on every admin endpoint and nothing changes; integrations staff may read but not act', async () => {
  const handle = await startParked(String(newOpportunityId()));
  const before = await handle.describe();
  const actions: [string, object][] = [
    [workflowPath(handle.workflowId, 'restart'), { mode: 'rerun', reason: 'x' }],
    [workflowPath(handle.workflowId, 'cancel'), { reason: 'x' }],
    [workflowPath(handle.workflowId, 'terminate'), { reason: 'x' }],
    [workflowPath(handle.workflowId, 'signal'), { name: SYNC_REQUESTED_SIGNAL, args: [{}], reason: 'x' }],
    ['/api/admin/workflows/batch', { action: 'terminate', query: `WorkflowId = "${handle.workflowId}"`, reason: 'x', dryRun: false }],
  ];
  for (const path of ['/api/admin/workflows', '/api/admin/workflows/stalled', workflowPath(handle.workflowId)]) {
    expectErrorEnvelope((await get(path, salesEngineer).expect(403)).body, 'forbidden');
    await get(path, staff).expect(200);
  }
  for (const [path, body] of actions) {
    expectErrorEnvelope((await post(path, body, salesEngineer).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await post(path, body, staff).expect(403)).body, 'forbidden');
  }

  const after = await handle.describe();
  expect(after).toMatchObject({ runId: before.runId, historyLength: before.historyLength, status: { name: 'RUNNING' } });
  expect(await auditRows(handle.workflowId)).toEqual([]);
});
