// The read APIs over real PostgreSQL: events, opportunities, reconciliation and audit, on rows inserted directly.
import { randomInt, randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type { Client } from '@temporalio/client';
import { Op, type CreationAttributes, type Sequelize } from 'sequelize';
import request from 'supertest';
import { createApp } from '../../api/app';
import { encodeCursor } from '../../api/pagination';
import { AUGMENTATION_FORMULA_VERSION } from '../../domain/augmentation';
import { CURRENT_RMS_SOURCE } from '../../domain/webhook-events';
import { auditedWrite, type Actor } from '../../lib/audit';
import { AugmentedOpportunity, ExternalIntegration, Opportunity, WebhookEvent } from '../../models';
import { expectErrorEnvelope, signedIn } from '../support/http';
import { openTestDatabase, openTestTemporalClient, testConfig, testLogger } from '../support/env';
import { insertOpportunity as insertTestOpportunity } from '../support/seed';

let sequelize: Sequelize;
let temporal: Client;
let app: RequestListener;
let admin: { auth: string; id: string };
let staff: { auth: string; id: string };
let salesEngineer: { auth: string; id: string };

// Opportunity ids come from a block of small ids nobody else uses, so ours sort first in lists ordered by id.
const ID_BLOCK = 200;
let idBase = 0;
let idsUsed = 0;
const newOpportunityId = () => {
  if (idsUsed === ID_BLOCK) throw new Error('read-apis test: opportunity id block exhausted');
  idsUsed += 1;
  return idBase + idsUsed;
};

beforeAll(async () => {
  sequelize = openTestDatabase();
  temporal = openTestTemporalClient();
  app = createApp({ config: testConfig(), sequelize, temporal, logger: testLogger, version: 'test' });
  do {
    idBase = randomInt(1, 5_000) * ID_BLOCK;
  } while ((await Opportunity.count({ where: { id: { [Op.gt]: idBase, [Op.lte]: idBase + ID_BLOCK } } })) > 0);
  [admin, staff, salesEngineer] = await Promise.all([signedIn(app, sequelize, 'admin'), signedIn(app, sequelize, 'integrations'), signedIn(app, sequelize, 'sales_engineer')]);
});
afterAll(async () => {
  await temporal.connection.close();
  await sequelize.close();
});

const get = (path: string, user: { auth: string } = staff) => request(app).get(path).set('Authorization', user.auth);
const qs = (query: Record<string, string | number>) => new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
const at = (base: Date, seconds: number) => new Date(base.getTime() + seconds * 1000);

// ---------------------------------------------------------------------------------------------------------------
// Fixtures, written straight to the tables

async function insertEvent(fields: Partial<CreationAttributes<WebhookEvent>> = {}): Promise<WebhookEvent> {
  const actionId = String(randomInt(1, 2 ** 31));
  const payload = { action: { id: Number(actionId), subject_id: Number(fields.entityId) || 1, subject_type: 'Opportunity', action_type: 'update' } };
  return WebhookEvent.create({
    source: CURRENT_RMS_SOURCE,
    eventType: 'opportunity_update',
    entityType: 'Opportunity',
    entityId: null,
    actionId,
    dedupeKey: `read-apis:${randomUUID()}`,
    payload,
    rawBody: JSON.stringify(payload, null, 2),
    headers: { 'content-type': 'application/json', 'user-agent': 'CurrentRMS-Webhooks/1.0' },
    status: 'processed',
    lastError: null,
    workflowId: null,
    runId: null,
    dispatchedAt: null,
    processedAt: null,
    ...fields,
  });
}

const insertOpportunity = (fields: Partial<CreationAttributes<Opportunity>> = {}) => {
  const id = fields.id ?? newOpportunityId();
  return insertTestOpportunity({ id, subject: `Read APIs opportunity ${id}`, ...fields });
};

async function augment(opportunityId: number, fields: Partial<CreationAttributes<AugmentedOpportunity>> = {}) {
  const opportunity = await Opportunity.findByPk(opportunityId);
  return AugmentedOpportunity.create({
    opportunityId,
    workflowStatus: 'quoted',
    riskLevel: 'low',
    riskScore: 0,
    riskNotes: [],
    financialHealthScore: 60,
    customCalculations: { durationDays: null, daysUntilStart: null, chargeExcludingTax: 0, taxTotal: 0, effectiveTaxRate: null, dailyRevenue: null },
    formulaVersion: AUGMENTATION_FORMULA_VERSION,
    sourceUpdatedAt: opportunity!.sourceUpdatedAt,
    computedAt: new Date(),
    ...fields,
  });
}

const link = (opportunityId: number, system: ExternalIntegration['system'], fields: Partial<CreationAttributes<ExternalIntegration>> = {}) =>
  ExternalIntegration.create({ opportunityId, system, uid: `${system}-${opportunityId}-${randomUUID()}`, externalId: null, lastSyncedAt: null, lastError: null, payloadHash: null, ...fields });

// ---------------------------------------------------------------------------------------------------------------

describe('events API', () => {
  const entityId = `read-apis-${randomUUID()}`;
  const uniqueType = `read_apis_${randomUUID().replaceAll('-', '_')}`;
  const t0 = new Date(Date.now() - 10 * 60_000);
  let events: Record<'old' | 'e1' | 'e2' | 'e3' | 'e4' | 'e5' | 'e5twin', WebhookEvent>;
  /** Our events as the API must order them: newest first, ties broken by id descending. */
  let newestFirst: string[];

  beforeAll(async () => {
    events = {
      old: await insertEvent({ entityId, receivedAt: at(t0, -86_400) }),
      e1: await insertEvent({ entityId, receivedAt: at(t0, 1) }),
      e2: await insertEvent({ entityId, receivedAt: at(t0, 2), status: 'failed', lastError: 'Current RMS answered 500' }),
      e3: await insertEvent({ entityId, receivedAt: at(t0, 3), eventType: 'opportunity_create' }),
      e4: await insertEvent({ entityId, receivedAt: at(t0, 4), eventType: uniqueType, entityType: 'Member', status: 'ignored' }),
      e5: await insertEvent({ entityId, receivedAt: at(t0, 5) }),
      e5twin: await insertEvent({ entityId, receivedAt: at(t0, 5), status: 'dispatched', workflowId: 'webhook-twin', runId: randomUUID() }),
    };
    const sorted = Object.values(events).sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || (a.id < b.id ? 1 : -1));
    newestFirst = sorted.map((event) => event.id);
  });

  const listIds = async (query: Record<string, string | number>) => {
    const res = await get(`/api/events?${qs({ limit: 200, ...query })}`).expect(200);
    expect(res.body.nextCursor).toBeNull();
    return (res.body.items as { id: string }[]).map((item) => item.id);
  };
  const ours = (...names: (keyof typeof events)[]) => newestFirst.filter((id) => names.some((name) => events[name].id === id));

  test('entityId alone returns exactly our events, newest first with ties broken by id', async () => {
    expect(await listIds({ entityId })).toEqual(newestFirst);
    expect(newestFirst.slice(0, 2).sort()).toEqual([events.e5.id, events.e5twin.id].sort());
  });

  test('status, eventType and since narrow the list to exactly the matching events', async () => {
    expect(await listIds({ entityId, status: 'processed' })).toEqual(ours('old', 'e1', 'e3', 'e5'));
    expect(await listIds({ entityId, status: 'failed' })).toEqual(ours('e2'));
    expect(await listIds({ entityId, status: 'received' })).toEqual([]);
    expect(await listIds({ entityId, eventType: 'opportunity_update' })).toEqual(ours('old', 'e1', 'e2', 'e5', 'e5twin'));
    expect(await listIds({ entityId, eventType: 'opportunity_create' })).toEqual(ours('e3'));
    // since is inclusive, and any offset naming the same instant works.
    expect(await listIds({ entityId, since: at(t0, 3).toISOString() })).toEqual(ours('e3', 'e4', 'e5', 'e5twin'));
    const sameInstantInParis = at(t0, 3 + 2 * 3600).toISOString().replace('Z', '+02:00');
    expect(await listIds({ entityId, since: sameInstantInParis })).toEqual(ours('e3', 'e4', 'e5', 'e5twin'));
    expect(await listIds({ entityId, since: at(t0, 3).toISOString(), status: 'processed', eventType: 'opportunity_update' })).toEqual(ours('e5'));
    // Without entityId: a type nobody else uses gives exactly ours; a status gives only matching events, ours among them.
    expect(await listIds({ eventType: uniqueType })).toEqual([events.e4.id]);
    let found = false;
    let cursor: string | null = null;
    do {
      const page: request.Response = await get(`/api/events?${qs({ status: 'ignored', since: t0.toISOString(), limit: 200, ...(cursor ? { cursor } : {}) })}`).expect(200);
      expect(page.body.items.filter((item: { status: string }) => item.status !== 'ignored')).toEqual([]);
      found ||= page.body.items.some((item: { id: string }) => item.id === events.e4.id);
      cursor = page.body.nextCursor;
    } while (!found && cursor !== null);
    expect(found).toBe(true);
  });

  test('cursor paging with limit=2 walks every event exactly once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: request.Response = await get(`/api/events?${qs({ entityId, limit: 2, ...(cursor ? { cursor } : {}) })}`).expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual(newestFirst);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(newestFirst.length / 2));
  });

  test('the list gives summaries only: no payload, raw body, headers or status history', async () => {
    const res = await get(`/api/events?${qs({ entityId, limit: 1 })}`).expect(200);
    expect(res.body.items).toHaveLength(1);
    expect(Object.keys(res.body.items[0]).sort()).toEqual(
      ['id', 'source', 'eventType', 'entityType', 'entityId', 'actionId', 'status', 'attempts', 'replayCount', 'lastError', 'workflowId', 'runId', 'receivedAt', 'dispatchedAt', 'processedAt'].sort(),
    );
    expect(res.body.nextCursor).toEqual(expect.any(String));
  });

  test('bad limits, unknown parameters and forged cursors are 400', async () => {
    expectErrorEnvelope((await get('/api/events?limit=201').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await get('/api/events?limit=0').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await get('/api/events?status=lost').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await get('/api/events?since=yesterday').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await get('/api/events?entity=1').expect(400)).body, 'validation_failed');
    await get(`/api/events?${qs({ entityId, limit: 200 })}`).expect(200);
    expectErrorEnvelope((await get('/api/events?cursor=not-a-cursor').expect(400)).body, 'bad_request');
    expectErrorEnvelope((await get(`/api/events?cursor=${encodeCursor(['yesterday', 'nobody'])}`).expect(400)).body, 'bad_request');
    expectErrorEnvelope((await get(`/api/events?cursor=${encodeCursor(42)}`).expect(400)).body, 'bad_request'); // an opportunities cursor
  });

  test('detail returns payload, raw body, headers, status history; a Temporal UI link only with a workflow', async () => {
    const plain = await get(`/api/events/${events.e2.id}`).expect(200);
    expect(plain.body).toEqual({
      id: events.e2.id,
      source: CURRENT_RMS_SOURCE,
      eventType: 'opportunity_update',
      entityType: 'Opportunity',
      entityId,
      actionId: events.e2.actionId,
      status: 'failed',
      attempts: 0,
      replayCount: 0,
      lastError: 'Current RMS answered 500',
      workflowId: null,
      runId: null,
      receivedAt: at(t0, 2).toISOString(),
      dispatchedAt: null,
      processedAt: null,
      payload: events.e2.payload,
      rawBody: events.e2.rawBody,
      headers: { 'content-type': 'application/json', 'user-agent': 'CurrentRMS-Webhooks/1.0' },
      statusHistory: [],
      temporalUiUrl: null,
    });
    expect(plain.body.rawBody).toContain('\n  "action"'); // verbatim, whitespace and all

    const history = [
      { status: 'received', at: at(t0, 6).toISOString() },
      { status: 'dispatched', at: at(t0, 7).toISOString(), workflowId: 'webhook-x', runId: 'run-1' },
      { status: 'processed', at: at(t0, 8).toISOString() },
    ];
    const workflowId = `webhook-${randomUUID()}`;
    const runId = randomUUID();
    const run = await insertEvent({ entityId, workflowId, runId, statusHistory: history as WebhookEvent['statusHistory'], dispatchedAt: at(t0, 7), processedAt: at(t0, 8), attempts: 1 });
    const linked = await get(`/api/events/${run.id}`).expect(200);
    expect(linked.body).toMatchObject({ workflowId, runId, statusHistory: history, attempts: 1, dispatchedAt: at(t0, 7).toISOString(), processedAt: at(t0, 8).toISOString() });
    expect(linked.body.temporalUiUrl).toMatch(/^https?:\/\//);
    expect(linked.body.temporalUiUrl.endsWith(`/namespaces/default/workflows/${workflowId}/${runId}/history`)).toBe(true);

    const noRun = await insertEvent({ entityId, workflowId, status: 'failed' });
    const query = (await get(`/api/events/${noRun.id}`).expect(200)).body.temporalUiUrl as string;
    expect(query.endsWith(`/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`)).toBe(true);
  });

  test('detail: unknown id → 404, not a uuid → 400', async () => {
    expectErrorEnvelope((await get(`/api/events/${randomUUID()}`).expect(404)).body, 'not_found');
    expectErrorEnvelope((await get('/api/events/12345').expect(400)).body, 'validation_failed');
  });

  test('only staff: sales engineers get 403, anonymous callers 401', async () => {
    expectErrorEnvelope((await get('/api/events', salesEngineer).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await get(`/api/events/${events.e1.id}`, salesEngineer).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await request(app).get('/api/events').expect(401)).body, 'unauthorized');
    await get(`/api/events?${qs({ entityId, limit: 1 })}`, admin).expect(200);
  });

  // received_at has microseconds (DEFAULT now()) while a JS Date keeps milliseconds: the cursor must be exact.
  test('paging never skips events received within the same millisecond', async () => {
    const sameMs = `read-apis-${randomUUID()}`;
    const older = await insertEvent({ entityId: sameMs });
    const newer = await insertEvent({ entityId: sameMs });
    const setReceivedAt = (id: string, instant: string) => sequelize.query('UPDATE events SET received_at = :instant WHERE id = :id', { replacements: { id, instant } });
    await setReceivedAt(older.id, '2025-03-01T10:00:00.123400Z');
    await setReceivedAt(newer.id, '2025-03-01T10:00:00.123700Z');
    const first = await get(`/api/events?${qs({ entityId: sameMs, limit: 1 })}`).expect(200);
    expect(first.body.items.map((item: { id: string }) => item.id)).toEqual([newer.id]);
    const second = await get(`/api/events?${qs({ entityId: sameMs, limit: 1, cursor: first.body.nextCursor })}`).expect(200);
    expect(second.body.items.map((item: { id: string }) => item.id)).toEqual([older.id]);
  });
});

describe('opportunities API', () => {
  let o: Record<'active' | 'activeBare' | 'open' | 'deleted', number>;
  let mine: Set<number>;
  let maxId: number;
  const sourceUpdatedAt = new Date('2025-05-01T08:30:00.000Z');

  beforeAll(async () => {
    o = {
      active: await insertOpportunity({
        subject: 'Summer festival PA hire',
        description: 'Main stage and delay towers',
        number: 'OPP-1042',
        state: 3,
        stateName: 'Order',
        status: 20,
        statusName: 'Active',
        startsAt: new Date('2025-07-10T09:00:00.000Z'),
        endsAt: new Date('2025-07-13T18:00:00.000Z'),
        chargeTotal: '14400',
        chargeExcludingTaxTotal: '12000',
        chargeIncludingTaxTotal: '14400.5',
        taxTotal: '2400',
        memberId: 77,
        memberName: 'Festival Co',
        ownerId: 5,
        ownerName: 'Sam Owner',
        customFields: { venue: 'Field B' },
        raw: { subject: 'Summer festival PA hire', charge_total: '14400.00' },
        sourceUpdatedAt,
      }),
      activeBare: await insertOpportunity({ status: 20, statusName: 'Active' }),
      open: await insertOpportunity({ status: 0, statusName: 'Open' }),
      deleted: await insertOpportunity({ status: 20, statusName: 'Active', deletedAt: new Date() }),
    };
    await augment(o.active, {
      workflowStatus: 'confirmed',
      riskLevel: 'high',
      riskScore: 3,
      riskNotes: ['Ended 3 days ago but is not completed', 'No customer (member) on a quotation or order'],
      financialHealthScore: 71,
      customCalculations: { durationDays: 3.38, daysUntilStart: 12, chargeExcludingTax: 12000, taxTotal: 2400, effectiveTaxRate: 0.2, dailyRevenue: 3550.3 },
      computedAt: new Date('2025-05-01T08:31:00.000Z'),
    });
    await augment(o.open, { riskLevel: 'low' });
    await augment(o.deleted, { riskLevel: 'high', workflowStatus: 'deleted' });
    mine = new Set(Object.values(o));
    maxId = Math.max(...mine);
  });

  /** Our opportunities in a filtered list, walking pages from the start until past our highest id. */
  async function listOurs(query: Record<string, string | number>, pageSize = 200) {
    const items: { id: number; riskLevel: string | null; status: number | null; deletedAt: string | null }[] = [];
    let cursor: string | null = null;
    let lastId = 0;
    do {
      const page: request.Response = await get(`/api/opportunities?${qs({ ...query, limit: pageSize, ...(cursor ? { cursor } : {}) })}`).expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(pageSize);
      for (const item of page.body.items as (typeof items)[number][]) {
        expect(item.id).toBeGreaterThan(lastId); // ascending, never repeated
        lastId = item.id;
        if (mine.has(item.id)) items.push(item);
      }
      cursor = page.body.nextCursor;
    } while (cursor !== null && lastId <= maxId);
    return items;
  }
  const ids = async (query: Record<string, string | number>) => (await listOurs(query)).map((item) => item.id);

  test('a status filter takes the code or the name in any case; deleted ones only with includeDeleted=true', async () => {
    expect(await ids({ status: 20 })).toEqual([o.active, o.activeBare]);
    expect(await ids({ status: 'active' })).toEqual([o.active, o.activeBare]);
    expect(await ids({ status: 'ACTIVE' })).toEqual([o.active, o.activeBare]);
    expect(await ids({ status: 0 })).toEqual([o.open]);
    expect(await ids({ status: 'open' })).toEqual([o.open]);
    expect(await ids({ status: 'activ' })).toEqual([]);
    expect(await ids({ status: 20, includeDeleted: 'true' })).toEqual([o.active, o.activeBare, o.deleted]);
    expect(await ids({ status: 'Active', includeDeleted: 'true' })).toEqual([o.active, o.activeBare, o.deleted]);
  });

  test('without filters: every live opportunity; includeDeleted=true adds the deleted one', async () => {
    expect(await ids({})).toEqual([o.active, o.activeBare, o.open]);
    expect(await ids({ includeDeleted: 'false' })).toEqual([o.active, o.activeBare, o.open]);
    const all = await listOurs({ includeDeleted: 'true' });
    expect(all.map((item) => item.id)).toEqual([o.active, o.activeBare, o.open, o.deleted]);
    expect(all.find((item) => item.id === o.deleted)!.deletedAt).toEqual(expect.any(String));
  });

  test('riskLevel filters on the augmentation (unaugmented ones never match) and combines with status', async () => {
    const high = await listOurs({ riskLevel: 'high' });
    expect(high.map((item) => item.id)).toEqual([o.active]);
    expect(high[0]!.riskLevel).toBe('high');
    expect(await ids({ riskLevel: 'high', includeDeleted: 'true' })).toEqual([o.active, o.deleted]);
    expect(await ids({ riskLevel: 'low' })).toEqual([o.open]);
    expect(await ids({ riskLevel: 'critical' })).toEqual([]);
    expect(await ids({ riskLevel: 'low', status: 20 })).toEqual([]);
    expect(await ids({ riskLevel: 'high', status: 'active' })).toEqual([o.active]);
    // Without the filter, an unaugmented opportunity is listed with riskLevel null.
    expect((await listOurs({})).find((item) => item.id === o.activeBare)!.riskLevel).toBeNull();
  });

  test('cursor paging by id with limit=2 walks our opportunities exactly once, ascending', async () => {
    expect(await listOurs({ includeDeleted: 'true' }, 2)).toEqual(await listOurs({ includeDeleted: 'true' }, 200));
    expect((await listOurs({ includeDeleted: 'true' }, 2)).map((item) => item.id)).toEqual([o.active, o.activeBare, o.open, o.deleted]);
    // A cursor positioned just before our first one starts the page there.
    const page = await get(`/api/opportunities?${qs({ includeDeleted: 'true', limit: 2, cursor: encodeCursor(o.active - 1) })}`).expect(200);
    expect(page.body.items.map((item: { id: number }) => item.id)).toEqual([o.active, o.activeBare]);
    const next = await get(`/api/opportunities?${qs({ includeDeleted: 'true', limit: 2, cursor: page.body.nextCursor })}`).expect(200);
    expect(next.body.items.map((item: { id: number }) => item.id).slice(0, 2)).toEqual([o.open, o.deleted]);
  });

  test('bad filters and forged cursors are 400', async () => {
    expectErrorEnvelope((await get('/api/opportunities?riskLevel=severe').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await get('/api/opportunities?includeDeleted=yes').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await get('/api/opportunities?limit=201').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await get('/api/opportunities?cursor=garbage').expect(400)).body, 'bad_request');
    expectErrorEnvelope((await get(`/api/opportunities?cursor=${encodeCursor(0)}`).expect(400)).body, 'bad_request');
    expectErrorEnvelope((await get(`/api/opportunities?cursor=${encodeCursor([new Date().toISOString(), randomUUID()])}`).expect(400)).body, 'bad_request');
  });

  test('detail: snapshot with money as strings, augmentation, integrations and recent events of that opportunity', async () => {
    const events = [
      await insertEvent({ entityId: String(o.active), receivedAt: new Date('2025-05-01T08:00:00.000Z'), eventType: 'opportunity_create' }),
      await insertEvent({ entityId: String(o.active), receivedAt: new Date('2025-05-01T08:30:00.000Z') }),
      await insertEvent({ entityId: String(o.active), receivedAt: new Date('2025-05-01T09:00:00.000Z'), status: 'failed', lastError: 'boom' }),
    ];
    await insertEvent({ entityId: String(o.active), entityType: 'Member', eventType: 'member_update', status: 'ignored' }); // same id, not an opportunity
    await insertEvent({ entityId: String(o.activeBare) });
    const synced = await link(o.active, 'salesforce', { externalId: '006XYZ', status: 'synced', lastSyncedAt: new Date('2025-05-01T08:40:00.000Z'), attempts: 1 });
    const failed = await link(o.active, 'xero', { status: 'failed', lastError: 'Xero answered 401', attempts: 3 });

    const res = await get(`/api/opportunities/${o.active}`).expect(200);
    expect(res.body.opportunity).toEqual({
      id: o.active,
      subject: 'Summer festival PA hire',
      number: 'OPP-1042',
      state: 3,
      stateName: 'Order',
      status: 20,
      statusName: 'Active',
      startsAt: '2025-07-10T09:00:00.000Z',
      endsAt: '2025-07-13T18:00:00.000Z',
      chargeTotal: '14400.00',
      chargeExcludingTaxTotal: '12000.00',
      chargeIncludingTaxTotal: '14400.50',
      taxTotal: '2400.00',
      member: { id: 77, name: 'Festival Co' },
      owner: { id: 5, name: 'Sam Owner' },
      riskLevel: 'high',
      sourceUpdatedAt: sourceUpdatedAt.toISOString(),
      deletedAt: null,
      updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      description: 'Main stage and delay towers',
      customFields: { venue: 'Field B' },
      raw: { subject: 'Summer festival PA hire', charge_total: '14400.00' },
    });
    expect(res.body.augmentation).toEqual({
      workflowStatus: 'confirmed',
      riskLevel: 'high',
      riskScore: 3,
      riskNotes: ['Ended 3 days ago but is not completed', 'No customer (member) on a quotation or order'],
      financialHealthScore: 71,
      customCalculations: { durationDays: 3.38, daysUntilStart: 12, chargeExcludingTax: 12000, taxTotal: 2400, effectiveTaxRate: 0.2, dailyRevenue: 3550.3 },
      formulaVersion: AUGMENTATION_FORMULA_VERSION,
      computedAt: '2025-05-01T08:31:00.000Z',
    });
    const bySystem = [...res.body.integrations].sort((a: { system: string }, b: { system: string }) => a.system.localeCompare(b.system));
    expect(bySystem).toEqual([
      { system: 'salesforce', uid: synced.uid, externalId: '006XYZ', status: 'synced', lastSyncedAt: '2025-05-01T08:40:00.000Z', lastError: null, attempts: 1, updatedAt: synced.updatedAt.toISOString() },
      { system: 'xero', uid: failed.uid, externalId: null, status: 'failed', lastSyncedAt: null, lastError: 'Xero answered 401', attempts: 3, updatedAt: failed.updatedAt.toISOString() },
    ]);
    expect(res.body.recentEvents.map((event: { id: string }) => event.id)).toEqual([events[2]!.id, events[1]!.id, events[0]!.id]);
    expect(res.body.recentEvents[0]).toMatchObject({ entityType: 'Opportunity', entityId: String(o.active), status: 'failed', lastError: 'boom' });
    expect(res.body.recentEvents[0]).not.toHaveProperty('payload');
    expect(res.body.recentEvents[0]).not.toHaveProperty('rawBody');
  });

  test('detail without augmentation, links or parties; recent events capped at the 20 newest', async () => {
    const id = await insertOpportunity({ status: 1, statusName: 'Provisional' });
    const bare = await get(`/api/opportunities/${id}`).expect(200);
    expect(bare.body).toMatchObject({ augmentation: null, integrations: [], recentEvents: [], opportunity: { id, member: null, owner: null, riskLevel: null, chargeTotal: '0.00', description: null, customFields: {} } });

    const base = new Date('2025-02-01T00:00:00.000Z');
    const received = await WebhookEvent.bulkCreate(
      Array.from({ length: 22 }, (_, i) => {
        const payload = { action: { id: i, subject_id: id } };
        return { source: CURRENT_RMS_SOURCE, eventType: 'opportunity_update', entityType: 'Opportunity', entityId: String(id), actionId: null, dedupeKey: `read-apis:${randomUUID()}`, payload, rawBody: JSON.stringify(payload), headers: {}, status: 'processed' as const, lastError: null, workflowId: null, runId: null, dispatchedAt: null, processedAt: null, receivedAt: at(base, i) };
      }),
    );
    const res = await get(`/api/opportunities/${id}`).expect(200);
    expect(res.body.recentEvents.map((event: { id: string }) => event.id)).toEqual(received.slice(2).reverse().map((event) => event.id));
  });

  test('a deleted opportunity is still shown in detail, with deletedAt', async () => {
    const res = await get(`/api/opportunities/${o.deleted}`).expect(200);
    expect(res.body.opportunity).toMatchObject({ id: o.deleted, deletedAt: expect.any(String) });
    expect(res.body.augmentation).toMatchObject({ workflowStatus: 'deleted' });
  });

  test('detail: unknown id → 404; abc, 0, -1 or a number not written as plain digits (0x10, 1e1, 16.0, " 16") → 400; sales engineers → 403', async () => {
    const unknown = newOpportunityId(); // reserved from our block, never inserted
    expectErrorEnvelope((await get(`/api/opportunities/${unknown}`).expect(404)).body, 'not_found');
    for (const id of ['abc', '0', '-1', '0x10', '1e1', '16.0', '%2016', '1234567890123456']) {
      expectErrorEnvelope((await get(`/api/opportunities/${id}`).expect(400)).body, 'validation_failed');
    }
    expectErrorEnvelope((await get(`/api/opportunities/${o.active}`, salesEngineer).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await get('/api/opportunities', salesEngineer).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await request(app).get('/api/opportunities').expect(401)).body, 'unauthorized');
    await get(`/api/opportunities/${o.active}`, admin).expect(200);
  });
});

describe('reconciliation API', () => {
  let r: Record<'missing' | 'snapshotChanged' | 'formulaChanged' | 'deleted' | 'upToDate' | 'hasXero', number>;
  let s: Record<'failed' | 'neverSynced' | 'changed' | 'fresh', number>;
  const changedAt = new Date(Date.now() - 60 * 60_000);

  beforeAll(async () => {
    r = {
      missing: await insertOpportunity(),
      snapshotChanged: await insertOpportunity({ sourceUpdatedAt: new Date('2025-06-02T00:00:00.000Z') }),
      formulaChanged: await insertOpportunity(),
      deleted: await insertOpportunity({ deletedAt: new Date() }),
      upToDate: await insertOpportunity(),
      hasXero: await insertOpportunity(),
    };
    await augment(r.snapshotChanged, { sourceUpdatedAt: new Date('2025-06-01T00:00:00.000Z') });
    await augment(r.formulaChanged, { formulaVersion: '0' });
    await augment(r.upToDate);
    await augment(r.hasXero);
    await link(r.hasXero, 'xero', { status: 'synced', lastSyncedAt: new Date() });

    s = { failed: await insertOpportunity(), neverSynced: await insertOpportunity(), changed: await insertOpportunity(), fresh: await insertOpportunity() };
    // Only a change in Current RMS counts; our own later writes (updated_at = now()) do not.
    await sequelize.query('UPDATE opportunities SET source_updated_at = :changedAt, updated_at = now() WHERE id IN (:ids)', { replacements: { changedAt, ids: Object.values(s) } });
    await link(s.failed, 'monday', { status: 'failed', lastSyncedAt: new Date(), lastError: 'monday.com answered 500', attempts: 5 });
    await link(s.failed, 'xero', { status: 'failed', lastError: 'Xero answered 401' });
    await link(s.neverSynced, 'monday', { status: 'pending' });
    await link(s.changed, 'monday', { status: 'synced', externalId: 'item-1', lastSyncedAt: at(changedAt, -3600), syncedSourceUpdatedAt: at(changedAt, -7200) });
    await link(s.fresh, 'monday', { status: 'synced', externalId: 'item-2', lastSyncedAt: at(changedAt, 1800), syncedSourceUpdatedAt: changedAt });
    await link(s.fresh, 'salesforce', { status: 'synced', lastSyncedAt: at(changedAt, -60), syncedSourceUpdatedAt: at(changedAt, -120) }); // stale, but another system
  });

  type Item = { opportunityId: number; reason?: string; system?: string };
  type List = { total: number; items: Item[] };
  type Report = { generatedAt: string; unaugmented: List; missingIntegration: List; staleIntegrations: List };
  const report = async (query: Record<string, string | number>, user = staff) => (await get(`/api/reconciliation?${qs({ limit: 200, ...query })}`, user).expect(200)).body as Report;
  /** A list's sort order as one comparable string: opportunity, then system. */
  const key = (item: Item) => `${String(item.opportunityId).padStart(16, '0')}/${item.system ?? ''}`;
  /** Items of ours, after checking the list was not cut off before our highest id (so absence means "not listed"). */
  function ours(list: List, ids: number[]): Item[] {
    const last = list.items.at(-1)?.opportunityId ?? 0;
    expect(list.total === list.items.length || last > Math.max(...ids)).toBe(true);
    return list.items.filter((item) => ids.includes(item.opportunityId));
  }

  test('unaugmented: missing, snapshot changed and formula changed, but not deleted or up-to-date ones', async () => {
    const body = await report({ type: 'unaugmented' });
    expect(Object.keys(body).sort()).toEqual(['generatedAt', 'unaugmented']);
    const items = ours(body.unaugmented, Object.values(r));
    expect(items).toEqual([
      { opportunityId: r.missing, subject: `Read APIs opportunity ${r.missing}`, reason: 'missing' },
      { opportunityId: r.snapshotChanged, subject: `Read APIs opportunity ${r.snapshotChanged}`, reason: 'snapshot_changed' },
      { opportunityId: r.formulaChanged, subject: `Read APIs opportunity ${r.formulaChanged}`, reason: 'formula_changed' },
    ]);
    expect(body.unaugmented.total).toBeGreaterThanOrEqual(3);
  });

  test('missing-integration for one system lists opportunities without that link only', async () => {
    const body = await report({ type: 'missing-integration', system: 'xero' });
    expect(Object.keys(body).sort()).toEqual(['generatedAt', 'missingIntegration']);
    const items = ours(body.missingIntegration, Object.values(r));
    expect(items).toEqual([r.missing, r.snapshotChanged, r.formulaChanged, r.upToDate].map((id) => ({ opportunityId: id, subject: `Read APIs opportunity ${id}`, system: 'xero' })));
  });

  test('missing-integration without a system lists one row per missing system', async () => {
    const body = await report({ type: 'missing-integration' });
    const pairs = (id: number) => ours(body.missingIntegration, Object.values(r)).filter((item) => item.opportunityId === id).map((item) => item.system);
    expect(pairs(r.hasXero)).toEqual(['monday', 'salesforce']);
    expect(pairs(r.missing)).toEqual(['monday', 'salesforce', 'xero']);
    expect(pairs(r.deleted)).toEqual([]);
  });

  test('stale-integrations for monday: failed, never synced, changed since sync; not fresh links or other systems', async () => {
    const body = await report({ type: 'stale-integrations', system: 'monday' });
    expect(Object.keys(body).sort()).toEqual(['generatedAt', 'staleIntegrations']);
    const items = ours(body.staleIntegrations, Object.values(s));
    expect(items.map((item) => [item.opportunityId, item.system, item.reason])).toEqual([
      [s.failed, 'monday', 'failed'],
      [s.neverSynced, 'monday', 'never_synced'],
      [s.changed, 'monday', 'changed_since_sync'],
    ]);
    expect(items[0]).toMatchObject({ status: 'failed', lastError: 'monday.com answered 500', uid: expect.stringMatching(/^monday-/) });
    expect(items[2]).toMatchObject({ status: 'synced', externalId: 'item-1', lastSyncedAt: at(changedAt, -3600).toISOString(), opportunityChangedAt: changedAt.toISOString() });
    expect(body.staleIntegrations.items.every((item: Item) => item.system === 'monday')).toBe(true);

    const everySystem = ours((await report({ type: 'stale-integrations' })).staleIntegrations, Object.values(s));
    expect(everySystem.map((item) => [item.opportunityId, item.system, item.reason])).toEqual([
      [s.failed, 'monday', 'failed'],
      [s.failed, 'xero', 'failed'],
      [s.neverSynced, 'monday', 'never_synced'],
      [s.changed, 'monday', 'changed_since_sync'],
      [s.fresh, 'salesforce', 'changed_since_sync'],
    ]);
  });

  test('type=all (the default) returns the three lists; limit caps items while total counts them all', async () => {
    for (const query of [{ type: 'all' }, {}] as Record<string, string>[]) {
      const body = await report(query);
      expect(Object.keys(body).sort()).toEqual(['generatedAt', 'missingIntegration', 'staleIntegrations', 'unaugmented']);
      expect(ours(body.unaugmented, Object.values(r)).map((item) => item.opportunityId)).toEqual([r.missing, r.snapshotChanged, r.formulaChanged]);
      expect(ours(body.missingIntegration, Object.values(r)).filter((item) => item.opportunityId === r.hasXero)).toHaveLength(2);
      expect(ours(body.staleIntegrations, Object.values(s)).map((item) => item.opportunityId)).toEqual([s.failed, s.failed, s.neverSynced, s.changed, s.fresh]);
      expect(Date.parse(body.generatedAt)).toBeGreaterThan(Date.now() - 60_000);
    }
    const capped = await report({ type: 'unaugmented', limit: 1 });
    expect(capped.unaugmented.items).toHaveLength(1);
    expect(capped.unaugmented.total).toBeGreaterThanOrEqual(3);
  });

  test('each list pages by its nextCursor, also between the systems of one opportunity; total still counts the whole list', async () => {
    type Page = List & { nextCursor: string | null };
    const ourBlock = (item: Item) => item.opportunityId > idBase && item.opportunityId <= idBase + ID_BLOCK;
    for (const [type, field] of [['unaugmented', 'unaugmented'], ['missing-integration', 'missingIntegration'], ['stale-integrations', 'staleIntegrations']] as const) {
      const whole = (await report({ type }))[field] as Page;
      // Pages of two from just before our id block (a cursor at idBase) until past it: boundaries fall inside opportunities.
      let cursor: string | null = encodeCursor({ list: type, opportunityId: idBase });
      const walked: Item[] = [];
      while (cursor !== null && (walked.length === 0 || ourBlock(walked.at(-1)!))) {
        const page = (await report({ type, limit: 2, cursor }))[field] as Page;
        expect(page.items.length).toBeLessThanOrEqual(2);
        expect(page.total).toBe(whole.total);
        walked.push(...page.items);
        cursor = page.nextCursor;
      }
      const keys = walked.map(key);
      expect(keys).toEqual([...new Set(keys)].sort());
      ours(whole, [...Object.values(r), ...Object.values(s)]); // not cut off before our block
      expect(walked.filter(ourBlock).length).toBeGreaterThan(2);
      expect(walked.filter(ourBlock)).toEqual(whole.items.filter(ourBlock));
    }
    expect((await report({ type: 'stale-integrations', system: 'monday', cursor: encodeCursor({ list: 'stale-integrations', opportunityId: s.failed, system: 'monday' }), limit: 2 })).staleIntegrations.items.slice(0, 2)).toEqual([
      expect.objectContaining({ opportunityId: s.neverSynced, system: 'monday' }),
      expect.objectContaining({ opportunityId: s.changed, system: 'monday' }),
    ]);

    // Walking a whole list ends on a page whose nextCursor is null, having listed `total` items once each.
    const seen: Item[] = [];
    let next: string | null | undefined;
    do {
      const page = (await report({ type: 'unaugmented', ...(next ? { cursor: next } : {}) })).unaugmented as Page;
      seen.push(...page.items);
      next = page.nextCursor;
      if (next === null) expect(seen).toHaveLength(page.total);
    } while (next !== null && seen.length < 100_000);
    expect(new Set(seen.map(key)).size).toBe(seen.length);
  });

  test('a cursor continues its own list: without a type it picks that list; another type or a forged cursor → 400', async () => {
    const first = (await report({ type: 'missing-integration', limit: 1 })).missingIntegration as List & { nextCursor: string };
    expect(first.nextCursor).toEqual(expect.any(String));
    const continued = await report({ cursor: first.nextCursor, limit: 1 });
    expect(Object.keys(continued).sort()).toEqual(['generatedAt', 'missingIntegration']);
    expect(key(continued.missingIntegration.items[0]!) > key(first.items[0]!)).toBe(true);

    for (const type of ['all', 'unaugmented']) {
      const body = (await get(`/api/reconciliation?${qs({ type, cursor: first.nextCursor })}`).expect(400)).body;
      expectErrorEnvelope(body, 'bad_request');
      expect(body.error.message).toContain('type=missing-integration');
    }
    for (const cursor of ['bogus', encodeCursor({ list: 'unaugmented', opportunityId: -1 }), encodeCursor({ list: 'audit', opportunityId: 1 }), encodeCursor(5)]) {
      expectErrorEnvelope((await get(`/api/reconciliation?${qs({ cursor })}`).expect(400)).body, 'bad_request');
    }
  });

  test('an unknown type or system, or a limit over 200 → 400; sales engineers → 403', async () => {
    expectErrorEnvelope((await get('/api/reconciliation?type=bogus').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await get('/api/reconciliation?system=sap').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await get('/api/reconciliation?limit=201').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await get('/api/reconciliation?type=all', salesEngineer).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await request(app).get('/api/reconciliation').expect(401)).body, 'unauthorized');
    await get('/api/reconciliation?type=unaugmented&limit=1', admin).expect(200);
  });
});

describe('audit API', () => {
  const opportunityId = String(randomInt(1, 2 ** 31));
  const sharedId = `read-apis-${randomUUID()}`; // audited both as a user and as an opportunity
  const userActor = (): Actor => ({ type: 'user', userId: staff.id, requestId: randomUUID(), ip: '203.0.113.9', userAgent: 'read-apis-test/1.0' });
  const workflowActor: Actor = { type: 'workflow', workflowId: 'webhook-read-apis', runId: 'run-read-apis', activity: 'refreshOpportunity' };
  const audit = (entityType: string, entityId: string, action: string, actor: Actor, after: unknown) =>
    auditedWrite(sequelize, { idempotencyKey: randomUUID(), actor, entityType, entityId, action }, () => Promise.resolve({ result: null, before: null, after }));
  let written: string[]; // audit ids, oldest first

  beforeAll(async () => {
    written = [];
    written.push((await audit('opportunity', opportunityId, 'opportunity.refresh', workflowActor, { subject: 'v1' })).auditId);
    written.push((await audit('opportunity', opportunityId, 'opportunity.note', userActor(), { note: 'called the client' })).auditId);
    written.push((await audit('opportunity', opportunityId, 'opportunity.refresh', workflowActor, { subject: 'v2' })).auditId);
    written.push((await audit('opportunity', opportunityId, 'opportunity.purge', { type: 'system', name: 'maintenance' }, null)).auditId);
    await audit('user', sharedId, 'user.update', userActor(), { role: 'integrations' });
    await audit('opportunity', sharedId, 'opportunity.refresh', workflowActor, { subject: 'shared' });
  });

  type Entry = { id: string; entityType: string; action: string; [field: string]: unknown };
  type Page = { items: Entry[]; nextCursor: string | null };
  const entries = async (query: Record<string, string | number>, user: { auth: string } = staff) => (await get(`/api/audit?${qs(query)}`, user).expect(200)).body as Page;

  test('staff read an opportunity trail newest first, with actors, without request IP or user agent', async () => {
    const body = await entries({ entityType: 'opportunity', entityId: opportunityId });
    expect(body.nextCursor).toBeNull();
    expect(body.items.map((item) => item.id)).toEqual([...written].reverse());
    expect(body.items.map((item) => item.action)).toEqual(['opportunity.purge', 'opportunity.refresh', 'opportunity.note', 'opportunity.refresh']);
    expect(body.items[0]!.actor).toEqual({ type: 'system', id: 'maintenance', activity: null, workflowRunId: null });
    expect(body.items[1]).toEqual({
      id: written[2],
      occurredAt: expect.any(String),
      entityType: 'opportunity',
      entityId: opportunityId,
      action: 'opportunity.refresh',
      actor: { type: 'workflow', id: 'webhook-read-apis', activity: 'refreshOpportunity', workflowRunId: 'run-read-apis' },
      before: null,
      after: { subject: 'v2' },
      requestId: null,
    });
    expect(body.items[2]).toMatchObject({ actor: { type: 'user', id: staff.id, activity: null, workflowRunId: null }, requestId: expect.any(String), after: { note: 'called the client' } });
    for (const item of body.items) {
      expect(item).not.toHaveProperty('requestIp');
      expect(item).not.toHaveProperty('userAgent');
    }
    expect((await entries({ entityType: 'opportunity', entityId: opportunityId }, salesEngineer)).items).toHaveLength(4);
    expect((await entries({ entityId: opportunityId, action: 'opportunity.refresh' })).items.map((item) => item.id)).toEqual([written[2], written[0]]);
  });

  test('admins also see the request IP and user agent', async () => {
    const body = await entries({ entityType: 'opportunity', entityId: opportunityId }, admin);
    expect(body.items.map((item) => item.id)).toEqual([...written].reverse());
    expect(body.items[2]).toMatchObject({ requestIp: '203.0.113.9', userAgent: 'read-apis-test/1.0' });
    expect(body.items[1]).toMatchObject({ requestIp: null, userAgent: null });
  });

  test('user audit is for admins only: 403 for integrations and sales engineers, 200 with IP and agent for admins', async () => {
    expectErrorEnvelope((await get('/api/audit?entityType=user', staff).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await get('/api/audit?entityType=user', salesEngineer).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await get('/api/audit?entityType=refresh_token', staff).expect(403)).body, 'forbidden');
    const body = await entries({ entityType: 'user', entityId: sharedId }, admin);
    expect(body.items).toEqual([expect.objectContaining({ entityType: 'user', entityId: sharedId, action: 'user.update', requestIp: '203.0.113.9', userAgent: 'read-apis-test/1.0' })]);
    const users = await entries({ entityType: 'user', limit: 5 }, admin);
    expect(users.items.length).toBeGreaterThan(0);
    for (const item of users.items) {
      expect(item.entityType).toBe('user');
      expect(item).toHaveProperty('requestIp');
      expect(item).toHaveProperty('userAgent');
    }
  });

  test('without an entity type, non-admins only see business records', async () => {
    const forStaff = await entries({ entityId: sharedId });
    expect(forStaff.items.map((item) => item.entityType)).toEqual(['opportunity']);
    const forAdmin = await entries({ entityId: sharedId }, admin);
    expect(forAdmin.items.map((item) => item.entityType)).toEqual(['opportunity', 'user']);
    const recent = await entries({ limit: 200 });
    expect(recent.items.every((item) => ['event', 'opportunity', 'external_integration', 'workflow_instance'].includes(item.entityType))).toBe(true);
  });

  test('cursor paging with limit=2 walks the trail once; forged cursors → 400; anonymous → 401', async () => {
    const first = await entries({ entityType: 'opportunity', entityId: opportunityId, limit: 2 });
    expect(first.items.map((item) => item.id)).toEqual([written[3], written[2]]);
    const second = await entries({ entityType: 'opportunity', entityId: opportunityId, limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((item) => item.id)).toEqual([written[1], written[0]]);
    expect(second.nextCursor).toBeNull();
    expectErrorEnvelope((await get('/api/audit?cursor=forged').expect(400)).body, 'bad_request');
    expectErrorEnvelope((await get(`/api/audit?cursor=${encodeCursor(42)}`).expect(400)).body, 'bad_request');
    expectErrorEnvelope((await get('/api/audit?limit=201').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await request(app).get(`/api/audit?entityId=${opportunityId}`).expect(401)).body, 'unauthorized');
    expectErrorEnvelope((await request(app).get('/api/audit').set('Authorization', 'Bearer not-a-token').expect(401)).body, 'unauthorized');
  });
});
