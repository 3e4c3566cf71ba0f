// The integrations API over real PostgreSQL and Temporal: link listing and paging, per-opportunity view, manual syncs and retry-failed (signal-with-start, audit, 4xx/503 writing nothing).
import { randomInt, randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { defaultPayloadConverter, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Op, QueryTypes, type CreationAttributes, type Sequelize } from 'sequelize';
import request from 'supertest';
import { createApp } from '../../api/app';
import { encodeCursor } from '../../api/pagination';
import type { IntegrationSystem } from '../../domain/integration-systems';
import { SYNC_REQUESTED_SIGNAL } from '../../domain/opportunity-sync';
import { INTEGRATION_SYSTEM, OPPORTUNITY_ID } from '../../domain/search-attributes';
import { SYNC_TASK_QUEUE } from '../../domain/task-queues';
import { createTemporalClient } from '../../lib/temporal';
import { AuditLog, ExternalIntegration, type Opportunity } from '../../models';
import { openTestDatabase, openTestTemporalClient, testConfig, testLogger } from '../support/env';
import { expectErrorEnvelope, signedIn } from '../support/http';
import { insertOpportunity as insertTestOpportunity } from '../support/seed';

type User = { auth: string; id: string; email: string };

let sequelize: Sequelize;
let temporal: Client;
/** Points at a port nothing listens on: every Temporal call fails as it does while Temporal is down. */
let unreachableTemporal: Client;
let app: RequestListener;
let appWithoutTemporal: RequestListener;
let admin: User;
let staff: User;
let salesEngineer: User;
/** Every workflow the API was asked to signal-with-start, terminated at the end (no worker runs them). */
const startedWorkflows = new Set<string>();

const ENABLED: IntegrationSystem[] = ['salesforce', 'xero'];

beforeAll(async () => {
  sequelize = openTestDatabase();
  temporal = openTestTemporalClient();
  unreachableTemporal = createTemporalClient({ address: '127.0.0.1:9', namespace: 'default' });
  const config = testConfig({ SYNC_SYSTEMS: ENABLED.join(',') });
  app = createApp({ config, sequelize, temporal, logger: testLogger, version: 'test' });
  appWithoutTemporal = createApp({ config, sequelize, temporal: unreachableTemporal, logger: testLogger, version: 'test' });
  const withEmail = async (user: { auth: string; id: string }): Promise<User> => ({ ...user, email: (await request(app).get('/api/auth/me').set('Authorization', user.auth).expect(200)).body.email });
  [admin, staff, salesEngineer] = await Promise.all([
    signedIn(app, sequelize, 'admin').then(withEmail),
    signedIn(app, sequelize, 'integrations').then(withEmail),
    signedIn(app, sequelize, 'sales_engineer').then(withEmail),
  ]);
});

afterAll(async () => {
  for (const workflowId of startedWorkflows) {
    await temporal.workflow
      .getHandle(workflowId)
      .terminate('integrations-api test cleanup')
      .catch((error: unknown) => {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      });
  }
  await unreachableTemporal.connection.close();
  await temporal.connection.close();
  await sequelize.close();
});

// Ids far above the small ones the other tests use, so none of our rows is anyone else's.
const newOpportunityId = () => randomInt(2 ** 40, 2 ** 47);
const get = (path: string, user: { auth: string } = staff) => request(app).get(path).set('Authorization', user.auth);
const post = (path: string, body?: object, user: { auth: string } = staff, target: RequestListener = app) => {
  const req = request(target).post(path).set('Authorization', user.auth);
  return body === undefined ? req : req.send(body);
};
const qs = (query: Record<string, string | number>) => new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
const syncPath = (system: string, opportunityId: number | string) => `/api/integrations/${system}/opportunities/${opportunityId}/sync`;
const auditRows = (entityId: string) => AuditLog.findAll({ where: { entityType: 'external_integration', entityId }, order: [['id', 'ASC']] });

const insertOpportunity = (fields: Partial<CreationAttributes<Opportunity>> = {}) => {
  const id = newOpportunityId();
  return insertTestOpportunity({ id, subject: `Integrations API opportunity ${id}`, ...fields });
};

const link = (opportunityId: number, system: IntegrationSystem, fields: Partial<CreationAttributes<ExternalIntegration>> = {}) =>
  ExternalIntegration.create({ opportunityId, system, uid: `${system}-${opportunityId}-${randomUUID()}`, externalId: null, lastSyncedAt: null, lastError: null, payloadHash: null, ...fields });

/** Sets updated_at to the microsecond (a JS Date cannot say microseconds). */
const setUpdatedAt = (row: ExternalIntegration, instant: string) => sequelize.query('UPDATE external_integrations SET updated_at = :instant WHERE id = :id', { replacements: { id: row.id, instant } });

async function expectNoWorkflow(workflowId: string) {
  await expect(temporal.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

/** The syncRequested signals a workflow received, decoded. */
async function signalsOf(workflowId: string) {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  return history
    .events!.flatMap((event) => (event.workflowExecutionSignaledEventAttributes ? [event.workflowExecutionSignaledEventAttributes] : []))
    .map((signal) => ({ name: signal.signalName, request: defaultPayloadConverter.fromPayload(signal.input!.payloads![0]!) }));
}

async function expectSyncWorkflow(workflowId: string, system: IntegrationSystem, opportunityId: number) {
  const described = await temporal.workflow.getHandle(workflowId).describe();
  expect(described).toMatchObject({ type: 'opportunitySync', taskQueue: SYNC_TASK_QUEUE, status: { name: 'RUNNING' } });
  expect(described.typedSearchAttributes.get(OPPORTUNITY_ID)).toBe(String(opportunityId));
  expect(described.typedSearchAttributes.get(INTEGRATION_SYSTEM)).toBe(system);
  return described;
}

// ---------------------------------------------------------------------------------------------------------------

describe('GET /api/integrations', () => {
  /**
   * Our links live in a far-future window of updated_at that nothing else uses, so the list (newest change first)
   * can be walked from a cursor placed at the window's top and compared with exactly our rows.
   */
  const windowStart = new Date(Date.UTC(2400 + randomInt(0, 5000), 0, 1));
  const inWindow = (seconds: number, micros = 0) => `${new Date(windowStart.getTime() + seconds * 1000).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
  const windowTop = encodeCursor([inWindow(60), '999999999999999999']);
  let opp1: number;
  let opp2: number;
  let rows: Record<'sf1' | 'xero1' | 'monday1' | 'sf2' | 'xero2' | 'monday2', ExternalIntegration>;
  /** uids of our links in the order the API must list them. */
  let newestFirst: string[];

  beforeAll(async () => {
    [opp1, opp2] = [await insertOpportunity(), await insertOpportunity()];
    rows = {
      sf1: await link(opp1, 'salesforce', { externalId: '006Ux00000AbCdEIAX', status: 'synced', lastSyncedAt: new Date('2025-06-01T10:00:00.000Z'), attempts: 1 }),
      xero1: await link(opp1, 'xero', { status: 'failed', lastError: 'A validation exception occurred: Contact name must be unique', attempts: 3 }),
      monday1: await link(opp1, 'monday'),
      sf2: await link(opp2, 'salesforce', { status: 'failed', lastError: 'REQUIRED_FIELD_MISSING: CloseDate', attempts: 1 }),
      xero2: await link(opp2, 'xero', { externalId: 'b9c4a7d0-quote', status: 'synced', lastSyncedAt: new Date('2025-06-02T10:00:00.000Z'), attempts: 2 }),
      monday2: await link(opp2, 'monday', { status: 'syncing' }),
    };
    // Two links changed at the very same microsecond (ties go by id), two in the same millisecond (the cursor keeps microseconds).
    await setUpdatedAt(rows.sf1, inWindow(5));
    await setUpdatedAt(rows.sf2, inWindow(4, 700));
    await setUpdatedAt(rows.xero1, inWindow(4, 400));
    await setUpdatedAt(rows.xero2, inWindow(3));
    await setUpdatedAt(rows.monday1, inWindow(3));
    await setUpdatedAt(rows.monday2, inWindow(1));
    const [firstTwin, secondTwin] = [rows.xero2.id, rows.monday1.id].sort((a, b) => Number(b) - Number(a));
    const uidOf = (id: string) => Object.values(rows).find((row) => row.id === id)!.uid;
    newestFirst = [rows.sf1.id, rows.sf2.id, rows.xero1.id, firstTwin!, secondTwin!, rows.monday2.id].map(uidOf);
  });

  /** Walks pages from the window's top until past our window; returns the uids listed in the window and how many pages it took. */
  async function walk(query: Record<string, string | number>, limit: number) {
    const seen: string[] = [];
    let cursor: string | null = windowTop;
    let pages = 0;
    let pastWindow = false;
    while (cursor !== null && !pastWindow) {
      const page: request.Response = await get(`/api/integrations?${qs({ ...query, limit, cursor })}`).expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(limit);
      pages += 1;
      for (const item of page.body.items as { uid: string; updatedAt: string }[]) {
        if (new Date(item.updatedAt) < windowStart) pastWindow = true;
        else seen.push(item.uid);
      }
      cursor = page.body.nextCursor;
    }
    return { seen, pages };
  }
  const ours = (...names: (keyof typeof rows)[]) => newestFirst.filter((uid) => names.some((name) => rows[name].uid === uid));

  test('an opportunity filter lists exactly its links, newest change first, with the sync workflow and its Temporal UI link', async () => {
    const res = await get(`/api/integrations?${qs({ opportunityId: opp1 })}`).expect(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items.map((item: { uid: string }) => item.uid)).toEqual([rows.sf1.uid, rows.xero1.uid, rows.monday1.uid]);
    const workflowId = `sync-salesforce-${opp1}`;
    expect(res.body.items[0]).toEqual({
      opportunityId: opp1,
      system: 'salesforce',
      uid: rows.sf1.uid,
      externalId: '006Ux00000AbCdEIAX',
      status: 'synced',
      lastSyncedAt: '2025-06-01T10:00:00.000Z',
      lastError: null,
      attempts: 1,
      updatedAt: `${inWindow(5).slice(0, 23)}Z`,
      workflowId,
      temporalUiUrl: expect.stringMatching(/^https?:\/\//),
    });
    expect(res.body.items[0].temporalUiUrl.endsWith(`/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`)).toBe(true);
    expect(res.body.items[1]).toMatchObject({ system: 'xero', status: 'failed', lastError: 'A validation exception occurred: Contact name must be unique', attempts: 3, externalId: null, workflowId: `sync-xero-${opp1}` });
  });

  test('paging with limit=2 walks every link exactly once, ties and same-millisecond changes included', async () => {
    const { seen, pages } = await walk({}, 2);
    expect(seen).toEqual(newestFirst);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect((await walk({}, 200)).seen).toEqual(newestFirst);
    for (let limit = 1; limit <= 5; limit += 1) expect((await walk({}, limit)).seen).toEqual(newestFirst);
  });

  test('system, status and opportunityId filters narrow to exactly the matching links, and combine', async () => {
    expect((await walk({ status: 'failed' }, 1)).seen).toEqual(ours('xero1', 'sf2'));
    expect((await walk({ status: 'synced' }, 200)).seen).toEqual(ours('sf1', 'xero2'));
    expect((await walk({ status: 'pending' }, 200)).seen).toEqual(ours('monday1'));
    expect((await walk({ system: 'monday' }, 1)).seen).toEqual(ours('monday1', 'monday2'));
    expect((await walk({ system: 'xero', status: 'synced' }, 200)).seen).toEqual(ours('xero2'));
    expect((await walk({ system: 'salesforce', opportunityId: opp2 }, 200)).seen).toEqual(ours('sf2'));
    expect((await walk({ opportunityId: opp2, status: 'pending' }, 200)).seen).toEqual([]);
  });

  test('without a cursor the first page starts at the newest change and hands out a cursor', async () => {
    const res = await get('/api/integrations?limit=1').expect(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.nextCursor).toEqual(expect.any(String));
    expect(new Date(res.body.items[0].updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(`${inWindow(5).slice(0, 23)}Z`).getTime());
  });

  test('bad filters, oversize pages and forged cursors are 400; sales engineers 403; anonymous 401', async () => {
    for (const query of ['limit=201', 'limit=0', 'status=lost', 'system=hubspot', 'system=teamtrack', 'opportunityId=abc', 'opportunityId=0', 'opportunityId=0x10', 'opportunityId=1e3', 'sort=asc']) {
      expectErrorEnvelope((await get(`/api/integrations?${query}`).expect(400)).body, 'validation_failed');
    }
    for (const cursor of ['garbage', encodeCursor(42), encodeCursor(['yesterday', '1']), encodeCursor([inWindow(1), randomUUID()]), encodeCursor(['2025-02-30T10:00:00.000000Z', '1'])]) {
      expectErrorEnvelope((await get(`/api/integrations?${qs({ cursor })}`).expect(400)).body, 'bad_request');
    }
    expectErrorEnvelope((await get('/api/integrations', salesEngineer).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await request(app).get('/api/integrations').expect(401)).body, 'unauthorized');
    await get(`/api/integrations?${qs({ opportunityId: opp1 })}`, admin).expect(200);
  });
});

describe('GET /api/opportunities/:id/integrations', () => {
  test('one entry per enabled system, linked or not yet, then links to disabled systems', async () => {
    const id = await insertOpportunity();
    const xero = await link(id, 'xero', { externalId: 'quote-1', status: 'synced', lastSyncedAt: new Date('2025-06-03T09:00:00.000Z'), attempts: 1 });
    const monday = await link(id, 'monday', { status: 'failed', lastError: 'ColumnValueException', attempts: 2 });

    const res = await get(`/api/opportunities/${id}/integrations`).expect(200);
    expect(res.body.opportunityId).toBe(id);
    expect(res.body.integrations).toEqual([
      {
        system: 'salesforce',
        enabled: true,
        linked: false,
        status: null,
        uid: null,
        externalId: null,
        lastSyncedAt: null,
        lastError: null,
        attempts: 0,
        updatedAt: null,
        workflowId: `sync-salesforce-${id}`,
        temporalUiUrl: expect.stringContaining(encodeURIComponent(`WorkflowId="sync-salesforce-${id}"`)),
      },
      {
        system: 'xero',
        enabled: true,
        linked: true,
        status: 'synced',
        uid: xero.uid,
        externalId: 'quote-1',
        lastSyncedAt: '2025-06-03T09:00:00.000Z',
        lastError: null,
        attempts: 1,
        updatedAt: xero.updatedAt.toISOString(),
        workflowId: `sync-xero-${id}`,
        temporalUiUrl: expect.stringContaining(encodeURIComponent(`WorkflowId="sync-xero-${id}"`)),
      },
      expect.objectContaining({ system: 'monday', enabled: false, linked: true, status: 'failed', uid: monday.uid, lastError: 'ColumnValueException', attempts: 2 }),
    ]);
  });

  test('an opportunity with no links shows every enabled system as not linked; a deleted one is still shown', async () => {
    const fresh = await insertOpportunity();
    const res = await get(`/api/opportunities/${fresh}/integrations`).expect(200);
    expect(res.body.integrations.map((entry: { system: string; enabled: boolean; linked: boolean; status: null }) => [entry.system, entry.enabled, entry.linked, entry.status])).toEqual([
      ['salesforce', true, false, null],
      ['xero', true, false, null],
    ]);
    const deleted = await insertOpportunity({ deletedAt: new Date() });
    await link(deleted, 'salesforce', { status: 'synced', externalId: '006closed', lastSyncedAt: new Date() });
    const gone = await get(`/api/opportunities/${deleted}/integrations`).expect(200);
    expect(gone.body.integrations[0]).toMatchObject({ system: 'salesforce', linked: true, status: 'synced', externalId: '006closed' });
  });

  test('unknown opportunity → 404; abc or 0 → 400; sales engineers → 403; anonymous → 401', async () => {
    expectErrorEnvelope((await get(`/api/opportunities/${newOpportunityId()}/integrations`).expect(404)).body, 'not_found');
    expectErrorEnvelope((await get('/api/opportunities/abc/integrations').expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await get('/api/opportunities/0/integrations').expect(400)).body, 'validation_failed');
    const id = await insertOpportunity();
    expectErrorEnvelope((await get(`/api/opportunities/${id}/integrations`, salesEngineer).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await request(app).get(`/api/opportunities/${id}/integrations`).expect(401)).body, 'unauthorized');
    await get(`/api/opportunities/${id}/integrations`, admin).expect(200);
  });
});

describe('POST /api/integrations/:system/opportunities/:id/sync', () => {
  test('202: signal-with-start creates sync-<system>-<id> with its search attributes and the manual request; audited once per request', async () => {
    const id = await insertOpportunity();
    const existing = await link(id, 'xero', { status: 'failed', lastError: 'Xero answered 400', attempts: 4 });
    const workflowId = `sync-xero-${id}`;
    startedWorkflows.add(workflowId);

    const first = await post(syncPath('xero', id)).expect(202);
    expect(first.body).toEqual({ workflowId, runId: expect.any(String), temporalUiUrl: expect.stringMatching(/^https?:\/\//) });
    expect(first.body.temporalUiUrl.endsWith(`/namespaces/default/workflows/${workflowId}/${first.body.runId}/history`)).toBe(true);
    const described = await expectSyncWorkflow(workflowId, 'xero', id);
    expect(described.runId).toBe(first.body.runId);
    expect(await signalsOf(workflowId)).toEqual([{ name: SYNC_REQUESTED_SIGNAL, request: { reason: 'manual', requestedBy: staff.email } }]);

    // The run is still there (no worker serves it yet): a second request signals the same run.
    const second = await post(syncPath('xero', id), undefined, admin).expect(202);
    expect(second.body.runId).toBe(first.body.runId);
    expect((await signalsOf(workflowId)).map((signal) => signal.request)).toEqual([
      { reason: 'manual', requestedBy: staff.email },
      { reason: 'manual', requestedBy: admin.email },
    ]);

    const audit = await auditRows(`xero:${id}`);
    expect(audit.map((row) => [row.action, row.actorType, row.actorId])).toEqual([
      ['integration.sync_requested', 'user', staff.id],
      ['integration.sync_requested', 'user', admin.id],
    ]);
    expect(audit[0]!.before).toEqual({ status: 'failed', externalId: null, attempts: 4, lastError: 'Xero answered 400' });
    expect(audit[0]!.after).toEqual({ reason: 'manual', workflowId, runId: first.body.runId });
    expect(audit[0]!.requestId).toEqual(expect.any(String));
    // Requesting a sync writes nothing else: the link is untouched until the workflow syncs.
    await existing.reload();
    expect([existing.status, existing.attempts, existing.lastError]).toEqual(['failed', 4, 'Xero answered 400']);
  });

  test('an opportunity with no link yet, or a deleted one, can be synced (audit before = null)', async () => {
    const fresh = await insertOpportunity();
    const deleted = await insertOpportunity({ deletedAt: new Date() });
    for (const id of [fresh, deleted]) {
      const workflowId = `sync-salesforce-${id}`;
      startedWorkflows.add(workflowId);
      expect((await post(syncPath('salesforce', id)).expect(202)).body.workflowId).toBe(workflowId);
      await expectSyncWorkflow(workflowId, 'salesforce', id);
      expect((await auditRows(`salesforce:${id}`)).map((row) => [row.action, row.before])).toEqual([['integration.sync_requested', null]]);
    }
  });

  test('unknown system → 400, disabled system → 409 system_disabled, unknown opportunity → 404, sales engineer → 403: no workflow, no audit', async () => {
    const id = await insertOpportunity();
    expectErrorEnvelope((await post(syncPath('hubspot', id)).expect(400)).body, 'validation_failed');
    expectErrorEnvelope((await post(syncPath('salesforce', 'abc')).expect(400)).body, 'validation_failed');
    const disabled = await post(syncPath('monday', id)).expect(409);
    expectErrorEnvelope(disabled.body, 'system_disabled');
    expect(disabled.body.error.details).toEqual({ system: 'monday', enabledSystems: ENABLED });
    expectErrorEnvelope((await post(syncPath('salesforce', id), undefined, salesEngineer).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await request(app).post(syncPath('salesforce', id)).expect(401)).body, 'unauthorized');
    const unknown = newOpportunityId();
    expectErrorEnvelope((await post(syncPath('salesforce', unknown)).expect(404)).body, 'not_found');

    for (const workflowId of [`sync-monday-${id}`, `sync-salesforce-${id}`, `sync-salesforce-${unknown}`]) await expectNoWorkflow(workflowId);
    const written = await AuditLog.count({ where: { entityType: 'external_integration', entityId: { [Op.in]: [`monday:${id}`, `salesforce:${id}`, `hubspot:${id}`, `salesforce:${unknown}`] } } });
    expect(written).toBe(0);
  });

  test('Temporal down → 503 temporal_unavailable with Retry-After, and no audit row', async () => {
    const id = await insertOpportunity();
    const res = await post(syncPath('salesforce', id), undefined, staff, appWithoutTemporal).expect(503);
    expectErrorEnvelope(res.body, 'temporal_unavailable');
    expect(res.headers['retry-after']).toBe('5');
    expect(await auditRows(`salesforce:${id}`)).toEqual([]);
    await expectNoWorkflow(`sync-salesforce-${id}`);
  });
});

describe('POST /api/integrations/retry-failed', () => {
  let failed: { salesforce: number[]; xero: number[]; monday: number };
  let untouched: number[];

  beforeAll(async () => {
    failed = { salesforce: [await insertOpportunity(), await insertOpportunity()], xero: [await insertOpportunity()], monday: await insertOpportunity() };
    for (const system of ['salesforce', 'xero'] as const) {
      for (const id of failed[system]) await link(id, system, { status: 'failed', lastError: `${system} refused it`, attempts: 1 });
    }
    await link(failed.monday, 'monday', { status: 'failed', lastError: 'monday refused it' }); // disabled: never re-driven
    untouched = [await insertOpportunity(), await insertOpportunity()];
    await link(untouched[0]!, 'salesforce', { status: 'synced', externalId: '006ok', lastSyncedAt: new Date() });
    await link(untouched[1]!, 'xero', { status: 'pending' });
  });

  /** The sync workflow ids of every failed link of the systems in the table right now, in link order (other tests' links included). */
  async function failedWorkflowIds(systems: IntegrationSystem[]) {
    const rows = await sequelize.query<{ system: string; opportunity_id: string }>(
      "SELECT system, opportunity_id FROM external_integrations WHERE status = 'failed' AND system IN (:systems) ORDER BY id",
      { type: QueryTypes.SELECT, replacements: { systems } },
    );
    return rows.map((row) => `sync-${row.system}-${row.opportunity_id}`);
  }

  test('re-drives exactly the failed links of the enabled systems, each through its sync workflow, audited once', async () => {
    const expected = await failedWorkflowIds(ENABLED);
    expected.forEach((id) => startedWorkflows.add(id));
    const auditBefore = await auditRows('retry-failed:all');

    const res = await post('/api/integrations/retry-failed', {}, admin).expect(202);
    expect(res.body).toEqual({ count: expected.length, workflowIds: expected, more: false, nextCursor: null });
    const ours = [...failed.salesforce.map((id) => `sync-salesforce-${id}`), ...failed.xero.map((id) => `sync-xero-${id}`)];
    expect(res.body.workflowIds).toEqual(expect.arrayContaining(ours));
    for (const skipped of [`sync-monday-${failed.monday}`, `sync-salesforce-${untouched[0]}`, `sync-xero-${untouched[1]}`]) expect(res.body.workflowIds).not.toContain(skipped);

    for (const id of failed.salesforce) await expectSyncWorkflow(`sync-salesforce-${id}`, 'salesforce', id);
    await expectSyncWorkflow(`sync-xero-${failed.xero[0]}`, 'xero', failed.xero[0]!);
    for (const workflowId of expected) expect((await temporal.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    expect(await signalsOf(`sync-xero-${failed.xero[0]}`)).toEqual([{ name: SYNC_REQUESTED_SIGNAL, request: { reason: 'retry-failed', requestedBy: admin.email } }]);
    for (const workflowId of [`sync-monday-${failed.monday}`, `sync-salesforce-${untouched[0]}`, `sync-xero-${untouched[1]}`]) await expectNoWorkflow(workflowId);

    const audit = (await auditRows('retry-failed:all')).slice(auditBefore.length);
    expect(audit.map((row) => [row.action, row.actorId, row.after])).toEqual([['integration.retry_failed', admin.id, res.body]]);
  });

  test('a system filter re-drives only its failed links; limit bounds a call and nextCursor continues after it', async () => {
    const expected = await failedWorkflowIds(['salesforce']);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expected.forEach((id) => startedWorkflows.add(id));
    const auditBefore = await auditRows('retry-failed:salesforce'); // other suites may have retried salesforce too

    const first = await post('/api/integrations/retry-failed', { system: 'salesforce', limit: 1 }).expect(202);
    expect(first.body).toEqual({ count: 1, workflowIds: [expected[0]], more: true, nextCursor: expect.any(String) });
    // Without the cursor a call starts over: the links stay failed until their workflow has synced them.
    expect((await post('/api/integrations/retry-failed', { system: 'salesforce', limit: 1 }).expect(202)).body.workflowIds).toEqual([expected[0]]);

    const walked = [...first.body.workflowIds];
    let cursor: string | null = first.body.nextCursor;
    while (cursor !== null) {
      const page: request.Response = await post('/api/integrations/retry-failed', { system: 'salesforce', limit: 1, cursor }).expect(202);
      walked.push(...page.body.workflowIds);
      cursor = page.body.nextCursor;
      expect(page.body.more).toBe(cursor !== null);
    }
    expect(walked).toEqual(expected);
    expect((await auditRows('retry-failed:salesforce')).length - auditBefore.length).toBe(expected.length + 1);
    expect((await signalsOf(`sync-salesforce-${failed.salesforce[1]}`)).map((signal) => signal.request)).toEqual([
      { reason: 'retry-failed', requestedBy: admin.email },
      { reason: 'retry-failed', requestedBy: staff.email },
    ]);
  });

  test('disabled system → 409 system_disabled; bad bodies → 400; sales engineer → 403: nothing signalled, no audit row', async () => {
    const disabled = await post('/api/integrations/retry-failed', { system: 'monday' }).expect(409);
    expectErrorEnvelope(disabled.body, 'system_disabled');
    for (const body of [{ system: 'hubspot' }, { limit: 1001 }, { limit: 0 }, { everything: true }]) {
      expectErrorEnvelope((await post('/api/integrations/retry-failed', body).expect(400)).body, 'validation_failed');
    }
    expectErrorEnvelope((await post('/api/integrations/retry-failed', { cursor: 'garbage' }).expect(400)).body, 'bad_request');
    expectErrorEnvelope((await post('/api/integrations/retry-failed', {}, salesEngineer).expect(403)).body, 'forbidden');
    expectErrorEnvelope((await request(app).post('/api/integrations/retry-failed').set('Authorization', staff.auth).set('Content-Type', 'text/plain').send('system=xero').expect(415)).body, 'unsupported_media_type');
    expect(await auditRows('retry-failed:monday')).toEqual([]);
    await expectNoWorkflow(`sync-monday-${failed.monday}`);
  });

  test('Temporal down → 503 temporal_unavailable and no audit row', async () => {
    const before = await AuditLog.count({ where: { entityType: 'external_integration', entityId: { [Op.like]: 'retry-failed:%' } } });
    const res = await post('/api/integrations/retry-failed', { system: 'xero' }, staff, appWithoutTemporal).expect(503);
    expectErrorEnvelope(res.body, 'temporal_unavailable');
    expect(res.headers['retry-after']).toBe('5');
    expect(await AuditLog.count({ where: { entityType: 'external_integration', entityId: { [Op.like]: 'retry-failed:%' } } })).toBe(before);
  });
});

test('the OpenAPI document describes the four endpoints with their success statuses', async () => {
  const { paths } = (await request(app).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  expect(Object.keys(paths['/api/integrations']!.get!.responses)).toContain('200');
  expect(Object.keys(paths['/api/opportunities/{id}/integrations']!.get!.responses)).toEqual(expect.arrayContaining(['200', '404']));
  expect(Object.keys(paths['/api/integrations/{system}/opportunities/{id}/sync']!.post!.responses)).toEqual(expect.arrayContaining(['202', '400', '403', '404', '409', '503']));
  expect(Object.keys(paths['/api/integrations/retry-failed']!.post!.responses)).toEqual(expect.arrayContaining(['202', '409', '503']));
});
