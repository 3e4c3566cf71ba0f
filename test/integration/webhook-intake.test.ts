// Webhook intake over HTTP against real PostgreSQL: token and signature checks, validation, dedupe, the outbox relay.
import { createHmac, randomInt } from 'node:crypto';
import http, { type RequestListener } from 'node:http';
import type { Client } from '@temporalio/client';
import { Sequelize } from 'sequelize';
import request from 'supertest';
import pg from 'pg';
import pino from 'pino';
import { createApp } from '../../api/app';
import { listen } from '../../api/server';
import { CURRENT_RMS_SOURCE } from '../../domain/webhook-events';
import { isDatabaseUnavailable } from '../../lib/db';
import { freePort } from '../../lib/local-stack/ports';
import { WebhookEvent } from '../../models';
import { relayOnce } from '../../workers/outbox-relay';
import { webhookAction } from '../fakes/current-rms-driver';
import type { CurrentRmsOpportunity } from '../fakes/current-rms';
import { expectErrorEnvelope } from '../support/http';
import { openTestDatabase, openTestTemporalClient, testConfig, testLogger } from '../support/env';

const TOKEN = 'intake-test-webhook-token-0123456789abcdef';
const HMAC_SECRET = 'intake-test-hmac-secret';
const url = `/api/webhooks/current-rms/${TOKEN}`;
let sequelize: Sequelize;
let temporal: Client;
let app: RequestListener;

const opportunity = (id = randomInt(1, 2 ** 31)): CurrentRmsOpportunity =>
  ({ id, subject: `Stage rig ${id}`, updated_at: new Date().toISOString() }) as CurrentRmsOpportunity;
const eventCount = () => WebhookEvent.count();

beforeAll(() => {
  sequelize = openTestDatabase();
  temporal = openTestTemporalClient();
  app = createApp({ config: testConfig({ CURRENT_RMS_WEBHOOK_TOKEN: TOKEN }), sequelize, temporal, logger: testLogger, version: 'test' });
});
afterAll(async () => {
  await temporal.connection.close();
  await sequelize.close();
});

test('a valid delivery is stored verbatim and acknowledged with 202 only after it is committed', async () => {
  const body = webhookAction(opportunity(), 'update');
  const raw = `${JSON.stringify(body, null, 2)}\n`; // whitespace and all
  const res = await request(app).post(url).set('Content-Type', 'application/json').set('User-Agent', 'CurrentRMS-Webhooks/1.0').send(raw).expect(202);
  expect(res.body).toEqual({ eventId: expect.any(String), status: 'received' });

  const stored = await WebhookEvent.findByPk(res.body.eventId);
  expect(stored).toMatchObject({
    source: CURRENT_RMS_SOURCE,
    eventType: 'opportunity_update',
    entityType: 'Opportunity',
    entityId: String(body.action.subject_id),
    actionId: String(body.action.id),
    dedupeKey: `action:${body.action.id}`,
    rawBody: raw,
    payload: body,
    status: 'received',
    attempts: 0,
  });
  expect(stored!.headers).toMatchObject({ 'user-agent': 'CurrentRMS-Webhooks/1.0', 'content-type': 'application/json' });
  expect(stored!.statusHistory).toEqual([{ status: 'received', at: expect.any(String) }]);
});

test('the same delivery five times at once stores one event; repeats answer 200 with the original id', async () => {
  const body = webhookAction(opportunity(), 'convert_to_order');
  const responses = await Promise.all(Array.from({ length: 5 }, () => request(app).post(url).send(body)));
  const statuses = responses.map((r) => r.status).sort();
  expect(statuses).toEqual([200, 200, 200, 200, 202]);
  const ids = new Set(responses.map((r) => r.body.eventId as string));
  expect(ids.size).toBe(1);
  expect(responses.filter((r) => r.status === 200).every((r) => r.body.duplicate === true)).toBe(true);
  expect(await WebhookEvent.count({ where: { actionId: String(body.action.id) } })).toBe(1);
});

test('without an action id the dedupe key is a hash of the raw body', async () => {
  const { action } = webhookAction(opportunity(), 'update');
  const body = { action: { ...action, id: undefined } };
  const first = await request(app).post(url).send(body).expect(202);
  const again = await request(app).post(url).send(body).expect(200);
  expect(again.body).toEqual({ eventId: first.body.eventId, status: 'received', duplicate: true });
  expect((await WebhookEvent.findByPk(first.body.eventId))!.dedupeKey).toMatch(/^sha256:[0-9a-f]{64}$/);
});

test('an unknown but well-formed event type is stored and marked ignored, not rejected', async () => {
  const body = { action: { id: randomInt(1, 2 ** 31), subject_id: 7, subject_type: 'Member', action_type: 'update' } };
  const res = await request(app).post(url).send(body).expect(202);
  expect(res.body.status).toBe('ignored');
  const stored = await WebhookEvent.findByPk(res.body.eventId);
  expect(stored).toMatchObject({ eventType: 'member_update', status: 'ignored' });
  expect(stored!.statusHistory.map((change) => change.status)).toEqual(['received', 'ignored']);
});

describe('rejected deliveries write nothing', () => {
  test('wrong or missing token → 401, checked before the body is even read', async () => {
    const before = await eventCount();
    const body = webhookAction(opportunity(), 'update');
    expectErrorEnvelope((await request(app).post('/api/webhooks/current-rms/not-the-token').send(body).expect(401)).body, 'unauthorized');
    expectErrorEnvelope((await request(app).post(`${url}x`).send(body).expect(401)).body, 'unauthorized');
    await request(app).post('/api/webhooks/current-rms/').send(body).expect(404);
    // A wrong token gets 401 even for a body that is not JSON at all.
    await request(app).post('/api/webhooks/current-rms/nope').set('Content-Type', 'application/json').send('{oops').expect(401);
    expect(await eventCount()).toBe(before);
  });

  test.each([
    ['malformed JSON', '{"action": {"id": 1,', 'malformed_json'],
    ['only whitespace (not an empty body)', ' \n\t ', 'malformed_json'],
    ['no action', '{"event": "opportunity_update"}', 'validation_failed'],
    ['action without subject', '{"action": {"id": 1, "action_type": "update"}}', 'validation_failed'],
    ['subject_id not an id', '{"action": {"id": 1, "subject_id": "abc", "subject_type": "Opportunity", "action_type": "update"}}', 'validation_failed'],
    ['a JSON array', '[1, 2, 3]', 'validation_failed'],
    ['\\u0000 in a string (jsonb cannot hold it)', '{"action": {"id": 99, "subject_id": 1, "subject_type": "Opportunity", "action_type": "update", "name": "a\\u0000b"}}', 'validation_failed'],
    ['a lone surrogate (jsonb refuses it)', '{"action": {"id": 98, "subject_id": 1, "subject_type": "Opportunity", "action_type": "update", "name": "\\ud800"}}', 'validation_failed'],
    ['a number beyond numeric range', '{"action": {"id": 97, "subject_id": 1, "subject_type": "Opportunity", "action_type": "update", "total": 1e1000000}}', 'bad_request'],
    ['subject_id beyond a safe integer', '{"action": {"id": 96, "subject_id": "12345678901234567", "subject_type": "Opportunity", "action_type": "update"}}', 'validation_failed'],
    ['a numeric subject_id of 16 digits (processing would ignore it)', '{"action": {"id": 94, "subject_id": 1234567890123456, "subject_type": "Opportunity", "action_type": "update"}}', 'validation_failed'],
    ['a type name padded with spaces (processing reads the stored body as sent)', '{"action": {"id": 93, "subject_id": 1, "subject_type": " Opportunity ", "action_type": "update"}}', 'validation_failed'],
  ])('%s → 400', async (_case, raw, code) => {
    const before = await eventCount();
    const res = await request(app).post(url).set('Content-Type', 'application/json').send(raw).expect(400);
    expectErrorEnvelope(res.body, code);
    expect(await eventCount()).toBe(before);
  });

  test('a 2 MB body → 413; a non-JSON content type → 415', async () => {
    const before = await eventCount();
    const big = { action: { ...webhookAction(opportunity(), 'update').action, description: 'x'.repeat(2 * 1024 * 1024) } };
    expectErrorEnvelope((await request(app).post(url).send(big).expect(413)).body, 'payload_too_large');
    expectErrorEnvelope((await request(app).post(url).set('Content-Type', 'text/plain').send('hello').expect(415)).body, 'unsupported_media_type');
    expect(await eventCount()).toBe(before);
  });
});

describe('served ahead of Express, intake keeps the API\'s conventions', () => {
  test('the route matches as Express would (any case, a trailing slash, a query); another method on it is a 404 envelope', async () => {
    await request(app).post(`${url}/`).send(webhookAction(opportunity(), 'update')).expect(202);
    await request(app).post(`${url.replace('current-rms', 'Current-RMS')}?source=relay`).send(webhookAction(opportunity(), 'update')).expect(202);
    const before = await eventCount();
    expectErrorEnvelope((await request(app).get(url).expect(404)).body, 'not_found');
    const longer = await request(app).post(`${url}/extra`).send(webhookAction(opportunity(), 'update')).expect(404);
    expectErrorEnvelope(longer.body, 'not_found');
    expect(longer.text).not.toContain(TOKEN);
    expectErrorEnvelope((await request(app).post('/api/webhooks/current-rms/%E0%A4%A').send(webhookAction(opportunity(), 'update')).expect(400)).body, 'bad_request');
    expect(await eventCount()).toBe(before);
  });

  test('an absolute-form request target (POST http://host/api/…, as some relays send) is the same route', async () => {
    const server = await listen(app, 0);
    try {
      const body = JSON.stringify(webhookAction(opportunity(), 'update'));
      const status = await new Promise<number>((resolve, reject) => {
        const sent = http.request(
          { host: '127.0.0.1', port: server.port, method: 'POST', path: `http://127.0.0.1:${server.port}${url}`, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
          (res) => res.resume().once('end', () => resolve(res.statusCode!)),
        );
        sent.once('error', reject).end(body);
      });
      expect(status).toBe(202);
    } finally {
      await server.close();
    }
  });

  test('a request id is echoed when well-formed, else assigned', async () => {
    const echoed = await request(app).post(url).set('X-Request-Id', 'relay-42').send(webhookAction(opportunity(), 'update')).expect(202);
    expect(echoed.headers['x-request-id']).toBe('relay-42');
    const assigned = await request(app).post(url).set('X-Request-Id', 'not a token!').send('{').set('Content-Type', 'application/json').expect(400);
    expect(assigned.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(assigned.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  test.each([
    ['compressed', 'unsupported_encoding', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }],
    ['in another charset', 'unsupported_charset', { 'Content-Type': 'application/json; charset=latin1' }],
    ['of a JSON look-alike type', 'unsupported_media_type', { 'Content-Type': 'application/jsonx' }],
    ['without a Content-Type', 'unsupported_media_type', {}],
  ])('a body %s → 415 %s, nothing written', async (_case, code, headers) => {
    const before = await eventCount();
    const raw = Buffer.from(JSON.stringify(webhookAction(opportunity(), 'update')));
    expectErrorEnvelope((await request(app).post(url).set(headers).send(raw).expect(415)).body, code);
    expect(await eventCount()).toBe(before);
  });

  test('an empty JSON body is judged by the schema: 400 validation_failed', async () => {
    const before = await eventCount();
    expectErrorEnvelope((await request(app).post(url).set('Content-Type', 'application/json').send('').expect(400)).body, 'validation_failed');
    expect(await eventCount()).toBe(before);
  });

  test('behind a reverse proxy on this host, the client address is the forwarded one', async () => {
    const res = await request(app).post(url).set('X-Forwarded-For', '203.0.113.9').send(webhookAction(opportunity(), 'update')).expect(202);
    expect((await WebhookEvent.findByPk(res.body.eventId))!.headers).toMatchObject({ 'x-forwarded-for': '203.0.113.9', ip: '203.0.113.9' });
  });

  test('deliveries are counted under the route pattern in the HTTP latency histogram, and every one is logged with its outcome', async () => {
    const lines: string[] = [];
    const logged = createApp({ config: testConfig({ CURRENT_RMS_WEBHOOK_TOKEN: TOKEN }), sequelize, temporal, logger: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }), version: 'test' });
    await request(logged).post(url).send(webhookAction(opportunity(), 'update')).expect(202);
    await request(logged).post(url).set('Content-Type', 'text/plain').send('hello').expect(415);
    const metrics = (await request(logged).get('/metrics').expect(200)).text;
    for (const status of ['202', '415']) {
      expect(metrics).toContain(`http_request_duration_seconds_count{method="POST",route="/api/webhooks/current-rms/:token",status="${status}"} 1`);
    }
    const [accepted, refused] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(accepted).toMatchObject({ msg: 'request completed', req: { method: 'POST', url: '/api/webhooks/current-rms/[redacted]', id: expect.any(String) }, res: { statusCode: 202 } });
    expect(refused).toMatchObject({ msg: 'request completed', res: { statusCode: 415, code: 'unsupported_media_type' } });
  });
});

test('behind a signing relay, X-Signature must be the HMAC-SHA256 of the raw body', async () => {
  const signed = createApp({ config: testConfig({ CURRENT_RMS_WEBHOOK_TOKEN: TOKEN, CURRENT_RMS_WEBHOOK_HMAC_SECRET: HMAC_SECRET }), sequelize, temporal, logger: testLogger, version: 'test' });
  const raw = JSON.stringify(webhookAction(opportunity(), 'update'));
  const signature = createHmac('sha256', HMAC_SECRET).update(raw).digest('hex');
  const before = await eventCount();
  await request(signed).post(url).set('Content-Type', 'application/json').send(raw).expect(401);
  await request(signed).post(url).set('Content-Type', 'application/json').set('X-Signature', `sha256=${'0'.repeat(64)}`).send(raw).expect(401);
  await request(signed).post(url).set('Content-Type', 'application/json').set('X-Signature', `sha256=${signature}`).send(`${raw} `).expect(401);
  expect(await eventCount()).toBe(before);
  await request(signed).post(url).set('Content-Type', 'application/json').set('X-Signature', `sha256=${signature}`).send(raw).expect(202);
  await request(signed).post(url).set('Content-Type', 'application/json').set('X-Signature', signature.toUpperCase()).send(raw).expect(200);
});

test('the webhook token never reaches the request log', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const logged = createApp({ config: testConfig({ CURRENT_RMS_WEBHOOK_TOKEN: TOKEN }), sequelize, temporal, logger, version: 'test' });
  await request(logged).post(url).send(webhookAction(opportunity(), 'update')).expect(202);
  await request(logged).post(`${url}?x=1`).send('{').set('Content-Type', 'application/json').expect(400);
  expect(lines.join('\n')).toContain('/api/webhooks/current-rms/[redacted]');
  expect(lines.join('\n')).not.toContain(TOKEN);
});

test('several relays at once hand every received event to Temporal exactly once', async () => {
  const accepted = await Promise.all(Array.from({ length: 40 }, () => request(app).post(url).send(webhookAction(opportunity(), 'update')).expect(202)));
  const ids = accepted.map((res) => res.body.eventId as string);
  const relay = { sequelize, client: temporal, logger: testLogger, pollIntervalMs: 50, batchSize: 7 };
  const passes = async () => {
    let claimed = 0;
    for (let result = await relayOnce(relay); result.claimed > 0; result = await relayOnce(relay)) claimed += result.claimed;
    return claimed;
  };
  const claimedPerRelay = await Promise.all([passes(), passes(), passes()]);
  expect(claimedPerRelay.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ids.length);

  const events = await WebhookEvent.findAll({ where: { id: ids } });
  for (const event of events) {
    expect(event.status === 'dispatched' || event.status === 'processing' || event.status === 'processed').toBe(true);
    expect(event.workflowId).toBe(`webhook-${event.id}`);
    expect(event.statusHistory.filter((change) => change.status === 'dispatched')).toHaveLength(1);
    const description = await temporal.workflow.getHandle(event.workflowId!).describe();
    expect(description.runId).toBe(event.runId);
  }
});

describe('database outages are a 503 the sender can retry, never a 500', () => {
  // A plain Sequelize: createSequelize would rebind the shared models to this unreachable server.
  const unreachableDatabase = async () => new Sequelize(`postgres://platform:secret@127.0.0.1:${await freePort()}/platform`, { logging: false });

  test('PostgreSQL unreachable → 503 database_unavailable with Retry-After', async () => {
    const unreachable = await unreachableDatabase();
    try {
      const offline = createApp({ config: testConfig({ CURRENT_RMS_WEBHOOK_TOKEN: TOKEN }), sequelize: unreachable, temporal, logger: testLogger, version: 'test' });
      const res = await request(offline).post(url).send(webhookAction(opportunity(), 'update')).expect(503);
      expectErrorEnvelope(res.body, 'database_unavailable');
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      await unreachable.close();
    }
  });

  test('a commit that hangs is cut off after WEBHOOK_COMMIT_TIMEOUT_MS: 503, its connection discarded, intake goes on', async () => {
    const timeoutMs = 300;
    const impatient = createApp({ config: testConfig({ CURRENT_RMS_WEBHOOK_TOKEN: TOKEN, WEBHOOK_COMMIT_TIMEOUT_MS: String(timeoutMs) }), sequelize, temporal, logger: testLogger, version: 'test' });
    const locker = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await locker.connect();
    const body = webhookAction(opportunity(), 'update');
    let lockHeld = false;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE'); // the insert waits, as behind a stalled disk
      lockHeld = true;
      const started = Date.now();
      const res = await request(impatient).post(url).send(body).expect(503);
      const waited = Date.now() - started;
      expectErrorEnvelope(res.body, 'database_unavailable');
      expect(waited).toBeGreaterThanOrEqual(timeoutMs - 10); // not answered before the timeout (timer granularity aside)
      expect(waited).toBeLessThan(5_000); // and not left waiting for the lock
      await locker.query('ROLLBACK');
      lockHeld = false;
    } finally {
      if (lockHeld) await locker.query('ROLLBACK');
      await locker.end();
    }
    // The sender's retry: the abandoned insert may have committed once the lock went, so 202 or a 200 duplicate, one row either way.
    const retry = await request(impatient).post(url).send(body);
    expect([200, 202]).toContain(retry.status);
    expect(await WebhookEvent.count({ where: { actionId: String(body.action.id) } })).toBe(1);
    await request(impatient).post(url).send(webhookAction(opportunity(), 'update')).expect(202);
  });

  test('real outage errors are recognised (refused, server shutdown, connection lost); a data error is not', async () => {
    const unreachable = await unreachableDatabase();
    const refused = await unreachable.query('SELECT 1').catch((error: unknown) => error);
    await unreachable.close();
    const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    client.on('error', () => undefined); // the terminated session also emits the error on the client
    await client.connect();
    const shutdown = await client.query('SELECT pg_terminate_backend(pg_backend_pid())').catch((error: unknown) => error);
    const lost = await client.query('SELECT 1').catch((error: unknown) => error);
    await client.end().catch(() => undefined);
    const dataError = await sequelize.query(`SELECT 'x'::int`).catch((error: unknown) => error);

    expect(shutdown).toMatchObject({ code: '57P01' });
    for (const outage of [refused, shutdown, lost]) expect(isDatabaseUnavailable(outage)).toBe(true);
    expect(dataError).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(dataError)).toBe(false);
  });
});

test('deliveries arriving together are group-committed: each gets its own answer, and a body jsonb refuses fails alone', async () => {
  const before = await eventCount();
  const good = Array.from({ length: 40 }, () => JSON.stringify(webhookAction(opportunity(), 'update')));
  const bad = '{"action": {"id": 95, "subject_id": 1, "subject_type": "Opportunity", "action_type": "update", "total": 1e1000000}}';
  const repeated = good[0]!;
  const responses = await Promise.all([...good, bad, repeated].map((raw) => request(app).post(url).set('Content-Type', 'application/json').send(raw)));

  const goodAnswers = responses.slice(0, 40);
  expect(goodAnswers.map((res) => res.status)).toEqual(Array(40).fill(202));
  expect(new Set(goodAnswers.map((res) => res.body.eventId as string)).size).toBe(40);
  expectErrorEnvelope(responses[40]!.body, 'bad_request');
  expect(responses[40]!.status).toBe(400);
  expect(responses[41]!.status).toBe(200);
  expect(responses[41]!.body).toEqual({ eventId: goodAnswers[0]!.body.eventId, status: 'received', duplicate: true });
  expect(await eventCount()).toBe(before + 40);
  const stored = await WebhookEvent.findAll({ where: { id: goodAnswers.map((res) => res.body.eventId as string) } });
  expect(stored.map((event) => event.rawBody).sort()).toEqual([...good].sort());
});
