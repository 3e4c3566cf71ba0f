// The Salesforce payload mapping, and the connector (jsforce over our transport) against the Salesforce fake over real HTTP.
import { generateKeyPairSync } from 'node:crypto';
import { Connection } from 'jsforce';
import type { OpportunitySnapshot } from '../../domain/opportunity';
import { STAGE_BY_STATUS, type SalesforcePayload, toSalesforcePayload } from '../../domain/sync-payloads/salesforce';
import { UnsyncableOpportunity } from '../../domain/sync-payloads/unsyncable';
import { IntegrationError } from '../../integrations/errors';
import { ApiQuota, MAX_WAIT_MS, QUOTA_RETRY_AFTER_MS } from '../../integrations/salesforce/api-quota';
import { SalesforceConnector } from '../../integrations/salesforce/connector';
import type { SalesforceSettings } from '../../lib/config';
import { FakeSalesforce } from '../fakes/salesforce';

const EXTERNAL_ID_FIELD = 'CurrentRMS_Id__c';
/** A refresh token the fake org issued earlier (web-server flow), for the refresh_token grant. */
const REFRESH_TOKEN = 'refresh-token-from-web-flow';

function snapshot(overrides: Partial<OpportunitySnapshot> = {}): OpportunitySnapshot {
  return {
    id: 42,
    subject: 'Summer festival staging',
    number: 'OPP-00042',
    state: 2,
    stateName: 'Quotation',
    status: 0,
    statusName: 'Open',
    startsAt: '2026-07-03T09:00:00.000Z',
    endsAt: '2026-07-05T18:00:00.000Z',
    chargeTotal: '12500.50',
    chargeExcludingTaxTotal: '10417.08',
    chargeIncludingTaxTotal: '12500.50',
    taxTotal: '2083.42',
    memberId: 7,
    memberName: 'Acme Events Ltd',
    ownerId: 3,
    ownerName: 'Jane Doe',
    customFields: {},
    sourceUpdatedAt: '2026-05-01T10:00:00.000Z',
    deleted: false,
    ...overrides,
  };
}

describe('toSalesforcePayload', () => {
  it('maps an open quotation: external id, name, stage, close date (the start day), amount and a short description', () => {
    expect(toSalesforcePayload(snapshot())).toEqual({
      externalIdValue: '42',
      fields: {
        Name: 'Summer festival staging',
        StageName: 'Proposal/Price Quote',
        CloseDate: '2026-07-03',
        Amount: 12500.5,
        Description: 'Current RMS opportunity OPP-00042\nCustomer: Acme Events Ltd\nOwner: Jane Doe',
      },
    });
  });

  it.each([
    [0, 0, 'Prospecting'],
    [0, 1, 'Qualification'],
    [0, 2, 'Proposal/Price Quote'],
    [0, 3, 'Closed Won'],
    [1, 2, 'Proposal/Price Quote'],
    [5, 2, 'Negotiation/Review'],
    [20, 3, 'Closed Won'],
    [40, 3, 'Closed Won'],
    [50, 3, 'Closed Lost'],
    [60, 2, 'Closed Lost'],
    [70, 2, 'Closed Lost'],
    [80, 2, 'Needs Analysis'],
    [99, 1, 'Qualification'],
    [null, null, 'Prospecting'],
  ])('status %p in state %p is stage %p', (status, state, stage) => {
    expect(toSalesforcePayload(snapshot({ status, state })).fields.StageName).toBe(stage);
  });

  it('maps a deleted opportunity to Closed Lost whatever its status', () => {
    expect(toSalesforcePayload(snapshot({ status: 20, state: 3, deleted: true })).fields.StageName).toBe('Closed Lost');
  });

  it('takes CloseDate from the start, else the end, else the last update; without any it cannot sync', () => {
    expect(toSalesforcePayload(snapshot({ startsAt: null })).fields.CloseDate).toBe('2026-07-05');
    expect(toSalesforcePayload(snapshot({ startsAt: null, endsAt: 'not a date' })).fields.CloseDate).toBe('2026-05-01');
    expect(() => toSalesforcePayload(snapshot({ startsAt: null, endsAt: null, sourceUpdatedAt: null }))).toThrow(UnsyncableOpportunity);
  });

  it('keeps Name within 120 characters, names a blank subject after the number, and leaves an unreadable amount empty', () => {
    const long = toSalesforcePayload(snapshot({ subject: 'x'.repeat(200) })).fields.Name;
    expect(long).toHaveLength(120);
    expect(long.endsWith('…')).toBe(true);
    expect(toSalesforcePayload(snapshot({ subject: '  ' })).fields.Name).toBe('Opportunity OPP-00042');
    expect(toSalesforcePayload(snapshot({ chargeTotal: '' })).fields.Amount).toBeNull();
    expect(toSalesforcePayload(snapshot({ memberName: null, ownerName: null, number: null })).fields.Description).toBe('Current RMS opportunity #42');
  });
});

describe('ApiQuota (the daily API quota rule)', () => {
  const now = 1_000_000_000;
  const quotaAt = (used: number, limit = 1000) => {
    const quota = new ApiQuota();
    quota.observe(`api-usage=${used}/${limit}`, now);
    return quota;
  };

  it('writes at full speed below 90 %, then waits in proportion up to 98 %', () => {
    expect(new ApiQuota().waitBeforeWrite(now)).toBe(0);
    expect(quotaAt(899).waitBeforeWrite(now)).toBe(0);
    expect(quotaAt(900).waitBeforeWrite(now)).toBe(0);
    expect(quotaAt(940).waitBeforeWrite(now)).toBe(MAX_WAIT_MS / 2);
    expect(quotaAt(979).waitBeforeWrite(now)).toBe(Math.round((0.079 / 0.08) * MAX_WAIT_MS));
  });

  it('refuses from 98 % with a retryable error and a long delay, until the reading is an hour old', () => {
    const quota = quotaAt(980);
    expect(() => quota.waitBeforeWrite(now)).toThrow(expect.objectContaining({ kind: 'retryable', details: { retryAfterMs: QUOTA_RETRY_AFTER_MS } }) as Error);
    expect(() => quotaAt(1000).waitBeforeWrite(now + QUOTA_RETRY_AFTER_MS - 1)).toThrow(IntegrationError);
    expect(quota.waitBeforeWrite(now + QUOTA_RETRY_AFTER_MS)).toBe(0);
  });

  it("reads the org's api-usage, not the connected app's per-app count, and keeps the last reading when a header lacks it", () => {
    const quota = new ApiQuota();
    quota.observe('api-usage=940/1000; per-app-api-usage=5/100(appName=platform)', now);
    expect(quota.waitBeforeWrite(now)).toBe(MAX_WAIT_MS / 2);
    quota.observe('per-app-api-usage=99/100(appName=platform)', now);
    quota.observe(null, now);
    expect(quota.waitBeforeWrite(now)).toBe(MAX_WAIT_MS / 2);
  });
});

describe('SalesforceConnector against the Salesforce fake', () => {
  let fake: FakeSalesforce;

  const settingsFor = (target: FakeSalesforce, overrides: Partial<SalesforceSettings> = {}): SalesforceSettings => ({ ...target.settings(), ...overrides });
  const connectorFor = (overrides: Partial<SalesforceSettings> = {}) => new SalesforceConnector(settingsFor(fake, overrides));
  const payloadFor = (overrides: Partial<OpportunitySnapshot> = {}): SalesforcePayload => toSalesforcePayload(snapshot(overrides));
  const write = (connector: SalesforceConnector, payload = payloadFor(), signal?: AbortSignal) => connector.write({ payload, idempotencyKey: 'sync-salesforce-42-v1', previous: null, signal });
  const failure = async (promise: Promise<unknown>): Promise<IntegrationError> => {
    const error = await promise.then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(IntegrationError);
    return error as IntegrationError;
  };
  /** A separate jsforce client (its own transport, password grant), as another tool reading the org would be. */
  const readerFor = async (target: FakeSalesforce) => {
    const reader = new Connection({ oauth2: { clientId: target.app.clientId, clientSecret: target.app.clientSecret, loginUrl: target.baseUrl }, version: '62.0' });
    await reader.login(target.app.username, target.app.password);
    return reader;
  };
  const upserts = () => fake.requests.filter((request) => request.method === 'PATCH' && request.path.endsWith(`/${EXTERNAL_ID_FIELD}/42`));

  beforeAll(async () => {
    fake = await FakeSalesforce.start({ refreshToken: REFRESH_TOKEN });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.stop());

  it('creates the Opportunity, then updates the same record; SOQL through jsforce finds exactly one', async () => {
    const connector = connectorFor();
    const first = await write(connector);
    const second = await write(connector, payloadFor({ status: 20, state: 3, chargeTotal: '13000.00' }));

    expect(first).toEqual({ externalId: expect.stringMatching(/^006\w{15}$/), created: true, metadata: {} });
    expect(second).toEqual({ externalId: first.externalId, created: false, metadata: {} });
    expect(fake.writeCounts()).toEqual({ creates: 1, updates: 1 });
    const reader = await readerFor(fake);
    const { records } = await reader.query<{ Id: string; StageName: string; Amount: number }>(`SELECT Id, StageName, Amount FROM Opportunity WHERE ${EXTERNAL_ID_FIELD} = '42'`);
    expect(records).toEqual([expect.objectContaining({ Id: first.externalId, StageName: 'Closed Won', Amount: 13000 })]);
    expect(fake.tokenRequests()).toBe(2); // one grant per client: the connector reused its session
  });

  it('survives a lost answer: the retry after a dropped connection updates the record the first attempt created', async () => {
    const connector = connectorFor();
    fake.injectFault({ kind: 'drop-response', pathPattern: /\/sobjects\/Opportunity\// });

    const lost = await failure(write(connector));
    expect(lost.kind).toBe('retryable');
    expect(fake.records()).toHaveLength(1);
    const retried = await write(connector);

    expect(retried).toEqual({ externalId: fake.records()[0]?.Id, created: false, metadata: {} });
    expect(fake.writeCounts()).toEqual({ creates: 1, updates: 1 });
  });

  it('creates the record again when someone deleted it in Salesforce (the stored id is stale)', async () => {
    const connector = connectorFor();
    const first = await write(connector);
    fake.deleteRecord('Opportunity', first.externalId);

    const again = await connector.write({ payload: payloadFor(), idempotencyKey: 'k', previous: { externalId: first.externalId, metadata: {} } });

    expect(again.created).toBe(true);
    expect(again.externalId).not.toBe(first.externalId);
    expect(fake.records().map((record) => record.Id)).toEqual([again.externalId]);
  });

  it('reads the id back with SOQL when an API version before 46 answers the update 204 without a body', async () => {
    const connector = connectorFor({ apiVersion: '45.0' });
    const created = await write(connector);
    const updated = await write(connector);

    expect(created.created).toBe(true);
    expect(updated).toEqual({ externalId: created.externalId, created: false, metadata: {} });
    expect(fake.requests.filter((request) => request.path === '/services/data/v45.0/query')).toHaveLength(1);
  });

  it('refreshes an expired session by running the grant again, and replays the write', async () => {
    const connector = connectorFor();
    await write(connector);
    fake.expireSessions();

    const result = await write(connector);

    expect(result.created).toBe(false);
    expect(fake.tokenRequests()).toBe(2);
    expect(upserts().map((request) => request.status)).toEqual([201, 401, 200]);
  });

  it('shares one grant between concurrent first writes, and one refresh when their session expires', async () => {
    const connector = connectorFor();
    const writeAll = () => Promise.all([1, 2, 3, 4, 5].map((id) => connector.write({ payload: payloadFor({ id }), idempotencyKey: `k${id}`, previous: null })));

    expect((await writeAll()).every((result) => result.created)).toBe(true);
    fake.expireSessions();
    expect((await writeAll()).every((result) => !result.created)).toBe(true);

    expect(fake.tokenRequests()).toBe(2);
    expect(fake.writeCounts()).toEqual({ creates: 5, updates: 5 });
  });

  it('fails as auth, without looping, when Salesforce refuses the session it has just issued', async () => {
    const connector = connectorFor();
    fake.injectFault({ kind: 'invalid-session', count: 5 });

    const error = await failure(write(connector));

    expect(error.kind).toBe('auth');
    expect(fake.tokenRequests()).toBe(2);
    expect(upserts()).toHaveLength(2);
  });

  it('fails as auth with the OAuth error when the client credentials are wrong', async () => {
    const error = await failure(write(connectorFor({ clientSecret: 'not-the-secret' })));

    expect(error.kind).toBe('auth');
    expect(error.message).toContain('invalid_client: invalid client credentials');
    expect(error.message).not.toContain('not-the-secret');
    expect(fake.records()).toHaveLength(0);
  });

  it('authorizes with a JWT bearer assertion signed by the configured key, and refuses another key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const jwtFake = await FakeSalesforce.start({ jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    try {
      const jwtSettings = (key: typeof privateKey) =>
        settingsFor(jwtFake, { clientSecret: undefined, jwt: { username: jwtFake.app.username, privateKey: key.export({ type: 'pkcs8', format: 'pem' }).toString() } });

      const result = await new SalesforceConnector(jwtSettings(privateKey)).write({ payload: payloadFor(), idempotencyKey: 'k', previous: null });
      const refused = await failure(new SalesforceConnector(jwtSettings(other)).write({ payload: payloadFor(), idempotencyKey: 'k', previous: null }));

      expect(result.created).toBe(true);
      expect(refused.kind).toBe('auth');
      expect(refused.message).toContain('invalid_grant: invalid assertion');
    } finally {
      await jwtFake.stop();
    }
  });

  it('reports 429 as retryable with the Retry-After delay, and the next attempt succeeds', async () => {
    const connector = connectorFor();
    await write(connector);
    fake.injectFault({ kind: 'rate-limited', retryAfterSeconds: 7 });

    const error = await failure(write(connector));

    expect(error).toMatchObject({ kind: 'retryable', details: { status: 429, retryAfterMs: 7000 } });
    await expect(write(connector)).resolves.toMatchObject({ created: false });
  });

  it.each([
    ['server-error', 500, undefined],
    ['unavailable', 503, 2000],
  ] as const)('reports %s (%p) as retryable, with Retry-After when sent', async (kind, status, retryAfterMs) => {
    const connector = connectorFor();
    await write(connector);
    fake.injectFault({ kind, retryAfterSeconds: 2 });

    const error = await failure(write(connector));

    expect(error).toMatchObject({ kind: 'retryable', details: { status, retryAfterMs } });
    expect(upserts()).toHaveLength(2); // sent once: no retry inside the connector
  });

  it('reports 403 REQUEST_LIMIT_EXCEEDED as retryable after a long delay', async () => {
    const connector = connectorFor();
    fake.injectFault({ kind: 'request-limit' });

    const error = await failure(write(connector));

    expect(error).toMatchObject({ kind: 'retryable', details: { status: 403, retryAfterMs: QUOTA_RETRY_AFTER_MS } });
    expect(error.message).toContain('TotalRequests Limit exceeded.');
  });

  it("reports a record Salesforce rejects as a validation error in Salesforce's words", async () => {
    const connector = connectorFor();
    fake.addValidationRule({ type: 'Opportunity', field: 'Amount', message: 'Amount must be positive', rejects: (record) => typeof record.Amount === 'number' && record.Amount < 0 });
    const negative = await failure(write(connector, payloadFor({ chargeTotal: '-5.00' })));
    const blank = await failure(write(connector, { externalIdValue: '42', fields: { ...payloadFor().fields, CloseDate: '' } }));

    expect(negative).toMatchObject({ kind: 'validation', details: { status: 400 } });
    expect(negative.message).toContain('FIELD_CUSTOM_VALIDATION_EXCEPTION: Amount must be positive (Amount)');
    expect(blank.message).toContain('REQUIRED_FIELD_MISSING: Required fields are missing: [CloseDate] (CloseDate)');
    expect(fake.records()).toHaveLength(0);
  });

  it('reports records sharing the external id (300 Multiple Choices) as a validation error naming them', async () => {
    const ids = [1, 2].map((n) => fake.createRecord('Opportunity', { Name: `Copy ${n}`, StageName: 'Prospecting', CloseDate: '2026-07-03', [EXTERNAL_ID_FIELD]: '42' }));

    const error = await failure(write(connectorFor()));

    expect(error.kind).toBe('validation');
    expect(error.message).toContain(`Several Salesforce Opportunities have ${EXTERNAL_ID_FIELD} = 42 (${ids.join(', ')})`);
  });

  it('reports a misconfigured external-id field as a validation error naming it', async () => {
    const error = await failure(write(connectorFor({ externalIdField: 'Name' })));

    expect(error).toMatchObject({ kind: 'validation', details: { status: 404 } });
    expect(error.message).toContain('NOT_FOUND: Provided external ID field does not exist or is not accessible: Name');
  });

  it('reports an unreachable Salesforce as retryable', async () => {
    const gone = await FakeSalesforce.start();
    const settings = settingsFor(gone);
    await gone.stop();

    const error = await failure(new SalesforceConnector(settings).write({ payload: payloadFor(), idempotencyKey: 'k', previous: null }));

    expect(error.kind).toBe('retryable');
    expect(error.message).toMatch(/did not answer: fetch failed \(ECONNREFUSED\)/);
  });

  it('aborts the in-flight call when the signal fires', async () => {
    const connector = connectorFor();
    await write(connector);
    fake.setLatency(2_000);
    const started = performance.now();

    const error = await failure(write(connector, payloadFor(), AbortSignal.timeout(100)));

    expect(error).toMatchObject({ kind: 'retryable', message: 'Salesforce did not answer: the call was cancelled' });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('slows writes down from 90 % of the daily API quota and stops sending them at 98 %', async () => {
    const connector = connectorFor();
    fake.setApiUsage(909, 1000);
    await write(connector); // the answer reports 910/1000: 91 %

    const started = performance.now();
    await write(connector); // waits 1/8 of MAX_WAIT_MS first; reports 911/1000
    expect(performance.now() - started).toBeGreaterThanOrEqual(MAX_WAIT_MS / 8 - 5);

    fake.setApiUsage(979);
    await write(connector); // reports 980/1000: 98 %
    const sent = fake.requests.length;
    const error = await failure(write(connector));

    expect(error).toMatchObject({ kind: 'retryable', details: { retryAfterMs: QUOTA_RETRY_AFTER_MS } });
    expect(fake.requests.length).toBe(sent); // refused without calling Salesforce
  });

  it('pages query results through nextRecordsUrl for autoFetch and queryMore', async () => {
    const paged = await FakeSalesforce.start({ queryPageSize: 2 });
    try {
      const connector = new SalesforceConnector(settingsFor(paged));
      for (const id of [1, 2, 3, 4, 5]) await connector.write({ payload: payloadFor({ id }), idempotencyKey: `k${id}`, previous: null });
      const reader = await readerFor(paged);
      const soql = `SELECT Id, ${EXTERNAL_ID_FIELD} FROM Opportunity ORDER BY ${EXTERNAL_ID_FIELD}`;

      const all = await reader.query<Record<string, string>>(soql).run({ autoFetch: true, maxFetch: 100 });
      const firstPage = await reader.query<Record<string, string>>(soql);
      const secondPage = await reader.queryMore<Record<string, string>>(firstPage.nextRecordsUrl ?? '');

      expect(all.records.map((record) => record[EXTERNAL_ID_FIELD])).toEqual(['1', '2', '3', '4', '5']);
      expect(all).toMatchObject({ totalSize: 5, done: true });
      expect(firstPage).toMatchObject({ totalSize: 5, done: false, nextRecordsUrl: expect.stringMatching(/\/services\/data\/v62\.0\/query\/01g\w+-2$/) });
      expect(secondPage.records.map((record) => record[EXTERNAL_ID_FIELD])).toEqual(['3', '4']);
      expect(paged.requests.filter((request) => /\/query\/01g\w+-\d+$/.test(request.path)).map((request) => request.path.split('-').pop())).toEqual(['2', '4', '2']);
    } finally {
      await paged.stop();
    }
  });

  it('describes Opportunity with the external-id field and a StageName picklist holding every stage we map to; refuses bad SOQL', async () => {
    const reader = await readerFor(fake);
    const { fields } = await reader.sobject('Opportunity').describe();
    const stages = fields.find((field) => field.name === 'StageName')?.picklistValues?.map((entry): string => String(entry.value));

    expect(fields.find((field) => field.name === EXTERNAL_ID_FIELD)).toMatchObject({ type: 'string', externalId: true, idLookup: true });
    expect(Object.values(STAGE_BY_STATUS).filter((stage) => stage !== 'by state' && !stages?.includes(stage))).toEqual([]);
    await expect(reader.query('SELECT Nope FROM Opportunity')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    await expect(reader.query('SELECT Id FROM Opportunity WHERE')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(reader.query('SELECT Id FROM Quote__c')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
  });

  it("renews a jsforce client's expired session with the refresh_token grant (jsforce's own refresh path)", async () => {
    const { clientId, clientSecret } = fake.app;
    const holder = new Connection({ oauth2: { clientId, clientSecret, loginUrl: fake.baseUrl }, instanceUrl: fake.baseUrl, accessToken: 'expired', refreshToken: REFRESH_TOKEN, version: '62.0' });
    const stale = new Connection({ oauth2: { clientId, clientSecret, loginUrl: fake.baseUrl }, instanceUrl: fake.baseUrl, accessToken: 'expired', refreshToken: 'revoked', version: '62.0' });

    await expect(holder.query('SELECT Id FROM Opportunity')).resolves.toMatchObject({ totalSize: 0, done: true });
    await expect(stale.query('SELECT Id FROM Opportunity')).rejects.toThrow('Unable to refresh session due to: expired access/refresh token');
    expect(fake.requests.map((request) => request.status)).toEqual([401, 200, 200, 401, 400]);
  });

  it('answers sObject collections like Salesforce: allOrNone rolls back every record, upserts say which they created', async () => {
    const reader = await readerFor(fake);
    const valid = { Name: 'A', StageName: 'Prospecting', CloseDate: '2026-07-03', [EXTERNAL_ID_FIELD]: '1' };

    const rolledBack = await reader.sobject('Opportunity').create([valid, { Name: 'B', StageName: 'Prospecting' }], { allOrNone: true });
    const upserted = await reader.sobject('Opportunity').upsert([valid, { ...valid, [EXTERNAL_ID_FIELD]: '2' }], EXTERNAL_ID_FIELD);
    const again = await reader.sobject('Opportunity').upsert([{ ...valid, Name: 'A2' }], EXTERNAL_ID_FIELD);

    expect(rolledBack).toEqual([
      { success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: expect.any(String), fields: [] }] },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [CloseDate]', fields: ['CloseDate'] }] },
    ]);
    expect(upserted.map((result) => result.created)).toEqual([true, true]);
    expect(again).toEqual([expect.objectContaining({ success: true, created: false })]);
    expect(fake.records().map((record) => record.Name).sort()).toEqual(['A', 'A2']);
  });

  it('exposes records, write counts, faults, failure rate, latency, sessions, quota and reset over /__sandbox/ for other processes', async () => {
    const sandbox = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${fake.baseUrl}/__sandbox/${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: response.status === 204 ? undefined : ((await response.json()) as unknown) };
    };
    const connector = connectorFor();
    const { externalId } = await write(connector);

    expect((await sandbox('POST', 'faults', { kind: 'unavailable', count: 1, retryAfterSeconds: 3 })).status).toBe(204);
    expect(await failure(write(connector))).toMatchObject({ details: { status: 503, retryAfterMs: 3000 } });
    expect((await sandbox('PUT', 'failure-rate', { rate: 1, kinds: ['rate-limited'] })).status).toBe(204);
    expect(await failure(write(connector))).toMatchObject({ details: { status: 429 } });
    await sandbox('PUT', 'failure-rate', { rate: 0 });
    expect(await sandbox('POST', 'faults', { kind: 'teapot' })).toEqual({ status: 400, body: { error: 'Unknown fault kind: teapot' } });

    expect((await sandbox('PUT', 'latency', { ms: 150 })).status).toBe(204);
    const started = performance.now();
    await write(connector);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    await sandbox('PUT', 'latency', { ms: 0 });

    expect((await sandbox('POST', 'expire-sessions')).status).toBe(204);
    expect((await sandbox('PUT', 'api-usage', { used: 950, limit: 1000 })).status).toBe(204);
    await write(connector);
    expect((await sandbox('GET', 'stats')).body).toMatchObject({ writes: { Opportunity: { creates: 1, updates: 2 } }, apiUsage: { used: 951, limit: 1000 }, tokenRequests: 2 });
    expect((await sandbox('GET', 'records/Opportunity')).body).toEqual({ records: [expect.objectContaining({ Id: externalId, [EXTERNAL_ID_FIELD]: '42' })] });

    expect((await sandbox('DELETE', `records/Opportunity/${externalId}`)).status).toBe(204);
    expect((await sandbox('GET', 'records/Opportunity')).body).toEqual({ records: [] });
    expect((await sandbox('POST', 'reset')).status).toBe(204);
    expect(fake.apiUsage()).toEqual({ used: 0, limit: 15_000 });
  });
});
