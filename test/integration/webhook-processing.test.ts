// The whole webhook path on real PostgreSQL + Temporal: intake → outbox relay → processWebhookEvent → snapshot,
// augmentation and audit; Current RMS failures (401, 429, 404); staleness; replay; a replay-history check.
import { randomInt } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Sequelize } from 'sequelize';
import request from 'supertest';
import { BUSINESS_KEY, EVENT_TYPE, OPPORTUNITY_ID } from '../../domain/search-attributes';
import { AugmentedOpportunity, AuditLog, Opportunity, WebhookEvent, WorkflowInstance } from '../../models';
import { deliverWebhook, webhookAction } from '../fakes/current-rms-driver';
import { FakeCurrentRms } from '../fakes/current-rms';
import { eventually, expectErrorEnvelope, signedIn } from '../support/http';
import { startInProcessPlatform, type InProcessPlatform } from '../support/platform';

const TOKEN = 'processing-test-webhook-token-0123456789abcdef';
let sequelize: Sequelize;
let temporal: Client;
let fake: FakeCurrentRms;
let app: RequestListener;
let platform: InProcessPlatform;
let webhookUrl: string;
let staff: { auth: string; id: string };

beforeAll(async () => {
  fake = await FakeCurrentRms.start();
  platform = await startInProcessPlatform({ webhookToken: TOKEN, worker: { currentRms: fake.settings() }, relayPollIntervalMs: 50 });
  ({ sequelize, temporal, app, webhookUrl } = platform);
  staff = await signedIn(app, sequelize, 'integrations');
});
afterAll(async () => {
  await platform.stop();
  await fake.stop();
});

const newId = () => randomInt(1, 2 ** 31);
const settled = (eventId: string) =>
  eventually(async () => {
    const event = await WebhookEvent.findByPk(eventId);
    return event && ['processed', 'failed', 'ignored'].includes(event.status) ? event : undefined;
  }, { what: `event ${eventId} to finish` });

async function send(opportunityId: number, actionType = 'update') {
  const opportunity = fake.opportunity(opportunityId) ?? fake.upsertOpportunity({ id: opportunityId });
  const { status, body } = await deliverWebhook(webhookUrl, webhookAction(opportunity, actionType));
  expect(status).toBe(202);
  return (body as { eventId: string }).eventId;
}

test('a webhook is processed: snapshot re-fetched from Current RMS, augmentation, audit, workflow run and search attributes', async () => {
  const id = newId();
  fake.upsertOpportunity({
    id,
    subject: 'Summer festival PA hire',
    state: 3,
    status: 20,
    charge_total: '14400.00',
    charge_excluding_tax_total: '12000.00',
    charge_including_tax_total: '14400.00',
    tax_total: '2400.00',
    member_id: 77,
    owned_by: 5,
  });
  // The payload is only a hint: what we store comes from the API, not from this stale subject.
  const { status, body } = await deliverWebhook(webhookUrl, webhookAction({ ...fake.opportunity(id)!, subject: 'stale subject in the payload' }, 'update'));
  expect(status).toBe(202);
  const eventId = (body as { eventId: string }).eventId;

  const event = await settled(eventId);
  expect(event).toMatchObject({ status: 'processed', attempts: 1, lastError: null, workflowId: `webhook-${eventId}` });
  expect(event.statusHistory.map((change) => change.status)).toEqual(['received', 'dispatched', 'processing', 'processed']);

  const opportunity = await Opportunity.findByPk(id);
  expect(opportunity).toMatchObject({ id, subject: 'Summer festival PA hire', state: 3, stateName: 'Order', status: 20, statusName: 'Active', chargeTotal: '14400.00', memberId: 77, ownerId: 5, lastEventId: eventId, deletedAt: null });
  expect(opportunity!.sourceUpdatedAt!.toISOString()).toBe(fake.opportunity(id)!.updated_at);
  const augmentation = await AugmentedOpportunity.findByPk(id);
  expect(augmentation).toMatchObject({ workflowStatus: 'confirmed', riskLevel: 'low', formulaVersion: '1' });
  expect(augmentation!.financialHealthScore).toBe(90); // 50 + 20 (≥ 10k) + 20 (order)

  const request = fake.requests.find((r) => r.path === `/api/v1/opportunities/${id}`);
  expect(request?.headers).toMatchObject({ 'x-subdomain': fake.subdomain, 'x-auth-token': fake.apiToken });

  const audit = await AuditLog.findAll({ where: { workflowRunId: event.runId! }, order: [['id', 'ASC']] });
  expect(audit.map((row) => [row.entityType, row.action])).toEqual(
    expect.arrayContaining([
      ['event', 'event.processing'],
      ['opportunity', 'opportunity.refresh'],
      ['event', 'event.processed'],
    ]),
  );
  expect(audit.find((row) => row.action === 'opportunity.refresh')).toMatchObject({ actorType: 'workflow', actorId: `webhook-${eventId}`, actorActivity: 'runEventLocally', entityId: String(id) });

  await expect(temporal.workflow.getHandle(`webhook-${eventId}`).result()).resolves.toEqual({ eventId, status: 'processed', opportunityId: id, outcome: 'upserted' });
  const instance = await WorkflowInstance.findOne({ where: { workflowId: `webhook-${eventId}` } });
  expect(instance).toMatchObject({ workflowType: 'processWebhookEvent', businessKey: `event:${eventId}`, status: 'completed' });

  const description = await temporal.workflow.getHandle(`webhook-${eventId}`).describe();
  expect(description.typedSearchAttributes.get(OPPORTUNITY_ID)).toBe(String(id));
  expect(description.typedSearchAttributes.get(EVENT_TYPE)).toBe('opportunity_update');
  expect(description.typedSearchAttributes.get(BUSINESS_KEY)).toBe(`event:${eventId}`);

  const detail = await request_(`/api/events/${eventId}`).expect(200);
  expect(detail.body).toMatchObject({ id: eventId, status: 'processed', temporalUiUrl: expect.stringMatching(new RegExp(`/namespaces/default/workflows/webhook-${eventId}/${event.runId}/history$`)) });

  // Its history replays against the current workflow code.
  const history = await temporal.workflow.getHandle(`webhook-${eventId}`).fetchHistory();
  await expect(Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, history, `webhook-${eventId}`)).resolves.toBeUndefined();
});

const request_ = (path: string) => request(app).get(path).set('Authorization', staff.auth);

test('the same delivery five times at once: one event, one workflow run, one refresh', async () => {
  const id = newId();
  const body = webhookAction(fake.upsertOpportunity({ id }), 'update');
  const responses = await Promise.all(Array.from({ length: 5 }, () => deliverWebhook(webhookUrl, body)));
  const eventIds = new Set(responses.map((r) => (r.body as { eventId: string }).eventId));
  expect(eventIds.size).toBe(1);
  const [eventId] = [...eventIds] as [string];
  expect((await settled(eventId)).status).toBe('processed');
  expect(await WebhookEvent.count({ where: { entityId: String(id) } })).toBe(1);
  expect(await WorkflowInstance.count({ where: { businessKey: `event:${eventId}` } })).toBe(1);
  expect(await AuditLog.count({ where: { entityType: 'opportunity', entityId: String(id), action: 'opportunity.refresh' } })).toBe(1);
});

test('opportunity_destroy, or a 404 from Current RMS, marks the opportunity deleted', async () => {
  const destroyed = newId();
  expect((await settled(await send(destroyed))).status).toBe('processed');
  fake.deleteOpportunity(destroyed);
  const destroyEvent = await settled(await send(destroyed, 'destroy'));
  expect(destroyEvent.statusHistory.at(-1)).toMatchObject({ status: 'processed', outcome: 'deleted' });
  expect((await Opportunity.findByPk(destroyed))!.deletedAt).toBeInstanceOf(Date);
  expect((await AugmentedOpportunity.findByPk(destroyed))!.workflowStatus).toBe('deleted');

  const vanished = newId();
  expect((await settled(await send(vanished))).status).toBe('processed');
  const lastPayload = fake.opportunity(vanished)!;
  fake.deleteOpportunity(vanished);
  const { body } = await deliverWebhook(webhookUrl, webhookAction(lastPayload, 'update'));
  const event = await settled((body as { eventId: string }).eventId);
  expect(event.statusHistory.at(-1)).toMatchObject({ status: 'processed', outcome: 'deleted' });
  expect((await Opportunity.findByPk(vanished))!.deletedAt).toBeInstanceOf(Date);
});

test('an older snapshot never overwrites a newer one', async () => {
  const id = newId();
  expect((await settled(await send(id))).status).toBe('processed');
  const future = new Date(Date.now() + 86_400_000);
  await Opportunity.update({ subject: 'newer than Current RMS', sourceUpdatedAt: future }, { where: { id } });
  const event = await settled(await send(id));
  expect(event.statusHistory.at(-1)).toMatchObject({ status: 'processed', outcome: 'stale' });
  expect(await Opportunity.findByPk(id)).toMatchObject({ subject: 'newer than Current RMS', sourceUpdatedAt: future });
});

test('Current RMS 429 with Retry-After is waited out and retried; 401 fails at once with a clear reason', async () => {
  const throttled = newId();
  fake.upsertOpportunity({ id: throttled });
  fake.injectFault({ status: 429, retryAfterSeconds: 2, pathPattern: new RegExp(`/opportunities/${throttled}$`) });
  const started = Date.now();
  const event = await settled(await send(throttled));
  expect(event.status).toBe('processed');
  expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
  expect(fake.requests.filter((r) => r.path === `/api/v1/opportunities/${throttled}`).map((r) => r.status)).toEqual([429, 200]);

  const refused = newId();
  fake.upsertOpportunity({ id: refused });
  fake.injectFault({ status: 401, pathPattern: new RegExp(`/opportunities/${refused}$`) });
  const failed = await settled(await send(refused));
  expect(failed.status).toBe('failed');
  expect(failed.lastError).toMatch(/Current RMS .* answered 401.*check CURRENT_RMS_SUBDOMAIN and CURRENT_RMS_API_TOKEN/);
  expect(fake.requests.filter((r) => r.path === `/api/v1/opportunities/${refused}`)).toHaveLength(1); // not retried
  await expect(temporal.workflow.getHandle(failed.workflowId!).result()).rejects.toThrow();
  expect(await WorkflowInstance.findOne({ where: { workflowId: failed.workflowId! } })).toMatchObject({ status: 'failed', currentStep: 'refreshing-opportunity', error: expect.stringMatching(/answered 401/) });

  // Once the cause is fixed (the fault was one-off), a bulk replay of failed events processes it.
  const bulk = await request(app).post('/api/replay').set('Authorization', staff.auth).send({ filter: { status: 'failed', entityId: String(refused) } }).expect(202);
  expect(bulk.body).toMatchObject({ count: 1, matched: 1, replays: [{ eventId: failed.id, replay: 1, workflowId: `webhook-${failed.id}-replay-1` }], skipped: [] });
  const replayed = await settled(failed.id);
  expect(replayed).toMatchObject({ status: 'processed', workflowId: `webhook-${failed.id}-replay-1`, attempts: 2, lastError: null });
});

test('replay re-runs a finished event as a new, audited run; unknown → 404; in flight → 409; abandoned → replayable', async () => {
  const id = newId();
  const eventId = await send(id);
  const first = await settled(eventId);
  fake.upsertOpportunity({ id, subject: 'Renamed in Current RMS' });

  const replay = await request(app).post('/api/replay').set('Authorization', staff.auth).send({ eventId }).expect(202);
  expect(replay.body).toEqual({ eventId, replay: 1, workflowId: `webhook-${eventId}-replay-1`, status: 'received' });
  const replayed = await eventually(async () => {
    const event = await WebhookEvent.findByPk(eventId);
    return event?.status === 'processed' && event.workflowId === `webhook-${eventId}-replay-1` ? event : undefined;
  });
  expect(replayed.runId).not.toBe(first.runId);
  expect(replayed.replayCount).toBe(1);
  expect((await Opportunity.findByPk(id))!.subject).toBe('Renamed in Current RMS');
  const audit = await AuditLog.findOne({ where: { entityType: 'event', entityId: eventId, action: 'event.replay' } });
  expect(audit).toMatchObject({ actorType: 'user', actorId: staff.id, after: { replay: 1, workflowId: `webhook-${eventId}-replay-1` } });

  expectErrorEnvelope((await request(app).post('/api/replay').set('Authorization', staff.auth).send({ eventId: '00000000-0000-4000-8000-000000000000' }).expect(404)).body, 'not_found');
  expectErrorEnvelope((await request(app).post('/api/replay').set('Authorization', staff.auth).send({ eventId: 'not-a-uuid' }).expect(400)).body, 'validation_failed');

  fake.setLatency(1_500);
  try {
    const slow = await send(newId());
    await eventually(async () => ((await WebhookEvent.findByPk(slow))?.status === 'processing' ? true : undefined));
    const busy = await request(app).post('/api/replay').set('Authorization', staff.auth).send({ eventId: slow }).expect(409);
    expectErrorEnvelope(busy.body, 'conflict');

    // A run that closes without finishing its event (here: terminated) leaves it `processing`; that one may be replayed.
    await temporal.workflow.getHandle(`webhook-${slow}`).terminate('test: abandon the event');
    expect((await WebhookEvent.findByPk(slow))!.status).toBe('processing');
    fake.setLatency(0);
    await request(app).post('/api/replay').set('Authorization', staff.auth).send({ eventId: slow }).expect(202);
    const recovered = await eventually(async () => {
      const event = await WebhookEvent.findByPk(slow);
      return event?.status === 'processed' && event.workflowId === `webhook-${slow}-replay-1` ? event : undefined;
    });
    expect(recovered.replayCount).toBe(1);
  } finally {
    fake.setLatency(0);
  }
});

test('sales engineers may not list events or replay them', async () => {
  const salesEngineer = await signedIn(app, sequelize, 'sales_engineer');
  await request(app).get('/api/events').set('Authorization', salesEngineer.auth).expect(403);
  await request(app).post('/api/replay').set('Authorization', salesEngineer.auth).send({ filter: {} }).expect(403);
});
