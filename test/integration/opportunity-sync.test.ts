// The sync engine end to end on real PostgreSQL + Temporal, with the real client libraries (jsforce, monday's ApiClient,
// our Xero client) against HTTP fakes: webhook → processWebhookEvent → opportunitySync × 3 → external records + links.
import { randomInt } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RequestListener } from 'node:http';
import { temporal as proto } from '@temporalio/proto';
import jsforce from 'jsforce';
import type { Sequelize } from 'sequelize';
import request from 'supertest';
import type { IntegrationSystem } from '../../domain/integration-systems';
import { INTEGRATION_SYSTEM, OPPORTUNITY_ID, SYNC_STATUS } from '../../domain/search-attributes';
import { SYNC_TASK_QUEUE, TASK_QUEUE } from '../../domain/task-queues';
import { SYNC_REQUESTED_SIGNAL } from '../../domain/opportunity-sync';
import { workflowIds } from '../../domain/workflow-ids';
import { requestOpportunitySync } from '../../lib/sync-requests';
import { AuditLog, ExternalIntegration, WebhookEvent, WorkflowInstance } from '../../models';
import type { reconcileIntegrations } from '../../workflows';
import { deliverWebhook, webhookAction } from '../fakes/current-rms-driver';
import { FakeCurrentRms } from '../fakes/current-rms';
import { FakeMonday } from '../fakes/monday';
import { FakeSalesforce } from '../fakes/salesforce';
import { FakeXero } from '../fakes/xero';
import { eventually, signedIn } from '../support/http';
import { startInProcessPlatform, type InProcessPlatform } from '../support/platform';

const TOKEN = 'sync-test-webhook-token-0123456789abcdefghij';
const SYSTEMS: IntegrationSystem[] = ['salesforce', 'xero', 'monday'];
let sequelize: Sequelize;
let temporal: Client;
let currentRms: FakeCurrentRms;
let salesforce: FakeSalesforce;
let xero: FakeXero;
let monday: FakeMonday;
let app: RequestListener;
let platform: InProcessPlatform;
let webhookUrl: string;

beforeAll(async () => {
  [currentRms, salesforce, xero, monday] = await Promise.all([FakeCurrentRms.start(), FakeSalesforce.start(), FakeXero.start(), FakeMonday.start()]);
  platform = await startInProcessPlatform({
    webhookToken: TOKEN,
    worker: { currentRms: currentRms.settings(), salesforce: salesforce.settings(), xero: xero.settings(), monday: monday.settings(), syncSystems: SYSTEMS },
    relayPollIntervalMs: 20,
  });
  ({ sequelize, temporal, app, webhookUrl } = platform);
});
afterAll(async () => {
  await platform.stop();
  await Promise.all([currentRms.stop(), salesforce.stop(), xero.stop(), monday.stop()]);
});

const newId = () => randomInt(1, 2 ** 31);

async function sendUpdate(id: number, fields: Record<string, unknown> = {}) {
  const opportunity = currentRms.upsertOpportunity({ id, member_id: 7_000 + (id % 1000), ...fields });
  const { status } = await deliverWebhook(webhookUrl, webhookAction(opportunity, 'update'));
  expect(status).toBe(202);
  return opportunity;
}

const links = (opportunityId: number) => ExternalIntegration.findAll({ where: { opportunityId }, order: [['system', 'ASC']] });

/** Waits until every system's link is settled (synced or failed) and, if given, holds the expected payload. */
const settledLinks = (opportunityId: number, check: (rows: ExternalIntegration[]) => boolean = () => true) =>
  eventually(
    async () => {
      const rows = await links(opportunityId);
      return rows.length === SYSTEMS.length && rows.every((row) => row.status === 'synced' || row.status === 'failed') && check(rows) ? rows : undefined;
    },
    { timeoutMs: 60_000, what: `the links of opportunity ${opportunityId} to settle` },
  );

/** The Salesforce Opportunities for our external id, read back through jsforce with SOQL. */
async function salesforceOpportunities(opportunityId: number) {
  const settings = salesforce.settings();
  const connection = new jsforce.Connection({ oauth2: { clientId: settings.clientId, clientSecret: settings.clientSecret, loginUrl: settings.loginUrl }, version: settings.apiVersion });
  await connection.authorize({ grant_type: 'client_credentials' });
  const result = await connection.query<{ Id: string; Name: string; StageName: string; Amount: number }>(
    `SELECT Id, Name, StageName, Amount FROM Opportunity WHERE ${settings.externalIdField} = '${opportunityId}'`,
  );
  return result.records;
}

const mondayItems = (opportunityId: number) => monday.items({ columnId: monday.settings().uidColumnId, text: String(opportunityId) });

test('a webhook for a new opportunity ends with one record in each system and three synced links', async () => {
  const id = newId();
  const opportunity = await sendUpdate(id, { subject: 'Arena tour lighting', number: `OPP-${id}`, status: 20, state: 3, charge_total: '4800.00', charge_excluding_tax_total: '4000.00' });
  const rows = await settledLinks(id);

  expect(rows.map((row) => [row.system, row.status])).toEqual([
    ['monday', 'synced'],
    ['salesforce', 'synced'],
    ['xero', 'synced'],
  ]);
  const [mondayLink, salesforceLink, xeroLink] = rows;

  const sfRecords = await salesforceOpportunities(id);
  expect(sfRecords).toHaveLength(1);
  expect(sfRecords[0]).toMatchObject({ Id: salesforceLink!.externalId, Name: 'Arena tour lighting', StageName: 'Closed Won', Amount: 4800 });

  const contacts = xero.contacts().filter((contact) => contact.ContactNumber === String(opportunity.member_id));
  expect(contacts).toHaveLength(1);
  const quotes = xero.quotes().filter((quote) => quote.Reference === `OPP-${id}`);
  expect(quotes).toHaveLength(1);
  expect(quotes[0]).toMatchObject({ QuoteID: xeroLink!.externalId, Status: 'DRAFT', Contact: { ContactID: contacts[0]!.ContactID } });
  expect(xeroLink!.metadata).toMatchObject({ contactId: contacts[0]!.ContactID });

  const items = mondayItems(id);
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ id: mondayLink!.externalId, name: 'Arena tour lighting' });

  for (const row of rows) {
    expect(row.payloadHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.lastSyncedAt).toBeInstanceOf(Date);
    expect(row.syncedSourceUpdatedAt!.toISOString()).toBe(new Date(opportunity.updated_at).toISOString()); // the version it holds
    // Each link's write is audited by its entity workflow, with the workflow as the actor.
    const audit = await AuditLog.findAll({ where: { entityType: 'external_integration', entityId: `${row.system}:${id}`, action: 'integration.synced' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(workflowIds.opportunitySync(row.system, id));
  }

  // Staff can filter the sync workflows in the Temporal UI by these search attributes.
  const handle = temporal.workflow.getHandle(workflowIds.opportunitySync('salesforce', id));
  const description = await eventually(async () => {
    const current = await handle.describe();
    return current.typedSearchAttributes.get(SYNC_STATUS) === 'synced' ? current : undefined;
  }, { what: 'SyncStatus synced on the workflow' });
  expect(description.typedSearchAttributes.get(OPPORTUNITY_ID)).toBe(String(id));
  expect(description.typedSearchAttributes.get(INTEGRATION_SYSTEM)).toBe('salesforce');
});

test('50 updates within a second: each system ends with the last state, in far fewer writes than updates', async () => {
  const id = newId();
  await sendUpdate(id, { subject: 'Festival v0', number: `OPP-${id}` });
  await settledLinks(id);
  const before = { salesforce: salesforce.writeCounts(), xero: xero.stats().writes, monday: monday.writeCounts() };

  for (let version = 1; version <= 50; version += 1) await sendUpdate(id, { subject: `Festival v${version}`, charge_total: `${1000 + version}.00` });
  const last = currentRms.opportunity(id)!;
  const holdsLastState = () =>
    salesforce.records().some((record) => record.CurrentRMS_Id__c === String(id) && record.Name === 'Festival v50') &&
    mondayItems(id)[0]?.name === 'Festival v50' &&
    xero.quotes().some((quote) => quote.Reference === `OPP-${id}` && quote.Title.includes('v50'));
  const rows = await settledLinks(id, (current) => current.every((row) => row.status === 'synced') && holdsLastState());
  expect(rows).toHaveLength(3);

  const sfRecords = await salesforceOpportunities(id);
  expect(sfRecords).toHaveLength(1);
  expect(sfRecords[0]).toMatchObject({ Name: last.subject, Amount: 1050 });
  expect(mondayItems(id)).toHaveLength(1);
  expect(xero.quotes().filter((quote) => quote.Reference === `OPP-${id}`)).toHaveLength(1);

  const writes = {
    salesforce: salesforce.writeCounts().updates + salesforce.writeCounts().creates - before.salesforce.updates - before.salesforce.creates,
    xero: xero.stats().writes.quotes.updated + xero.stats().writes.quotes.created - before.xero.quotes.updated - before.xero.quotes.created,
    monday: monday.writeCounts().updates + monday.writeCounts().creates - before.monday.updates - before.monday.creates,
  };
  console.log(`50 updates of one opportunity → external writes: ${JSON.stringify(writes)}`);
  for (const count of Object.values(writes)) {
    expect(count).toBeGreaterThanOrEqual(1);
    expect(count).toBeLessThan(25);
  }
}, 120_000);

test('an injected 429 is waited out per Retry-After, then the write succeeds', async () => {
  const id = newId();
  xero.injectFault({ kind: 'rate-limit', count: 1, retryAfterSeconds: 3, path: '/Contacts' });
  const started = Date.now();
  await sendUpdate(id, { number: `OPP-${id}` });
  const rows = await settledLinks(id);
  expect(rows.every((row) => row.status === 'synced')).toBe(true);
  expect(xero.requests.filter((call) => call.status === 429)).toHaveLength(1);
  expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
  expect(xero.quotes().filter((quote) => quote.Reference === `OPP-${id}`)).toHaveLength(1);
});

test('a run of 12 rate-limit answers does not use up the sync: retries are bounded by time, not by a count', async () => {
  const id = newId();
  const refusedBefore = xero.requests.filter((call) => call.status === 429).length;
  xero.injectFault({ kind: 'rate-limit', count: 12, retryAfterSeconds: 1, path: '/Contacts' });
  await sendUpdate(id, { number: `OPP-${id}` });
  const rows = await settledLinks(id);
  expect(rows.map((row) => [row.system, row.status, row.lastError])).toEqual([
    ['monday', 'synced', null],
    ['salesforce', 'synced', null],
    ['xero', 'synced', null],
  ]);
  expect(xero.requests.filter((call) => call.status === 429).length - refusedBefore).toBe(12);
  expect(xero.quotes().filter((quote) => quote.Reference === `OPP-${id}`)).toHaveLength(1);
}, 120_000);

test('an expired Salesforce session is refreshed and the write succeeds', async () => {
  const id = newId();
  await sendUpdate(id);
  await settledLinks(id);
  salesforce.expireSessions();
  const tokens = salesforce.tokenRequests();
  await sendUpdate(id, { subject: 'After the session expired' });
  await settledLinks(id, (rows) => rows.find((row) => row.system === 'salesforce')!.lastError === null);
  await eventually(async () => (await salesforceOpportunities(id))[0]?.Name === 'After the session expired', { what: 'the renamed Salesforce opportunity' });
  expect(salesforce.tokenRequests()).toBeGreaterThan(tokens);
});

test('a lost answer after the external write is retried without creating a duplicate record', async () => {
  const id = newId();
  salesforce.injectFault({ kind: 'drop-response', count: 1, pathPattern: /\/sobjects\/Opportunity\// });
  xero.injectFault({ kind: 'drop-after-write', count: 1, path: '/Quotes', method: 'PUT' });
  monday.injectFault({ kind: 'lost-answer', count: 1, operation: 'create_item' });
  await sendUpdate(id, { number: `OPP-${id}` });
  const rows = await settledLinks(id);
  expect(rows.every((row) => row.status === 'synced')).toBe(true);
  expect(await salesforceOpportunities(id)).toHaveLength(1);
  expect(xero.quotes().filter((quote) => quote.Reference === `OPP-${id}`)).toHaveLength(1);
  expect(mondayItems(id)).toHaveLength(1);
});

test('a retry that reads a newer snapshot than its lost write sends it under a new Idempotency-Key, so Xero does not refuse it', async () => {
  const id = newId();
  await sendUpdate(id, { number: `OPP-${id}`, subject: 'First version' });
  await settledLinks(id, (rows) => rows.every((row) => row.status === 'synced'));
  const firstRequest = xero.requests.length;
  // The update is applied but its answer lost; the retry then waits out a 429 while a newer version is stored.
  xero.injectFault({ kind: 'drop-after-write', count: 1, path: '/Quotes', method: 'POST' });
  xero.injectFault({ kind: 'rate-limit', count: 1, path: '/Quotes', method: 'POST', retryAfterSeconds: 6 });
  await sendUpdate(id, { number: `OPP-${id}`, subject: 'Second version' });
  await eventually(() => Promise.resolve(xero.requests.slice(firstRequest).some((request) => request.dropped)), { what: 'the dropped Xero update' });
  await sendUpdate(id, { number: `OPP-${id}`, subject: 'Third version' });

  await eventually(() => Promise.resolve(xero.quotes().find((quote) => quote.Reference === `OPP-${id}`)?.Title === 'Third version'), { timeoutMs: 60_000, what: 'the third version in Xero' });
  const quoteWrites = xero.requests.slice(firstRequest).filter((request) => request.method === 'POST' && request.path.startsWith('/Quotes'));
  expect(quoteWrites.map((request) => request.status)).not.toContain(400);
  expect(new Set(quoteWrites.filter((request) => request.status === 200).map((request) => request.idempotencyKey)).size).toBe(quoteWrites.filter((request) => request.status === 200).length);
  expect(await AuditLog.count({ where: { entityType: 'external_integration', entityId: `xero:${id}`, action: 'integration.failed' } })).toBe(0);
  expect(xero.quotes().filter((quote) => quote.Reference === `OPP-${id}`)).toHaveLength(1);
});

test('a validation error ends failed with the external message, shows in reconciliation, and retry-failed re-drives it once fixed', async () => {
  const id = newId();
  let rejecting = true;
  salesforce.addValidationRule({ type: 'Opportunity', field: 'Name', message: 'Name must not contain "forbidden"', rejects: (record) => rejecting && String(record.Name).includes('forbidden') });
  await sendUpdate(id, { subject: `forbidden gig ${id}` });
  const rows = await settledLinks(id);
  const failed = rows.find((row) => row.system === 'salesforce')!;
  expect(failed.status).toBe('failed');
  expect(failed.lastError).toContain('Name must not contain "forbidden"');
  expect(rows.filter((row) => row.system !== 'salesforce').every((row) => row.status === 'synced')).toBe(true);
  const failureAudit = await AuditLog.findOne({ where: { entityType: 'external_integration', entityId: `salesforce:${id}`, action: 'integration.failed' } });
  expect(failureAudit!.after).toMatchObject({ error: expect.stringContaining('forbidden'), kind: 'validation' });
  expect(failed.failureKind).toBe('validation');

  const staff = await signedIn(app, sequelize, 'integrations');
  const reconciliation = await request(app).get('/api/reconciliation?type=stale-integrations&system=salesforce&limit=200').set('Authorization', staff.auth).expect(200);
  expect(reconciliation.body.staleIntegrations.items).toContainEqual(expect.objectContaining({ opportunityId: id, system: 'salesforce', reason: 'failed' }));

  // The reconcile Schedule does not re-drive a validation failure of unchanged data: it would fail the same way.
  const reconciled = await temporal.workflow.execute<typeof reconcileIntegrations>('reconcileIntegrations', {
    workflowId: `test-reconcile-${id}`,
    taskQueue: TASK_QUEUE,
    args: [{ failedCooldownMs: 0, limit: 50 }], // bounded: other suites' opportunities share this database
  });
  expect(reconciled.requested).toBe(reconciled.failed + reconciled.stale + reconciled.missing);
  expect(await AuditLog.count({ where: { entityType: 'external_integration', entityId: `salesforce:${id}`, action: 'integration.failed' } })).toBe(1);

  // Fixed on the Salesforce side, staff re-drive the failed syncs.
  rejecting = false;
  const retried = await request(app).post('/api/integrations/retry-failed').set('Authorization', staff.auth).send({ system: 'salesforce' }).expect(202);
  expect(retried.body.workflowIds).toContain(workflowIds.opportunitySync('salesforce', id));
  await settledLinks(id, (current) => current.every((row) => row.status === 'synced'));
  expect(await salesforceOpportunities(id)).toHaveLength(1);
}, 120_000);

test('each sync workflow and its one activity per sync (the write and the audited link record) run on the sync task queue, the webhook event run on the events\' queue', async () => {
  const id = newId();
  await sendUpdate(id);
  await settledLinks(id);
  const event = await WebhookEvent.findOne({ where: { entityId: String(id) } });
  const eventRun = await temporal.workflow.getHandle(workflowIds.processWebhookEvent(event!.id)).fetchHistory();
  expect(eventRun.events![0]!.workflowExecutionStartedEventAttributes!.taskQueue!.name).toBe(TASK_QUEUE);
  for (const system of SYSTEMS) {
    const { events } = await temporal.workflow.getHandle(workflowIds.opportunitySync(system, id)).fetchHistory();
    expect(events![0]!.workflowExecutionStartedEventAttributes!.taskQueue!.name).toBe(SYNC_TASK_QUEUE);
    const activities = events!.flatMap(({ activityTaskScheduledEventAttributes: scheduled }) => (scheduled ? [{ type: scheduled.activityType!.name, queue: scheduled.taskQueue!.name }] : []));
    expect(activities).toEqual([{ type: 'syncOpportunity', queue: SYNC_TASK_QUEUE }]);
    const audit = await AuditLog.findAll({ where: { entityType: 'external_integration', entityId: `${system}:${id}` } });
    expect(audit.map(({ action, actorActivity }) => ({ action, actorActivity }))).toEqual([{ action: 'integration.synced', actorActivity: 'syncOpportunity' }]);
  }
  expect((await links(id)).map(({ status, attempts }) => ({ status, attempts }))).toEqual(SYSTEMS.map(() => ({ status: 'synced', attempts: 1 })));
});

test('an unchanged snapshot is not written again; the link is confirmed current', async () => {
  const id = newId();
  await sendUpdate(id);
  const [first] = await settledLinks(id);
  const writes = monday.writeCounts();
  await requestOpportunitySync(temporal, { system: 'monday', opportunityId: id }, { reason: 'manual', requestedBy: 'test' }, 2_000);
  await eventually(() => AuditLog.findOne({ where: { entityType: 'external_integration', entityId: `monday:${id}`, action: 'integration.verified' } }), { what: 'the verified audit row' });
  expect(monday.writeCounts()).toEqual(writes);
  const [after] = await links(id);
  expect(after!.lastSyncedAt!.getTime()).toBeGreaterThan(first!.lastSyncedAt!.getTime());
});

test('a sync workflow continues as new after its syncs per run, on the sync task queue, and the next run serves the following requests', async () => {
  const id = newId();
  await sendUpdate(id);
  await settledLinks(id);
  const workflowId = workflowIds.opportunitySync('monday', id);
  await eventually(async () => ((await temporal.workflow.getHandle(workflowId).describe()).status.name === 'COMPLETED' ? true : undefined), { what: 'the idle sync run to complete' });

  const verified = () => AuditLog.count({ where: { entityType: 'external_integration', entityId: `monday:${id}`, action: 'integration.verified' } });
  const ask = () =>
    temporal.workflow.signalWithStart('opportunitySync', {
      workflowId,
      taskQueue: TASK_QUEUE,
      args: [{ system: 'monday', opportunityId: id, idleTimeoutMs: 10_000, syncsPerRun: 2 }],
      signal: SYNC_REQUESTED_SIGNAL,
      signalArgs: [{ reason: 'manual', requestedBy: 'test' }],
    });
  const first = await ask();
  for (let served = 1; served <= 3; served += 1) {
    if (served > 1) await ask();
    await eventually(async () => ((await verified()) === served ? true : undefined), { what: `sync ${served} to be served` });
  }
  const firstRun = await temporal.workflow.getHandle(workflowId, first.signaledRunId).describe();
  expect(firstRun).toMatchObject({ status: { name: 'CONTINUED_AS_NEW' }, taskQueue: TASK_QUEUE });
  const latest = temporal.workflow.getHandle(workflowId);
  // A run started on the events' queue (as before the sync queue existed) continues on the sync queue.
  expect(await latest.describe()).toMatchObject({ runId: expect.not.stringMatching(first.signaledRunId), taskQueue: SYNC_TASK_QUEUE });
  await latest.terminate('test finished');
});

test.each([
  ['a webhook run recorded before the sync engine existed (patched)', 'process-webhook-event-before-sync.binpb'],
  ['a webhook run recorded while its short steps were scheduled activities (patched)', 'process-webhook-event-remote-steps.binpb'],
  ['a webhook run recorded while its progress was recorded by separate local activities (patched)', 'process-webhook-event-local-steps.binpb'],
  ['a webhook run recorded while the refresh was always a scheduled activity (patched)', 'process-webhook-event-progress-in-steps.binpb'],
  ['a webhook run recorded while each step was its own local activity (patched)', 'process-webhook-event-local-refresh-first.binpb'],
  ['a webhook run recorded then whose local refresh failed, so the refresh was scheduled after a timer (patched)', 'process-webhook-event-local-refresh-first-fallback.binpb'],
  ['a webhook run of one local activity then the notify and finish steps (current)', 'process-webhook-event-local-event-run.binpb'],
  ['a webhook run whose one local activity failed, carried on by the keyed steps after a timer (current)', 'process-webhook-event-local-event-run-fallback.binpb'],
  ['a sync run recorded before the sync task queue, continued as new on the events\' queue', 'opportunity-sync-before-sync-queue.binpb'],
])('the history of %s replays against the current workflow code', async (_what, file) => {
  const history = proto.api.history.v1.History.decode(readFileSync(path.join(__dirname, '../replay/histories', file)));
  await expect(Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, history, file)).resolves.toBeUndefined();
});

/** The activity types of a run's local activities, in order, read from their markers in its history. */
/**
 * An event run's history once the run has completed: its row turns `processed` inside the last step, before the
 * workflow task that records the steps' markers has completed.
 */
async function completedEventRunHistory(workflowId: string) {
  const handle = temporal.workflow.getHandle(workflowId);
  await handle.result();
  return (await handle.fetchHistory()).events!;
}

async function localActivityTypes(workflowId: string): Promise<string[]> {
  const events = await completedEventRunHistory(workflowId);
  return events.flatMap(({ markerRecordedEventAttributes: marker }) =>
    marker?.markerName === 'core_local_activity' ? [(JSON.parse(Buffer.from(marker.details!.data!.payloads![0]!.data!).toString('utf8')) as { activity_type: string }).activity_type] : [],
  );
}

test('a webhook run takes one workflow task and no scheduled activity: its claim, refresh and finish are one local activity, the sync signals and the finish follow when the outcome asks the syncs', async () => {
  const id = newId();
  const history = async (eventId: string) => {
    const workflowId = workflowIds.processWebhookEvent(eventId);
    const events = await completedEventRunHistory(workflowId);
    const count = (type: proto.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;
    const { EventType } = proto.api.enums.v1;
    return {
      workflowTasks: count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      scheduledActivities: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
      markers: count(EventType.EVENT_TYPE_MARKER_RECORDED),
      localActivities: await localActivityTypes(workflowId),
      completed: count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
    };
  };
  // The first event creates the opportunity (upserted): the syncs are asked, then the event is finished.
  await sendUpdate(id);
  await settledLinks(id);
  const event = await WebhookEvent.findOne({ where: { entityId: String(id) }, order: [['receivedAt', 'DESC']] });
  expect(event!.status).toBe('processed');
  expect(await history(event!.id)).toEqual({ workflowTasks: 1, scheduledActivities: 0, markers: 4, localActivities: ['runEventLocally', 'notifySyncWorkflows', 'finishEventProcessing'], completed: 1 });
  // Keyed by step, not by position or activity: a run carried on by the separate steps (or a workflow task retried
  // along another path) finds each step's row under the same key instead of writing it again.
  const workflowId = workflowIds.processWebhookEvent(event!.id);
  const run = `${workflowId}/${(await temporal.workflow.getHandle(workflowId).describe()).runId}`;
  const audited = await AuditLog.findAll({ where: { actorId: workflowId }, order: [['id', 'ASC']] });
  expect(audited.map((row) => [row.action, row.idempotencyKey, row.actorActivity])).toEqual([
    ['event.processing', `${run}/startEventProcessing`, 'runEventLocally'],
    ['opportunity.refresh', `${run}/refreshOpportunity`, 'runEventLocally'],
    ['event.processed', `${run}/finishEventProcessing`, 'finishEventProcessing'],
  ]);
  expect(await WorkflowInstance.findOne({ where: { workflowId } })).toMatchObject({
    status: 'completed',
    currentStep: 'completed',
    businessKey: `event:${event!.id}`,
    data: { opportunityId: id, eventType: 'opportunity_update' },
    completedAt: expect.any(Date),
  });

  // The same snapshot again (unchanged): the whole run is the one local activity, which also finishes the event.
  const { status, body } = await deliverWebhook(webhookUrl, webhookAction(currentRms.opportunity(id)!, 'update'));
  expect(status).toBe(202);
  const repeatId = (body as { eventId: string }).eventId;
  const repeat = await eventually(async () => {
    const row = await WebhookEvent.findByPk(repeatId);
    return row?.status === 'processed' ? row : undefined;
  }, { what: 'the repeat to be processed' });
  expect(repeat.statusHistory.at(-1)?.outcome).toBe('unchanged');
  expect(await history(repeatId)).toEqual({ workflowTasks: 1, scheduledActivities: 0, markers: 2, localActivities: ['runEventLocally'], completed: 1 });
  const repeatAudit = await AuditLog.findAll({ where: { actorId: workflowIds.processWebhookEvent(repeatId) }, order: [['id', 'ASC']] });
  expect(repeatAudit.map((row) => [row.action, row.actorActivity])).toEqual([
    ['event.processing', 'runEventLocally'],
    ['opportunity.refresh', 'runEventLocally'],
    ['event.processed', 'runEventLocally'],
  ]);
});

test('a refresh whose local attempt fails is scheduled as an activity (visible, retried per Retry-After) and the event completes, with one refresh audit row', async () => {
  const id = newId();
  currentRms.injectFault({ status: 503, count: 2, retryAfterSeconds: 1, pathPattern: new RegExp(`/opportunities/${id}$`) });
  await sendUpdate(id, { subject: 'After a Current RMS hiccup' });
  const event = await eventually(async () => {
    const stored = await WebhookEvent.findOne({ where: { entityId: String(id) } });
    return stored?.status === 'processed' ? stored : undefined;
  }, { what: 'the event to be processed' });
  const workflowId = workflowIds.processWebhookEvent(event.id);
  const events = await completedEventRunHistory(workflowId);
  const { EventType } = proto.api.enums.v1;
  // The local run met the first 503; the separate steps carried on, the claim found under its key.
  expect(await localActivityTypes(workflowId)).toEqual(['runEventLocally', 'startEventProcessing', 'notifySyncWorkflows', 'finishEventProcessing']);
  expect(await AuditLog.count({ where: { actorId: workflowId, action: 'event.processing' } })).toBe(1);
  const scheduled = events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
  expect(scheduled).toEqual(['refreshOpportunity']);
  // The local attempt's 503 asked for a second: a timer waits it out before the activity is scheduled.
  expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED).map((e) => e.timerStartedEventAttributes!.startToFireTimeout?.seconds?.toString())).toEqual(['1']);
  const started = events.find((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)!.activityTaskStartedEventAttributes!;
  expect(started.attempt).toBe(2); // the scheduled activity's first attempt met the second 503 and waited out its Retry-After
  expect(await AuditLog.count({ where: { entityType: 'opportunity', entityId: String(id), action: 'opportunity.refresh' } })).toBe(1);
  expect(currentRms.requests.filter((request) => request.path.endsWith(`/opportunities/${id}`)).map((request) => request.status)).toEqual([503, 503, 200]);
});

test('a webhook whose refresh finds that exact snapshot stored is `unchanged` and asks no sync; a real change asks again', async () => {
  const id = newId();
  const deliver = async (action: string) => {
    const { status, body } = await deliverWebhook(webhookUrl, webhookAction(currentRms.opportunity(id)!, action));
    expect(status).toBe(202);
    const eventId = (body as { eventId: string }).eventId;
    const event = await eventually(async () => {
      const row = await WebhookEvent.findByPk(eventId);
      return row?.status === 'processed' ? row : undefined;
    }, { what: `event ${eventId} to be processed` });
    return { outcome: event.statusHistory.at(-1)?.outcome, askedSyncs: (await localActivityTypes(workflowIds.processWebhookEvent(eventId))).includes('notifySyncWorkflows') };
  };
  await sendUpdate(id);
  await settledLinks(id);
  expect(await deliver('update')).toEqual({ outcome: 'unchanged', askedSyncs: false });
  currentRms.upsertOpportunity({ id, subject: `Changed ${id}` });
  expect(await deliver('update')).toEqual({ outcome: 'upserted', askedSyncs: true });
  const item = await eventually(() => Promise.resolve(mondayItems(id).find((candidate) => candidate.name.includes(`Changed ${id}`))), { what: 'the change to reach monday.com' });
  expect(mondayItems(id)).toEqual([item]);
});

test('sync workflows keep the opportunity id in their input and hold no snapshot payloads', async () => {
  const id = newId();
  await sendUpdate(id);
  await settledLinks(id);
  const history = await temporal.workflow.getHandle(workflowIds.opportunitySync('xero', id)).fetchHistory();
  const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
  const input = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString('utf8')) as Record<string, unknown>;
  expect(input).toEqual({ system: 'xero', opportunityId: id, idleTimeoutMs: 2_000 });
});
