// The Xero payload mapping, and the Xero connector, token cache and rate limiter against the Xero fake over real HTTP.
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import type { OpportunitySnapshot } from '../../domain/opportunity';
import { UnsyncableOpportunity } from '../../domain/sync-payloads/unsyncable';
import { toXeroPayload, type XeroPayload } from '../../domain/sync-payloads/xero';
import { IntegrationError } from '../../integrations/errors';
import type { ExternalLink } from '../../integrations/sync-connector';
import { idempotencyKeyHeader } from '../../integrations/xero/client';
import { XeroConnector } from '../../integrations/xero/connector';
import { RateLimiter } from '../../integrations/xero/rate-limiter';
import { FakeXero } from '../fakes/xero';

let fake: FakeXero;

beforeAll(async () => {
  fake = await FakeXero.start();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

function snapshot(overrides: Partial<OpportunitySnapshot> = {}): OpportunitySnapshot {
  return {
    id: 101,
    subject: 'Summer festival staging',
    number: 'OPP-00101',
    state: 2,
    stateName: 'Quotation',
    status: 0,
    statusName: 'Open',
    startsAt: '2026-07-10T09:00:00Z',
    endsAt: '2026-07-12T18:00:00Z',
    chargeTotal: '1200.00',
    chargeExcludingTaxTotal: '1000.00',
    chargeIncludingTaxTotal: '1200.00',
    taxTotal: '200.00',
    memberId: 42,
    memberName: 'Acme Events Ltd',
    ownerId: 7,
    ownerName: 'Sam Owner',
    customFields: {},
    sourceUpdatedAt: '2026-06-01T12:30:00Z',
    deleted: false,
    ...overrides,
  };
}

const payloadOf = (overrides: Partial<OpportunitySnapshot> = {}): XeroPayload => toXeroPayload(snapshot(overrides));
const linkOf = (result: { externalId: string; metadata: Record<string, unknown> }): ExternalLink => ({ externalId: result.externalId, metadata: result.metadata });

async function rejection(promise: Promise<unknown>): Promise<IntegrationError> {
  const error: unknown = await promise.then(
    () => new Error('expected the write to fail'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(IntegrationError);
  return error as IntegrationError;
}

/** A direct Accounting API call with a fresh token from the fake (for protocol checks of the fake itself). */
async function xeroApi(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  const tokenResponse = await fetch(fake.tokenUrl, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };
  return fetch(`${fake.apiUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { Authorization: `Bearer ${accessToken}`, 'xero-tenant-id': fake.tenantId, Accept: 'application/json', 'Content-Type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

describe('toXeroPayload', () => {
  test('maps the customer to a contact and the opportunity to a draft quote with one ex-tax line', () => {
    expect(payloadOf()).toEqual({
      contact: { ContactNumber: '42', Name: 'Acme Events Ltd' },
      quote: {
        Reference: 'OPP-00101',
        Title: 'Summer festival staging',
        Summary: 'Current RMS opportunity OPP-00101 (Quotation, Open) (2026-07-10 to 2026-07-12).',
        Date: '2026-06-01',
        ExpiryDate: '2026-07-10',
        Status: 'DRAFT',
        LineAmountTypes: 'EXCLUSIVE',
        LineItems: [{ Description: 'Summer festival staging (2026-07-10 to 2026-07-12)', Quantity: 1, UnitAmount: 1000 }],
      },
    });
  });

  test('an opportunity without a customer cannot become a quote', () => {
    expect(() => payloadOf({ memberId: null, memberName: null })).toThrow(UnsyncableOpportunity);
    expect(() => payloadOf({ memberId: null })).toThrow('Opportunity 101 has no customer (member): a Xero quote needs a contact');
  });

  test('a deleted opportunity maps to a DELETED quote', () => {
    expect(payloadOf({ deleted: true }).quote.Status).toBe('DELETED');
  });

  test('falls back to CRMS-<id>, a member label and the start date; fits Xero field limits; unreadable money is 0', () => {
    const payload = payloadOf({ number: null, memberName: '  ', sourceUpdatedAt: null, subject: 'x'.repeat(150), chargeExcludingTaxTotal: 'n/a', statusName: null });
    expect(payload.contact.Name).toBe('Current RMS member 42');
    expect(payload.quote.Reference).toBe('CRMS-101');
    expect(payload.quote.Date).toBe('2026-07-10');
    expect(payload.quote.ExpiryDate).toBe('2026-07-10');
    expect(payload.quote.Title).toHaveLength(100);
    expect(payload.quote.Title.endsWith('…')).toBe(true);
    expect(payload.quote.Summary).toBe('Current RMS opportunity CRMS-101 (Quotation) (2026-07-10 to 2026-07-12).');
    expect(payload.quote.LineItems[0].UnitAmount).toBe(0);
  });

  test('rounds the amount to cents and leaves out an expiry before the quote date', () => {
    const payload = payloadOf({ chargeExcludingTaxTotal: '99.995', sourceUpdatedAt: '2026-08-01T00:00:00Z' });
    expect(payload.quote.LineItems[0].UnitAmount).toBe(100);
    expect(payload.quote).not.toHaveProperty('ExpiryDate');
  });

  test('an opportunity with neither an update time nor a start date cannot be dated', () => {
    expect(() => payloadOf({ sourceUpdatedAt: null, startsAt: 'soon' })).toThrow(UnsyncableOpportunity);
  });
});

describe('XeroConnector writes', () => {
  test('creates the contact and quote, then updates the same quote (the unchanged contact costs no call)', async () => {
    const connector = new XeroConnector(fake.settings());
    const first = await connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null });
    expect(first).toEqual({
      externalId: expect.any(String),
      created: true,
      metadata: { contactId: expect.any(String), contactNumber: '42', contactName: 'Acme Events Ltd', quoteNumber: 'QU-0001' },
    });
    fake.requests.length = 0;

    const second = await connector.write({ payload: payloadOf({ chargeExcludingTaxTotal: '1500.00', subject: 'Summer festival staging v2' }), idempotencyKey: 'sync-2', previous: linkOf(first) });
    expect(second).toEqual({ ...first, created: false });
    expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /Quotes']);
    const [quote] = fake.quotes();
    expect(fake.quotes()).toHaveLength(1);
    expect(quote).toMatchObject({ QuoteID: first.externalId, Title: 'Summer festival staging v2', Reference: 'OPP-00101', Status: 'DRAFT', Total: 1500, DateString: '2026-06-01T00:00:00' });
    expect(quote?.Contact).toEqual({ ContactID: first.metadata.contactId, Name: 'Acme Events Ltd' });
    expect(fake.contacts()).toEqual([expect.objectContaining({ ContactID: first.metadata.contactId, ContactNumber: '42', Name: 'Acme Events Ltd' })]);
    expect(fake.stats().writes).toEqual({ contacts: { created: 1, updated: 0 }, quotes: { created: 1, updated: 1 }, invoices: { created: 0, updated: 0 } });
  });

  test('sends the bearer token, tenant, Accept and a per-step Idempotency-Key of at most 128 characters', async () => {
    const longKey = `sync-xero-101-${'f'.repeat(150)}`;
    await new XeroConnector(fake.settings()).write({ payload: payloadOf(), idempotencyKey: longKey, previous: null });
    const writes = fake.requests.filter((request) => request.method !== 'GET');
    expect(writes.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /Contacts', 'PUT /Quotes']);
    expect(writes.map((request) => request.idempotencyKey)).toEqual([idempotencyKeyHeader(`${longKey}:contact:new`), idempotencyKeyHeader(`${longKey}:quote`)]);
    expect(writes.every((request) => request.idempotencyKey!.length <= 128)).toBe(true);
    expect(idempotencyKeyHeader('short:quote')).toBe('short:quote');
    expect(fake.requests.every((request) => request.status === 200)).toBe(true);
  });

  test('a write whose answer was lost is retried without a second contact or quote', async () => {
    const connector = new XeroConnector(fake.settings());
    fake.injectFault({ kind: 'drop-after-write', method: 'PUT', path: '/Quotes' });
    const lost = await rejection(connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null }));
    expect(lost.kind).toBe('retryable');
    expect(fake.quotes()).toHaveLength(1);

    const retried = await connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null });
    expect(retried.externalId).toBe(fake.quotes()[0]?.QuoteID);
    expect(fake.contacts()).toHaveLength(1);
    expect(fake.quotes()).toHaveLength(1);
    expect(fake.stats().writes.quotes.created).toBe(1);
  });

  test('concurrent duplicates of one write are answered from the Idempotency-Key cache: one contact, one quote', async () => {
    fake.setLatency(20);
    const connector = new XeroConnector(fake.settings());
    const results = await Promise.all([1, 2, 3].map(() => connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null })));
    expect(new Set(results.map((result) => result.externalId)).size).toBe(1);
    expect(fake.contacts()).toHaveLength(1);
    expect(fake.quotes()).toHaveLength(1);
    // Without the key, the second and third POST /Contacts would be refused ("already assigned") or create duplicates.
    expect(fake.stats().idempotentReplays).toBeGreaterThanOrEqual(2);
    expect(fake.stats().writes).toMatchObject({ contacts: { created: 1, updated: 0 }, quotes: { created: 1 } });
  });

  test("syncs of two opportunities of one new customer racing to create its contact both link to the winner's contact", async () => {
    fake.setLatency(20); // both lookups are answered before either POST /Contacts arrives
    const connector = new XeroConnector(fake.settings());
    const [first, second] = await Promise.all([
      connector.write({ payload: payloadOf(), idempotencyKey: 'sync-101', previous: null }),
      connector.write({ payload: payloadOf({ id: 102, number: 'OPP-00102' }), idempotencyKey: 'sync-102', previous: null }),
    ]);
    const contactPosts = fake.requests.filter((request) => `${request.method} ${request.path}` === 'POST /Contacts');
    expect(contactPosts.map((request) => request.status).sort()).toEqual([200, 400]);
    expect(second?.metadata.contactId).toBe(first?.metadata.contactId);
    expect(fake.contacts()).toEqual([expect.objectContaining({ ContactID: first?.metadata.contactId, ContactNumber: '42', Name: 'Acme Events Ltd' })]);
    expect(fake.quotes().map((quote) => [quote.Reference, quote.Contact.ContactID])).toEqual([
      ['OPP-00101', first?.metadata.contactId],
      ['OPP-00102', first?.metadata.contactId],
    ]);
  });

  test('a stale quote id (404) falls back to a new quote; a stale contact id to the ContactNumber lookup', async () => {
    const connector = new XeroConnector(fake.settings());
    const first = await connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null });
    fake.organisation.quotes.delete(first.externalId);
    const stale = { externalId: first.externalId, metadata: { ...first.metadata, contactId: '00000000-0000-0000-0000-000000000000', contactName: 'Old name' } };

    const second = await connector.write({ payload: payloadOf(), idempotencyKey: 'sync-2', previous: stale });
    expect(second.created).toBe(true);
    expect(second.externalId).not.toBe(first.externalId);
    expect(second.metadata.contactId).toBe(first.metadata.contactId);
    expect(fake.contacts()).toHaveLength(1);
    expect(fake.quotes()).toHaveLength(1);
  });

  test('a quote a Xero user deleted is replaced for a live opportunity, and left deleted for a deleted one', async () => {
    const connector = new XeroConnector(fake.settings());
    const first = await connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null });
    expect(fake.organisation.saveQuotes([{ QuoteID: first.externalId, Status: 'DELETED' }], 'create-or-update').kind).toBe('saved');

    const revived = await connector.write({ payload: payloadOf({ subject: 'Changed' }), idempotencyKey: 'sync-2', previous: linkOf(first) });
    expect(revived.created).toBe(true);
    expect(fake.quotes().map((quote) => [quote.QuoteID, quote.Status])).toEqual([
      [first.externalId, 'DELETED'],
      [revived.externalId, 'DRAFT'],
    ]);

    expect(fake.organisation.saveQuotes([{ QuoteID: revived.externalId, Status: 'DELETED' }], 'create-or-update').kind).toBe('saved');
    const deleted = await connector.write({ payload: payloadOf({ deleted: true }), idempotencyKey: 'sync-3', previous: linkOf(revived) });
    expect(deleted).toMatchObject({ externalId: revived.externalId, created: false });
    expect(fake.quotes()).toHaveLength(2);
  });

  test('a deleted opportunity deletes its quote; one deleted before its first sync gets a deleted quote', async () => {
    const connector = new XeroConnector(fake.settings());
    const first = await connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null });
    await connector.write({ payload: payloadOf({ deleted: true }), idempotencyKey: 'sync-2', previous: linkOf(first) });
    expect(fake.quotes().map((quote) => quote.Status)).toEqual(['DELETED']);

    const never = await connector.write({ payload: payloadOf({ id: 202, number: 'OPP-00202', deleted: true }), idempotencyKey: 'sync-3', previous: null });
    expect(never.created).toBe(true);
    expect(fake.quotes().find((quote) => quote.QuoteID === never.externalId)).toMatchObject({ Reference: 'OPP-00202', Status: 'DELETED' });
  });

  test('a new customer gets its own contact; the previous customer contact is left as it was', async () => {
    const connector = new XeroConnector(fake.settings());
    const first = await connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null });
    const second = await connector.write({ payload: payloadOf({ memberId: 43, memberName: 'Beta Venues' }), idempotencyKey: 'sync-2', previous: linkOf(first) });
    expect(second.externalId).toBe(first.externalId);
    expect(second.metadata.contactId).not.toBe(first.metadata.contactId);
    expect(fake.contacts().map((contact) => [contact.ContactNumber, contact.Name])).toEqual([
      ['42', 'Acme Events Ltd'],
      ['43', 'Beta Venues'],
    ]);
    expect(fake.quotes()[0]?.Contact.ContactID).toBe(second.metadata.contactId);
  });

  test('adopts a hand-made contact of the same name; a same-named contact of another member is a validation failure', async () => {
    const handMade = fake.organisation.saveContacts([{ Name: 'Acme Events Ltd' }], 'create');
    const connector = new XeroConnector(fake.settings());
    const adopted = await connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null });
    expect(handMade.kind === 'saved' && handMade.records[0]?.ContactID).toBe(adopted.metadata.contactId);
    expect(fake.contacts()).toEqual([expect.objectContaining({ ContactNumber: '42', Name: 'Acme Events Ltd' })]);

    const clash = await rejection(connector.write({ payload: payloadOf({ id: 102, memberId: 99 }), idempotencyKey: 'sync-2', previous: null }));
    expect(clash).toMatchObject({ kind: 'validation', details: { status: 400 } });
    expect(clash.message).toBe(
      'Xero POST /Contacts answered 400: The contact name Acme Events Ltd is already assigned to another contact. The contact name must be unique across all active contacts.',
    );
  });

  test("finds the contact's quote with our Reference on a later page", async () => {
    const connector = new XeroConnector(fake.settings());
    const first = await connector.write({ payload: payloadOf({ id: 1, number: 'OPP-1' }), idempotencyKey: 'sync-1', previous: null });
    const line = [{ Description: 'Other', Quantity: 1, UnitAmount: 1 }];
    const others = Array.from({ length: 100 }, (_, index) => ({ Contact: { ContactID: first.metadata.contactId }, Date: '2026-01-01', Reference: `OTHER-${index}`, LineItems: line }));
    expect(fake.organisation.saveQuotes(others, 'create').kind).toBe('saved');
    const target = fake.organisation.saveQuotes([{ Contact: { ContactID: first.metadata.contactId }, Date: '2026-01-01', Reference: 'OPP-00101', LineItems: line }], 'create');
    fake.requests.length = 0;

    const result = await connector.write({ payload: payloadOf(), idempotencyKey: 'sync-2', previous: null });
    expect(target.kind === 'saved' && target.records[0]?.QuoteID).toBe(result.externalId);
    expect(result.created).toBe(false);
    expect(fake.requests.filter((request) => request.path.startsWith('/Quotes?')).map((request) => new URL(request.path, 'http://x').searchParams.get('page'))).toEqual(['1', '2']);
  });
});

describe('XeroConnector failures', () => {
  test('429 is retryable with the Retry-After delay and names the limit hit', async () => {
    fake.injectFault({ kind: 'rate-limit', retryAfterSeconds: 7 });
    const error = await rejection(new XeroConnector(fake.settings()).write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null }));
    expect(error).toMatchObject({ system: 'xero', kind: 'retryable', details: { status: 429, retryAfterMs: 7000 } });
    expect(error.message).toMatch(/^Xero rate limit hit on GET \/Contacts \(X-Rate-Limit-Problem: minute, X-MinLimit-Remaining: \d+, X-DayLimit-Remaining: \d+\)$/);
  });

  test("the fake's own minute limit answers 429 with the wait until a call leaves the window", async () => {
    fake.setLimits({ perMinute: 2 });
    const error = await rejection(new XeroConnector(fake.settings()).write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null }));
    expect(error.kind).toBe('retryable');
    expect(error.details.retryAfterMs).toBeGreaterThan(50_000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(error.message).toContain('X-Rate-Limit-Problem: minute, X-MinLimit-Remaining: 0');
    expect(fake.stats().rateLimited).toBe(1);
  });

  test.each([
    ['server-error', 500],
    ['unavailable', 503],
  ] as const)('%s (%i) is retryable', async (kind, status) => {
    fake.injectFault({ kind, retryAfterSeconds: 2, method: 'PUT' });
    const error = await rejection(new XeroConnector(fake.settings()).write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null }));
    expect(error).toMatchObject({ kind: 'retryable', details: { status, retryAfterMs: 2000 } });
  });

  test("a ValidationException keeps Xero's messages verbatim and is not retryable", async () => {
    fake.injectFault({ kind: 'validation', message: 'Account code 999 is not a valid code for this document.', method: 'PUT', path: '/Quotes' });
    const error = await rejection(new XeroConnector(fake.settings()).write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null }));
    expect(error).toMatchObject({ kind: 'validation', retryable: false, details: { status: 400 } });
    expect(error.message).toBe('Xero PUT /Quotes answered 400: Account code 999 is not a valid code for this document.');
  });

  test('wrong client credentials are an auth failure that names the variables, never the secret', async () => {
    const error = await rejection(new XeroConnector({ ...fake.settings(), clientSecret: 'wrong-secret' }).write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null }));
    expect(error).toMatchObject({ kind: 'auth', details: { status: 400 } });
    expect(error.message).toBe('Xero refused the client credentials (400 invalid_client): check XERO_CLIENT_ID and XERO_CLIENT_SECRET');
    expect(error.message).not.toContain('wrong-secret');
  });

  test('a tenant the connection cannot reach is an auth failure (403 AuthenticationUnsuccessful)', async () => {
    const error = await rejection(new XeroConnector({ ...fake.settings(), tenantId: 'another-tenant' }).write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null }));
    expect(error).toMatchObject({ kind: 'auth', details: { status: 403 } });
    expect(error.message).toBe("Xero GET /Contacts answered 403: Forbidden: AuthenticationUnsuccessful (check XERO_TENANT_ID and the connection's scopes)");
  });

  test('an expired token is renewed once and the call replayed; the token is otherwise reused', async () => {
    const connector = new XeroConnector(fake.settings());
    const first = await connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null });
    expect(fake.stats().tokensIssued).toBe(1);
    fake.expireTokens();
    fake.requests.length = 0;

    await connector.write({ payload: payloadOf({ subject: 'Renamed' }), idempotencyKey: 'sync-2', previous: linkOf(first) });
    expect(fake.stats().tokensIssued).toBe(2);
    expect(fake.requests.map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual(['POST /Quotes 401', 'POST /Quotes 200']);
    expect(fake.quotes()[0]?.Title).toBe('Renamed');
  });

  test('a token refused again after renewal is an auth failure', async () => {
    fake.injectFault({ kind: 'token-expired', count: 2 });
    const error = await rejection(new XeroConnector(fake.settings()).write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null }));
    expect(error).toMatchObject({ kind: 'auth', details: { status: 401 } });
    expect(error.message).toMatch(/^Xero GET \/Contacts answered 401: Unauthorized: TokenExpired: token expired at \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} \(a freshly issued token was refused too\)$/);
    expect(fake.stats().tokensIssued).toBe(2);
  });

  test('an unreachable Xero is retryable', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const settings = { ...fake.settings(), tokenUrl: `http://127.0.0.1:${closedPort}/connect/token` };
    const error = await rejection(new XeroConnector(settings).write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null }));
    expect(error.kind).toBe('retryable');
    expect(error.message).toMatch(/^Xero token endpoint did not answer/);
  });

  test('the AbortSignal aborts an in-flight call', async () => {
    fake.setLatency(5_000);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const error: unknown = await new XeroConnector(fake.settings()).write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null, signal: controller.signal }).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('rate limiting', () => {
  test('the in-process limiter keeps at most 5 calls in flight against the tenant, so Xero never answers 429', async () => {
    fake.setLatency(40);
    const connector = new XeroConnector(fake.settings());
    const writes = Array.from({ length: 8 }, (_, index) =>
      connector.write({ payload: payloadOf({ id: 300 + index, number: `OPP-${300 + index}`, memberId: 500 + index, memberName: `Customer ${index}` }), idempotencyKey: `sync-${index}`, previous: null }),
    );
    const results = await Promise.all(writes);
    expect(results.every((result) => result.created)).toBe(true);
    expect(fake.stats()).toMatchObject({ peakConcurrent: 5, rateLimited: 0, tokensIssued: 1 });
    expect(fake.quotes()).toHaveLength(8);
  });

  test('the limiter holds a call until the oldest start leaves the rolling window', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 5, maxPerWindow: 3, windowMs: 300 });
    const started = Date.now();
    const releases = await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    releases.forEach((release) => release());
    expect(limiter.usage()).toEqual({ active: 0, inWindow: 3, waiting: 0 });
    const fourth = await limiter.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    fourth();
  });

  test('a hold (Xero answered 429) starts no call until its Retry-After has passed, at most one window', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 5, maxPerWindow: 100, windowMs: 1_000 });
    let started = Date.now();
    limiter.holdFor(300);
    (await limiter.acquire())();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    started = Date.now();
    limiter.holdFor(3_600_000); // the day limit's Retry-After: waited out by the activity's retry, not here
    (await limiter.acquire())();
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test("after a 429 the connector holds its other calls to the tenant for the Retry-After instead of hitting the limit again", async () => {
    fake.injectFault({ kind: 'rate-limit', count: 1, retryAfterSeconds: 1 });
    const connector = new XeroConnector(fake.settings());
    const refused = await rejection(connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null }));
    expect(refused.details).toMatchObject({ status: 429, retryAfterMs: 1000 });
    const started = Date.now();
    const written = await connector.write({ payload: payloadOf({ id: 301, number: 'OPP-301' }), idempotencyKey: 'sync-2', previous: null });
    expect(written.created).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fake.requests.filter((request) => request.status === 429)).toHaveLength(1);
  });

  test('the limiter queues past the concurrency limit in order, and an aborted waiter leaves the queue', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 1, maxPerWindow: 100, windowMs: 60_000 });
    const order: string[] = [];
    const first = await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal).then(
      () => order.push('aborted one granted'),
      (error: Error) => order.push(`aborted one: ${error.name}`),
    );
    const third = limiter.acquire().then((release) => {
      order.push('third granted');
      release();
    });
    expect(limiter.usage()).toMatchObject({ active: 1, waiting: 2 });
    controller.abort();
    await aborted;
    first();
    await third;
    expect(order).toEqual(['aborted one: AbortError', 'third granted']);
    expect(limiter.usage()).toMatchObject({ active: 0, waiting: 0 });
  });
});

describe('the Xero fake', () => {
  test('issues client-credentials tokens with Basic auth, accepting scope or scopes', async () => {
    const basic = `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`;
    const token = (body: string, authorization = basic) => fetch(fake.tokenUrl, { method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    const granted = await token('grant_type=client_credentials&scopes=accounting.contacts');
    expect(granted.status).toBe(200);
    expect(await granted.json()).toEqual({ access_token: expect.any(String), expires_in: 1800, token_type: 'Bearer', scope: 'accounting.contacts' });
    expect((await token('grant_type=client_credentials&scope=accounting.transactions accounting.contacts')).status).toBe(200);
    expect(await (await token('grant_type=client_credentials', 'Basic bm9ib2R5OndoYXQ=')).json()).toEqual({ error: 'invalid_client' });
    expect(await (await token('grant_type=authorization_code')).json()).toEqual({ error: 'unsupported_grant_type' });
    expect(await (await token('grant_type=client_credentials&scope=payroll.employees')).json()).toEqual({ error: 'invalid_scope' });
  });

  test('answers unknown tokens 401 and a missing tenant 403 with Xero problem bodies; limit headers on every answer', async () => {
    const unknown = await fetch(`${fake.apiUrl}/Contacts`, { headers: { Authorization: 'Bearer nope', 'xero-tenant-id': fake.tenantId } });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ Type: null, Title: 'Unauthorized', Status: 401, Detail: 'AuthorizationUnsuccessful', Instance: expect.any(String), Extensions: {} });
    const noTenant = await xeroApi('/Contacts', { headers: { 'xero-tenant-id': '' } });
    expect(noTenant.status).toBe(403);
    expect(await noTenant.json()).toMatchObject({ Title: 'Forbidden', Status: 403, Detail: 'AuthenticationUnsuccessful' });
    const ok = await xeroApi('/Contacts');
    expect(ok.status).toBe(200);
    expect(Object.fromEntries(['x-minlimit-remaining', 'x-daylimit-remaining', 'x-appminlimit-remaining'].map((name) => [name, ok.headers.get(name)]))).toEqual({
      'x-minlimit-remaining': '59',
      'x-daylimit-remaining': '4999',
      'x-appminlimit-remaining': '9999',
    });
    expect(await ok.json()).toEqual({ Id: expect.any(String), Status: 'OK', ProviderName: 'Integration Platform', DateTimeUTC: expect.stringMatching(/^\/Date\(\d+\)\/$/), Contacts: [] });
  });

  test('validates contacts and quotes with ValidationException bodies, numbers quotes and filters them', async () => {
    const contact = await xeroApi('/Contacts', { method: 'PUT', body: { Contacts: [{ Name: 'Gamma Hire', ContactNumber: '7' }] } });
    const { Contacts } = (await contact.json()) as { Contacts: { ContactID: string; UpdatedDateUTC: string }[] };
    expect(Contacts[0]?.UpdatedDateUTC).toMatch(/^\/Date\(\d+\+0000\)\/$/);
    const contactId = Contacts[0]!.ContactID;
    const invalid = await xeroApi('/Quotes', { method: 'PUT', body: { Quotes: [{ Contact: {}, Date: '2026-01-01', LineItems: [], Status: 'PENDING' }] } });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({
      ErrorNumber: 10,
      Type: 'ValidationException',
      Message: 'A validation exception occurred',
      Elements: [
        {
          Contact: {},
          Date: '2026-01-01',
          LineItems: [],
          Status: 'PENDING',
          HasValidationErrors: true,
          ValidationErrors: [
            { Message: 'A Contact must be specified for this type of transaction' },
            { Message: 'At least one line item must be specified.' },
            { Message: 'Status must be one of DRAFT, SENT, DECLINED, ACCEPTED, INVOICED, DELETED.' },
          ],
        },
      ],
    });
    const quote = { Contact: { ContactID: contactId }, Date: '2026-01-01', LineItems: [{ Description: 'Staging', Quantity: 2, UnitAmount: 12.5 }] };
    for (let index = 0; index < 2; index += 1) expect((await xeroApi('/Quotes', { method: 'PUT', body: { Quotes: [quote] } })).status).toBe(200);
    const found = (await (await xeroApi('/Quotes?QuoteNumber=QU-0002')).json()) as { Quotes: { QuoteNumber: string; Total: number; Date: string }[] };
    expect(found.Quotes).toEqual([expect.objectContaining({ QuoteNumber: 'QU-0002', Total: 25, Date: '/Date(1767225600000+0000)/', LineAmountTypes: 'EXCLUSIVE' })]);
    const byName = (await (await xeroApi(`/Contacts?where=${encodeURIComponent('Name=="gamma hire"')}`)).json()) as { Contacts: unknown[] };
    expect(byName.Contacts).toHaveLength(1);
    expect((await xeroApi(`/Contacts?where=${encodeURIComponent('Name.Contains("x")')}`)).status).toBe(400);
    const invoice = await xeroApi('/Invoices', { method: 'PUT', body: { Invoices: [{ Type: 'ACCREC', ...quote }] } });
    expect(await invoice.json()).toMatchObject({ Invoices: [{ InvoiceNumber: 'INV-0001', Type: 'ACCREC', Total: 25, AmountDue: 25 }] });
    const missing = await xeroApi('/Quotes/00000000-0000-0000-0000-000000000000');
    expect([missing.status, await missing.text()]).toEqual([404, "The resource you're looking for cannot be found"]);
  });

  test('replays a repeated Idempotency-Key and refuses it with a different body', async () => {
    const put = (name: string) => xeroApi('/Contacts', { method: 'PUT', body: { Name: name }, headers: { 'Idempotency-Key': 'key-1' } });
    const first = (await (await put('Delta Sound')).json()) as { Contacts: { ContactID: string }[] };
    const replay = (await (await put('Delta Sound')).json()) as { Contacts: { ContactID: string }[] };
    expect(replay.Contacts[0]?.ContactID).toBe(first.Contacts[0]?.ContactID);
    const conflict = await put('Other Name');
    expect(conflict.status).toBe(400);
    expect(await conflict.json()).toMatchObject({ Title: 'Bad Request', Detail: 'The Idempotency-Key was already used with a different request body' });
    expect(fake.contacts()).toHaveLength(1);
    expect(fake.stats().idempotentReplays).toBe(1);
  });

  test('exposes records, counts, faults, failure rate, latency, limits, token expiry and reset under /__sandbox/', async () => {
    const sandbox = (method: string, path: string, body?: unknown) =>
      fetch(`${fake.baseUrl}/__sandbox/${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const connector = new XeroConnector(fake.settings());
    const first = await connector.write({ payload: payloadOf(), idempotencyKey: 'sync-1', previous: null });
    expect(await (await sandbox('GET', 'quotes')).json()).toEqual({ quotes: [expect.objectContaining({ QuoteID: first.externalId })] });
    expect(await (await sandbox('GET', 'contacts')).json()).toEqual({ contacts: [expect.objectContaining({ ContactNumber: '42' })] });
    expect(await (await sandbox('GET', 'stats')).json()).toMatchObject({ writes: { contacts: { created: 1, updated: 0 }, quotes: { created: 1, updated: 0 } }, tokensIssued: 1 });

    expect((await sandbox('POST', 'faults', { kind: 'unavailable', retryAfterSeconds: 3 })).status).toBe(204);
    expect(await rejection(connector.write({ payload: payloadOf(), idempotencyKey: 'sync-2', previous: linkOf(first) }))).toMatchObject({ details: { status: 503, retryAfterMs: 3000 } });
    expect((await sandbox('POST', 'faults', { kind: 'meteor' })).status).toBe(400);

    expect((await sandbox('PUT', 'failure-rate', { rate: 1, retryAfterSeconds: 2 })).status).toBe(204);
    const failures = await Promise.all([1, 2, 3, 4].map((n) => rejection(connector.write({ payload: payloadOf(), idempotencyKey: `sync-f${n}`, previous: linkOf(first) }))));
    expect(failures.every((error) => error.kind === 'retryable' && [429, 500].includes(error.details.status!) && error.details.retryAfterMs === 2000)).toBe(true);
    expect((await sandbox('PUT', 'failure-rate', { rate: 0 })).status).toBe(204);

    expect(await (await sandbox('PUT', 'limits', { perMinute: 30 })).json()).toEqual({ concurrent: 5, perMinute: 30, perDay: 5000 });
    expect((await sandbox('PUT', 'latency', { ms: 0 })).status).toBe(204);
    expect((await sandbox('POST', 'expire-tokens')).status).toBe(204);
    await connector.write({ payload: payloadOf({ subject: 'After expiry' }), idempotencyKey: 'sync-3', previous: linkOf(first) });
    expect(fake.stats().tokensIssued).toBe(2);

    expect((await sandbox('POST', 'reset')).status).toBe(204);
    expect(await (await sandbox('GET', 'quotes')).json()).toEqual({ quotes: [] });
    expect(await (await sandbox('GET', 'stats')).json()).toMatchObject({ requests: 0, tokensIssued: 0 });
  });
});
