// Tests of the Current RMS fake and webhook driver themselves, over real HTTP with global fetch.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CurrentRmsOpportunity, FakeCurrentRms } from '../fakes/current-rms';
import { deliverWebhook, eventNameFor, webhookAction } from '../fakes/current-rms-driver';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

let fake: FakeCurrentRms;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

/** A tiny webhook receiver: records every request; answers JSON {"ok":true}, or plain text under /plain. */
function startReceiver(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/plain') res.writeHead(202, { 'Content-Type': 'text/plain' }).end('accepted');
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const auth = () => ({ 'X-SUBDOMAIN': fake.subdomain, 'X-AUTH-TOKEN': fake.apiToken });

function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${fake.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.headers ?? auth()), 'Content-Type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

function sandbox(method: string, path: string, body?: string): Promise<Response> {
  return fetch(new URL(`/__sandbox/${path}`, fake.baseUrl), { method, body, headers: { 'Content-Type': 'application/json' } });
}

async function registerWebhook(event: string, path = '/hook', active = true): Promise<void> {
  const response = await api('/webhooks', { method: 'POST', body: { webhook: { name: event, event, target_url: `${receiverUrl}${path}`, active } } });
  expect(response.status).toBe(201);
}

beforeAll(async () => {
  [fake, receiver] = await Promise.all([FakeCurrentRms.start(), startReceiver()]);
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await fake.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
  fake.reset();
  received.length = 0;
});

test('listens on a free local port with the default sandbox credentials', () => {
  expect(fake.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
  expect([fake.subdomain, fake.apiToken]).toEqual(['sandbox', 'sandbox-api-token']);
});

test('every API request needs both X-SUBDOMAIN and X-AUTH-TOKEN', async () => {
  fake.upsertOpportunity({ id: 1 });
  const attempts: Record<string, string>[] = [{ 'X-SUBDOMAIN': fake.subdomain }, { 'X-AUTH-TOKEN': fake.apiToken }, { 'X-SUBDOMAIN': 'other', 'X-AUTH-TOKEN': fake.apiToken }, {}];
  for (const headers of attempts) {
    const response = await api('/opportunities/1', { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ errors: ['Invalid subdomain or API key'] });
  }
  expect((await api('/opportunities/1')).status).toBe(200);
  expect((await api('/webhooks', { headers: {} })).status).toBe(401);
  expect(fake.requests.map((request) => request.status)).toEqual([401, 401, 401, 401, 200, 401]);
  expect(fake.requests[4]).toMatchObject({ method: 'GET', path: '/api/v1/opportunities/1', headers: { 'x-subdomain': 'sandbox', 'x-auth-token': 'sandbox-api-token' } });
});

test('GET an opportunity returns the Current RMS shape; unknown and deleted ids are 404', async () => {
  const stored = fake.upsertOpportunity({ id: 123, status: 20, charge_total: '150.5', member_id: 7, owner: { id: 3, name: 'Ops Lead' } });
  const response = await api('/opportunities/123');
  expect(response.status).toBe(200);
  const { opportunity } = (await response.json()) as { opportunity: CurrentRmsOpportunity };
  expect(opportunity).toEqual(stored);
  const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(opportunity).toEqual({
    id: 123,
    subject: 'Opportunity 123',
    description: '',
    number: 'OPP-00123',
    state: 2,
    state_name: 'Quotation',
    status: 20,
    status_name: 'Active',
    starts_at: iso,
    ends_at: iso,
    charge_starts_at: iso,
    charge_ends_at: iso,
    charge_total: '150.50',
    charge_excluding_tax_total: '0.00',
    charge_including_tax_total: '0.00',
    tax_total: '0.00',
    member_id: 7,
    member: { id: 7, name: 'Member 7' },
    owned_by: 3,
    owner: { id: 3, name: 'Ops Lead' },
    custom_fields: {},
    reference: '',
    created_at: iso,
    updated_at: iso,
  });
  expect(Date.parse(opportunity.starts_at ?? '')).toBeGreaterThan(Date.now());
  expect(fake.upsertOpportunity({ id: 123, state: 3, status: 5 })).toMatchObject({ state_name: 'Order', status_name: 'Reserved', charge_total: '150.50', member_id: 7 });
  expect(() => fake.upsertOpportunity({ id: 123, status: 99 })).toThrow(RangeError);

  expect(await (await api('/opportunities/999')).json()).toEqual({ errors: ['Record not found'] });
  fake.deleteOpportunity(123);
  expect(fake.opportunity(123)).toBeUndefined();
  const gone = await api('/opportunities/123');
  expect(gone.status).toBe(404);
  expect(await gone.json()).toEqual({ errors: ['Record not found'] });
  expect(await (await api('/nothing-here')).json()).toEqual({ errors: ['Not found'] });
});

test('listing pages by id, defaults to 20 per page and clamps per_page to 100', async () => {
  const ids = Array.from({ length: 125 }, (_, i) => 125 - i);
  for (const id of ids) fake.upsertOpportunity({ id });
  const list = async (query: string) => (await (await api(`/opportunities${query}`)).json()) as { opportunities: CurrentRmsOpportunity[]; meta: unknown };

  const first = await list('');
  expect(first.meta).toEqual({ total_row_count: 125, row_count: 20, page: 1, per_page: 20 });
  expect(first.opportunities.map((o) => o.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  const third = await list('?page=3&per_page=50');
  expect(third.meta).toEqual({ total_row_count: 125, row_count: 25, page: 3, per_page: 50 });
  expect(third.opportunities[0]?.id).toBe(101);
  const clamped = await list('?page=1&per_page=500');
  expect(clamped.meta).toEqual({ total_row_count: 125, row_count: 100, page: 1, per_page: 100 });
  expect((await list('?page=9')).opportunities).toEqual([]);
});

test('q[updated_at_gteq] keeps only opportunities updated at or after the instant', async () => {
  fake.upsertOpportunity({ id: 1 });
  const cut = fake.upsertOpportunity({ id: 2 }).updated_at;
  fake.upsertOpportunity({ id: 3 });
  const since = async (iso: string) => {
    const body = (await (await api(`/opportunities?${new URLSearchParams({ 'q[updated_at_gteq]': iso }).toString()}`)).json()) as { opportunities: CurrentRmsOpportunity[]; meta: { total_row_count: number } };
    return { ids: body.opportunities.map((o) => o.id), total: body.meta.total_row_count };
  };
  expect(await since(cut)).toEqual({ ids: [2, 3], total: 2 });
  fake.upsertOpportunity({ id: 1, subject: 'Touched again' });
  expect(await since(cut)).toEqual({ ids: [1, 2, 3], total: 3 });
  expect((await api('/opportunities?q[updated_at_gteq]=yesterday')).status).toBe(422);
});

test('updated_at strictly increases on rapid upserts, created_at stays', () => {
  const stamps = Array.from({ length: 200 }, (_, i) => fake.upsertOpportunity({ id: 1 + (i % 3) }).updated_at);
  for (let i = 1; i < stamps.length; i++) expect(Date.parse(stamps[i] ?? '')).toBeGreaterThan(Date.parse(stamps[i - 1] ?? ''));
  expect(fake.opportunity(1)?.created_at).toBe(stamps[0]);
});

test('an injected 429 carries Retry-After, applies count times, then stops', async () => {
  fake.upsertOpportunity({ id: 1 });
  fake.injectFault({ status: 429, count: 2, retryAfterSeconds: 7 });
  for (let i = 0; i < 2; i++) {
    const limited = await api('/opportunities/1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toEqual({ errors: ['Rate limit exceeded'] });
  }
  expect((await api('/opportunities/1')).status).toBe(200);
});

test('other faults: default bodies, 503 Retry-After default, 422 message, pathPattern, auth checked first', async () => {
  fake.upsertOpportunity({ id: 1 });
  fake.injectFault({ status: 503 });
  const unavailable = await api('/opportunities/1');
  expect([unavailable.status, unavailable.headers.get('retry-after')]).toEqual([503, '1']);
  expect(await unavailable.json()).toEqual({ errors: ['Internal server error'] });

  fake.injectFault({ status: 422, message: 'Subject is too long', pathPattern: /\/webhooks$/ });
  expect((await api('/opportunities/1', { headers: {} })).status).toBe(401);
  expect((await api('/opportunities/1')).status).toBe(200);
  const invalid = await api('/webhooks');
  expect(invalid.status).toBe(422);
  expect(invalid.headers.get('retry-after')).toBeNull();
  expect(await invalid.json()).toEqual({ errors: ['Subject is too long'] });
  expect((await api('/webhooks')).status).toBe(200);
  expect(() => fake.injectFault({ status: 429, count: 0 })).toThrow(RangeError);
});

test('setLatency delays every API response', async () => {
  fake.setLatency(120);
  let started = performance.now();
  expect((await api('/opportunities')).status).toBe(200);
  expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  fake.setLatency(0);
  started = performance.now();
  await api('/opportunities');
  expect(performance.now() - started).toBeLessThan(100);
});

test('webhooks: 201 on create, 422 on missing fields, listed, deleted with 204', async () => {
  const created = await api('/webhooks', { method: 'POST', body: { webhook: { name: 'Sync', event: 'opportunity_update', target_url: `${receiverUrl}/hook`, active: true } } });
  expect(created.status).toBe(201);
  const { webhook } = (await created.json()) as { webhook: { id: number } };
  expect(webhook).toEqual({ id: expect.any(Number), name: 'Sync', event: 'opportunity_update', target_url: `${receiverUrl}/hook`, active: true });

  const incomplete = await api('/webhooks', { method: 'POST', body: { webhook: { name: 'No target' } } });
  expect(incomplete.status).toBe(422);
  expect(await incomplete.json()).toEqual({ errors: ["Event can't be blank", "Target url can't be blank"] });

  expect(await (await api('/webhooks')).json()).toEqual({ webhooks: [webhook], meta: { total_row_count: 1, row_count: 1, page: 1, per_page: 20 } });
  expect(fake.webhooks()).toEqual([webhook]);
  const deleted = await api(`/webhooks/${webhook.id}`, { method: 'DELETE' });
  expect(deleted.status).toBe(204);
  expect(await deleted.text()).toBe('');
  expect(fake.webhooks()).toEqual([]);
  expect((await api(`/webhooks/${webhook.id}`, { method: 'DELETE' })).status).toBe(404);
  const malformed = await fetch(`${fake.baseUrl}/webhooks`, { method: 'POST', headers: auth(), body: '{"webhook":' });
  expect([malformed.status, await malformed.json()]).toEqual([400, { errors: ['Body is not valid JSON'] }]);
  expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/v1/webhooks', status: 400 });
});

test('emit delivers the webhookAction body to active webhooks for that event only', async () => {
  await registerWebhook('opportunity_update', '/hook?token=secret-in-url');
  await registerWebhook('opportunity_update', '/inactive', false);
  await registerWebhook('opportunity_destroy', '/destroyed');
  const opportunity = fake.upsertOpportunity({ id: 42, subject: 'Summer festival' });

  expect(await fake.emit(eventNameFor('update'), 42)).toEqual([200]);
  expect(received).toHaveLength(1);
  const [delivery] = received;
  expect(delivery?.path).toBe('/hook?token=secret-in-url');
  expect(delivery?.headers['content-type']).toBe('application/json');
  expect(delivery?.headers['user-agent']).toBe('CurrentRMS-Webhooks/1.0');
  const expected = webhookAction(opportunity, 'update');
  expect(JSON.parse(delivery?.raw ?? '')).toEqual({
    action: { ...expected.action, id: expect.any(Number), created_at: expect.any(String), updated_at: expect.any(String) },
  });
  expect(expected.action).toMatchObject({ subject_id: 42, subject_type: 'Opportunity', action_type: 'update', name: 'Summer festival', description: 'Opportunity updated', member: { id: 1, name: 'Sandbox User' } });

  fake.deleteOpportunity(42);
  expect(await fake.emit('opportunity_destroy', 42)).toEqual([200]);
  expect(JSON.parse(received[1]?.raw ?? '').action).toMatchObject({ action_type: 'destroy', subject_id: 42, subject: { id: 42 } });
  await expect(fake.emit('opportunity_update', 404)).rejects.toThrow(RangeError);
});

test('webhookAction ids increase; deliverWebhook signs the exact raw body and passes malformed bodies through', async () => {
  const opportunity = fake.upsertOpportunity({ id: 5 });
  const first = webhookAction(opportunity, 'convert_to_order');
  const second = webhookAction(opportunity, 'convert_to_order', { actionId: 77, memberId: 9, memberName: 'Pat' });
  expect(webhookAction(opportunity, 'update').action.id).toBe(first.action.id + 1);
  expect(first.action.description).toBe('Opportunity convert to order');
  expect(second.action).toMatchObject({ id: 77, member_id: 9, member: { id: 9, name: 'Pat' } });
  expect(eventNameFor('convert_to_order')).toBe('opportunity_convert_to_order');

  const signed = await deliverWebhook(`${receiverUrl}/signed`, first, { hmacSecret: 'shh', headers: { 'X-Extra': 'yes' } });
  expect(signed).toEqual({ status: 200, body: { ok: true } });
  const raw = received[0]?.raw ?? '';
  expect(raw).toBe(JSON.stringify(first));
  expect(received[0]?.headers['x-signature']).toBe(`sha256=${createHmac('sha256', 'shh').update(raw).digest('hex')}`);
  expect(received[0]?.headers['x-extra']).toBe('yes');

  expect(await deliverWebhook(`${receiverUrl}/plain`, null, { rawBody: '{"action":' })).toEqual({ status: 202, body: null });
  expect(received[1]?.raw).toBe('{"action":');
  expect(received[1]?.headers['x-signature']).toBeUndefined();
});

test('/__sandbox/ controls upsert, delete and inject faults, emitting webhooks', async () => {
  for (const event of ['opportunity_create', 'opportunity_update', 'opportunity_destroy']) await registerWebhook(event);

  const created = await sandbox('PUT', 'opportunities/9', JSON.stringify({ subject: 'Gala', charge_total: 99 }));
  expect(created.status).toBe(200);
  expect(await created.json()).toEqual({ opportunity: expect.objectContaining({ id: 9, subject: 'Gala', charge_total: '99.00' }), deliveries: [200] });
  const updated = await sandbox('PUT', 'opportunities/9', JSON.stringify({ status: 60 }));
  expect(await updated.json()).toMatchObject({ opportunity: { subject: 'Gala', status_name: 'Lost' }, deliveries: [200] });
  const removed = await sandbox('DELETE', 'opportunities/9');
  expect(await removed.json()).toEqual({ deliveries: [200] });
  expect(received.map((r) => (JSON.parse(r.raw) as ReturnType<typeof webhookAction>).action.action_type)).toEqual(['create', 'update', 'destroy']);
  expect((await api('/opportunities/9')).status).toBe(404);
  expect((await sandbox('DELETE', 'opportunities/9')).status).toBe(404);

  expect((await sandbox('POST', 'faults', JSON.stringify({ status: 429, retryAfterSeconds: 3 }))).status).toBe(204);
  const limited = await api('/opportunities');
  expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);

  const badJson = await sandbox('PUT', 'opportunities/9', '{oops');
  expect(badJson.status).toBe(400);
  expect(await badJson.json()).toEqual({ errors: [expect.any(String)] });
  expect((await sandbox('PUT', 'opportunities/9', JSON.stringify({ state: 7 }))).status).toBe(400);
  expect((await sandbox('POST', 'faults', JSON.stringify({ status: 418 }))).status).toBe(400);
  expect(fake.requests.map((r) => r.path)).toEqual(['/api/v1/webhooks', '/api/v1/webhooks', '/api/v1/webhooks', '/api/v1/opportunities/9', '/api/v1/opportunities']);
});
