// The monday.com payload mapping, MondayConnector (the official ApiClient) against the monday fake over HTTP, and the fake's own protocol and controls.
import { createServer } from 'node:net';
import type { OpportunitySnapshot } from '../../domain/opportunity';
import { type MondayPayload, toMondayPayload } from '../../domain/sync-payloads/monday';
import { IntegrationError } from '../../integrations/errors';
import { MONDAY_API_VERSION } from '../../integrations/monday/board-client';
import { MondayConnector } from '../../integrations/monday/connector';
import type { ExternalLink } from '../../integrations/sync-connector';
import type { MondaySettings } from '../../lib/config';
import { FakeMonday, SANDBOX_UID_COLUMN_ID } from '../fakes/monday';

function snapshot(overrides: Partial<OpportunitySnapshot> = {}): OpportunitySnapshot {
  return {
    id: 42,
    subject: 'Summer gala',
    number: 'OPP-00042',
    state: 2,
    stateName: 'Quotation',
    status: 1,
    statusName: 'Provisional',
    startsAt: '2026-07-01T09:00:00.000Z',
    endsAt: '2026-07-03T18:00:00.000Z',
    chargeTotal: '1250.50',
    chargeExcludingTaxTotal: '1042.08',
    chargeIncludingTaxTotal: '1250.50',
    taxTotal: '208.42',
    memberId: 7,
    memberName: 'Acme Events',
    ownerId: 3,
    ownerName: 'Sam',
    customFields: {},
    sourceUpdatedAt: '2026-06-01T10:00:00.000Z',
    deleted: false,
    ...overrides,
  };
}

/** Resolves to the IntegrationError the promise rejects with; fails the test when it fulfils. */
async function failureOf(promise: Promise<unknown>): Promise<IntegrationError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof IntegrationError)) throw new Error(`Expected an IntegrationError, got ${String(outcome)}`);
  return outcome;
}

describe('toMondayPayload', () => {
  test('maps an opportunity to its UID, item name and the column table', () => {
    expect(toMondayPayload(snapshot())).toEqual({
      uidValue: '42',
      itemName: 'Summer gala',
      columnValues: { status: { label: 'Provisional' }, numbers: '1250.50', date4: { date: '2026-07-01' }, text: 'OPP-00042 · Acme Events' },
    });
  });

  test("labels a deleted opportunity 'Deleted' whatever its status", () => {
    expect(toMondayPayload(snapshot({ deleted: true, statusName: 'Active' })).columnValues.status).toEqual({ label: 'Deleted' });
  });

  test('clears the columns it has no readable value for', () => {
    const payload = toMondayPayload(snapshot({ statusName: null, chargeTotal: 'n/a', startsAt: null, number: null, memberName: null }));
    expect(payload.columnValues).toEqual({ status: null, numbers: null, date4: null, text: '#42' });
    expect(toMondayPayload(snapshot({ startsAt: '2026-02-30T09:00:00Z' })).columnValues.date4).toBeNull();
  });

  test('takes the start day as Current RMS wrote it, not shifted to UTC', () => {
    expect(toMondayPayload(snapshot({ startsAt: '2026-07-01T23:30:00-05:00' })).columnValues.date4).toEqual({ date: '2026-07-01' });
  });

  test("trims the subject, names a blank one after the number, and cuts long names to monday's 255 characters", () => {
    expect(toMondayPayload(snapshot({ subject: '  Gala  ' })).itemName).toBe('Gala');
    expect(toMondayPayload(snapshot({ subject: '   ' })).itemName).toBe('Opportunity OPP-00042');
    const long = toMondayPayload(snapshot({ subject: '🎉'.repeat(300) })).itemName;
    expect(Array.from(long)).toHaveLength(255);
    expect(long.endsWith('🎉…')).toBe(true);
  });
});

describe('MondayConnector against the monday fake', () => {
  let fake: FakeMonday;
  let settings: MondaySettings;
  let connector: MondayConnector;
  const payload: MondayPayload = toMondayPayload(snapshot());

  const write = (body: MondayPayload, previous: ExternalLink | null = null, signal?: AbortSignal) => connector.write({ payload: body, idempotencyKey: 'sync-monday-42-v1', previous, signal });
  const activeItemsWithUid = (uid: string) => fake.items({ columnId: SANDBOX_UID_COLUMN_ID, text: uid }).filter((item) => item.state === 'active');

  beforeAll(async () => {
    fake = await FakeMonday.start();
    settings = fake.settings();
    connector = new MondayConnector(settings);
  });

  afterAll(() => fake.stop());

  beforeEach(() => fake.reset());

  test('creates the item with our UID, then updates and renames that same item by its stored id', async () => {
    const first = await write(payload);
    expect(first).toEqual({ externalId: expect.stringMatching(/^\d+$/), created: true, metadata: { boardId: fake.boardId } });
    expect(fake.item(first.externalId)).toMatchObject({
      name: 'Summer gala',
      state: 'active',
      columnValues: { status: 'Provisional', numbers: '1250.50', date4: '2026-07-01', text: 'OPP-00042 · Acme Events', [SANDBOX_UID_COLUMN_ID]: '42' },
    });

    fake.requests.length = 0;
    const changed = toMondayPayload(snapshot({ subject: 'Summer gala (confirmed)', statusName: 'Active', chargeTotal: '1400.00' }));
    const second = await write(changed, { externalId: first.externalId, metadata: first.metadata });
    expect(second).toEqual({ externalId: first.externalId, created: false, metadata: { boardId: fake.boardId } });
    expect(fake.item(first.externalId)).toMatchObject({ name: 'Summer gala (confirmed)', columnValues: { status: 'Active', numbers: '1400.00' } });
    expect(fake.requests.map((request) => request.rootFields)).toEqual([['change_multiple_column_values']]);
    expect(fake.writeCounts()).toEqual({ creates: 1, updates: 1 });
    expect(fake.items()).toHaveLength(1);
  });

  test('speaks the pinned API version', async () => {
    await write(payload);
    expect(fake.requests.map((request) => request.apiVersion)).toEqual([MONDAY_API_VERSION, MONDAY_API_VERSION]);
  });

  test('a create whose answer was lost is found by its UID when retried without an item id: one item', async () => {
    fake.injectFault({ kind: 'lost-answer', operation: 'create_item' });
    const lost = await failureOf(write(payload));
    expect(lost.kind).toBe('retryable');
    expect(lost.message).toMatch(/^monday\.com create_item on board \d+: no answer/);
    const [created] = activeItemsWithUid('42');

    const retried = await write(payload);
    expect(retried).toEqual({ externalId: created?.id, created: false, metadata: { boardId: fake.boardId } });
    expect(activeItemsWithUid('42')).toHaveLength(1);
    expect(fake.writeCounts()).toEqual({ creates: 1, updates: 1 });
  });

  test('an item deleted in monday is created again (the update of the trashed item does not count as found)', async () => {
    const first = await write(payload);
    fake.deleteItem(first.externalId);
    const second = await write(payload, { externalId: first.externalId, metadata: first.metadata });
    expect(second.created).toBe(true);
    expect(second.externalId).not.toBe(first.externalId);
    expect(activeItemsWithUid('42').map((item) => item.id)).toEqual([second.externalId]);
  });

  test('a stored id monday no longer knows falls back to the UID lookup', async () => {
    const first = await write(payload);
    const second = await write(payload, { externalId: '999999', metadata: { boardId: fake.boardId } });
    expect(second).toEqual({ externalId: first.externalId, created: false, metadata: { boardId: fake.boardId } });

    fake.deleteItem(first.externalId, { permanently: true });
    const third = await write(payload, { externalId: first.externalId, metadata: first.metadata });
    expect(third.created).toBe(true);
    expect(activeItemsWithUid('42').map((item) => item.id)).toEqual([third.externalId]);
  });

  test('a stored id from another board is not used: the item is looked up on the configured board', async () => {
    const first = await write(payload);
    fake.requests.length = 0;
    const second = await write(payload, { externalId: first.externalId, metadata: { boardId: '123' } });
    expect(second).toMatchObject({ externalId: first.externalId, created: false });
    expect(fake.requests.map((request) => request.rootFields[0])).toEqual(['items_page_by_column_values', 'change_multiple_column_values']);
  });

  test('two items carrying our UID are a validation error naming both', async () => {
    const one = fake.seedItem('Summer gala', { [SANDBOX_UID_COLUMN_ID]: '42' });
    const two = fake.seedItem('Summer gala (copy)', { [SANDBOX_UID_COLUMN_ID]: '42' });
    const error = await failureOf(write(payload));
    expect(error.kind).toBe('validation');
    expect(error.message).toContain(`items ${one.id} and ${two.id}`);
    expect(fake.writeCounts()).toEqual({ creates: 0, updates: 0 });
  });

  test('429 Rate Limit Exceeded is retryable after Retry-After', async () => {
    fake.injectFault({ kind: 'rate-limit', retryAfterSeconds: 7 });
    const error = await failureOf(write(payload));
    expect(error).toMatchObject({ kind: 'retryable', details: { status: 429, retryAfterMs: 7000 } });
    expect(error.message).toContain('Rate Limit Exceeded');
    expect(fake.items()).toHaveLength(0);
  });

  test('COMPLEXITY_BUDGET_EXHAUSTED (HTTP 200) is retryable after retry_in_seconds', async () => {
    fake.injectFault({ kind: 'complexity', retryAfterSeconds: 12 });
    expect(await failureOf(write(payload))).toMatchObject({ kind: 'retryable', details: { status: 200, retryAfterMs: 12_000 } });

    fake.setComplexityBudget(6_000); // pays for the lookup, not for the create
    const exhausted = await failureOf(write(payload));
    expect(exhausted.message).toMatch(/^monday\.com create_item on board \d+ failed \(HTTP 200\): Complexity budget exhausted \[COMPLEXITY_BUDGET_EXHAUSTED\]$/);
    expect(exhausted.details.retryAfterMs).toBeGreaterThanOrEqual(59_000);
    expect(exhausted.details.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(fake.items()).toHaveLength(0);
  });

  test.each([
    ['concurrency', 429, 3_000, 'Concurrency limit exceeded [maxConcurrencyExceeded]'],
    ['ip-rate-limit', 429, 3_000, 'IP rate limit exceeded [IP_RATE_LIMIT_EXCEEDED]'],
    ['locked', 423, 3_000, 'Resource is currently locked, please try again later'],
    ['server-error', 500, 3_000, 'Internal server error'],
  ] as const)('%s is retryable (HTTP %i, delay %p)', async (kind, status, retryAfterMs, message) => {
    fake.injectFault({ kind, retryAfterSeconds: 3 });
    const error = await failureOf(write(payload));
    expect(error).toMatchObject({ kind: 'retryable', details: { status, retryAfterMs } });
    expect(error.message).toContain(message);
  });

  test('DAILY_LIMIT_EXCEEDED is retryable after midnight UTC', async () => {
    fake.injectFault({ kind: 'daily-limit' });
    const error = await failureOf(write(payload));
    const untilMidnight = 86_400_000 - (Date.now() % 86_400_000);
    expect(error.kind).toBe('retryable');
    expect(Math.abs((error.details.retryAfterMs ?? 0) - untilMidnight)).toBeLessThan(2_000);
  });

  test("ColumnValueException is a validation error carrying monday's message, and nothing is written", async () => {
    const error = await failureOf(write({ ...payload, columnValues: { ...payload.columnValues, date4: { date: '2026-13-01' } } }));
    expect(error.kind).toBe('validation');
    expect(error.message).toContain(
      'invalid value - date columns take {"date": "YYYY-MM-DD"}. Please check our API documentation for the correct data structure for this column. https://developer.monday.com/api-reference/docs/change-column-values [ColumnValueException]',
    );
    expect(fake.items()).toHaveLength(0);
  });

  test.each([
    ['an unknown column', { columnValues: { ...payload.columnValues, no_such_column: 'x' } }, {}, "This column ID doesn't exist for the board [InvalidColumnIdException]"],
    ['an item name over 255 characters', { itemName: 'x'.repeat(256) }, {}, 'Item name is too long: 256 characters, the maximum is 255 [ItemNameTooLongException]'],
    ['an unknown board', {}, { boardId: '1' }, 'Board not found [InvalidBoardIdException]'],
  ])('%s is a validation error', async (_case, payloadChange, settingsChange, message) => {
    const error = await failureOf(new MondayConnector({ ...settings, ...settingsChange }).write({ payload: { ...payload, ...payloadChange }, idempotencyKey: 'k', previous: null }));
    expect(error.kind).toBe('validation');
    expect(error.message).toContain(message);
  });

  test('a wrong token is an auth error that does not reveal the token', async () => {
    const token = 'revoked-secret-token';
    const error = await failureOf(new MondayConnector({ ...settings, apiToken: token }).write({ payload, idempotencyKey: 'k', previous: null }));
    expect(error).toMatchObject({ kind: 'auth', details: { status: 401 } });
    expect(error.message).toContain('Not Authenticated');
    expect(error.message).not.toContain(token);
    expect(fake.requests.map((request) => request.status)).toEqual([401]);
  });

  test('the caller’s signal aborts the call in flight', async () => {
    fake.setLatency(5_000);
    const caller = new AbortController();
    setTimeout(() => caller.abort(), 100);
    const started = Date.now();
    const error = await failureOf(write(payload, null, caller.signal));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.kind).toBe('retryable');
    expect(error.message).toMatch(/no answer \(aborted\)$/);
  });

  test('a write that outlasts its deadline fails as retryable "timed out"', async () => {
    fake.setLatency(5_000);
    const error = await failureOf(new MondayConnector(settings, 100).write({ payload, idempotencyKey: 'k', previous: null }));
    expect(error.message).toMatch(/no answer \(timed out\)$/);
  });

  test('an unreachable API is retryable', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const error = await failureOf(new MondayConnector({ ...settings, apiUrl: `http://127.0.0.1:${closedPort}/v2` }).write({ payload, idempotencyKey: 'k', previous: null }));
    expect(error.kind).toBe('retryable');
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('the monday fake', () => {
  let fake: FakeMonday;

  const graphql = (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(fake.baseUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: fake.apiToken, 'API-Version': '2025-07', ...headers },
      body: JSON.stringify({ query, variables }),
    });
  const sandbox = (method: string, path: string, body?: unknown) =>
    fetch(new URL(`/__sandbox/${path}`, fake.baseUrl), { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    fake = await FakeMonday.start({ apiToken: 'token-under-test' });
  });

  afterAll(() => fake.stop());

  beforeEach(() => fake.reset());

  test("answers in monday's envelope, and checks the exact Authorization token and the API-Version format", async () => {
    const answer = await graphql('{ me { id name } }');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ data: { me: { id: '10000001', name: 'Sandbox Integration' } }, extensions: { request_id: expect.any(String) }, account_id: fake.accountId });

    const bearer = await graphql('{ me { id } }', undefined, { Authorization: `Bearer ${fake.apiToken}` });
    expect(bearer.status).toBe(401);
    expect(await bearer.json()).toEqual({ errors: [{ message: 'Not Authenticated', extensions: { code: 'Unauthorized', status_code: 401 } }] });

    const badVersion = await graphql('{ me { id } }', undefined, { 'API-Version': '2025-02' });
    expect(badVersion.status).toBe(400);
    expect(await badVersion.json()).toMatchObject({ status_code: 400, error_message: expect.stringContaining('Invalid API version "2025-02"') });
  });

  test('runs inline literals like variables, and reports what a query cost', async () => {
    const created = await graphql(
      `mutation { create_item(board_id: ${fake.boardId}, item_name: "Inline", column_values: "{\\"numbers\\":\\"12.5\\",\\"status\\":\\"Done\\"}") { id name column_values(ids: ["numbers", "status"]) { id text value } } complexity { before after query reset_in_x_seconds } }`,
    );
    const body = await created.json();
    expect(body.data.create_item).toEqual({
      id: expect.any(String),
      name: 'Inline',
      column_values: [
        { id: 'status', text: 'Done', value: expect.stringContaining('"index":1') },
        { id: 'numbers', text: '12.5', value: '"12.5"' },
      ],
    });
    expect(body.data.complexity).toEqual({ before: 10_000_000, query: 30_000, after: 9_970_000, reset_in_x_seconds: 60 });

    const found = await graphql('query ($board: ID!, $uid: String!) { items_page_by_column_values(board_id: $board, columns: [{column_id: "numbers", column_values: [$uid]}]) { cursor items { id } } }', {
      board: fake.boardId,
      uid: '12.5',
    });
    expect((await found.json()).data.items_page_by_column_values).toEqual({ cursor: null, items: [{ id: body.data.create_item.id }] });

    const itemId: string = body.data.create_item.id;
    const simple = await graphql(`mutation { change_simple_column_value(item_id: ${itemId}, board_id: ${fake.boardId}, column_id: "status", value: "Stuck") { id } }`);
    expect((await simple.json()).data).toEqual({ change_simple_column_value: { id: itemId } });
    const read = await graphql('query ($ids: [ID!]) { items(ids: $ids) { id state board { id } column_values(ids: ["status"]) { text } } }', { ids: [itemId, '1'] });
    expect((await read.json()).data.items).toEqual([{ id: itemId, state: 'active', board: { id: fake.boardId }, column_values: [{ text: 'Stuck' }] }]);
    expect(fake.writeCounts()).toEqual({ creates: 1, updates: 1 });
  });

  test('refuses bad column values with HTTP 200, the error located at its field, and null data', async () => {
    const answer = await graphql('mutation ($board: ID!, $values: JSON) { create_item(board_id: $board, item_name: "Bad", column_values: $values) { id } }', { board: fake.boardId, values: '{"status":' });
    expect(answer.status).toBe(200);
    const body = await answer.json();
    expect(body.data).toEqual({ create_item: null });
    expect(body.errors).toEqual([
      {
        message: expect.stringMatching(/^invalid value - column_values is not valid JSON/),
        locations: [{ line: 1, column: 41 }],
        path: ['create_item'],
        extensions: { code: 'ColumnValueException', status_code: 400, error_data: { column_values: '{"status":' } },
      },
    ]);

    const missingLabel = await graphql(`mutation { create_item(board_id: ${fake.boardId}, item_name: "x", column_values: "{\\"status\\":{\\"label\\":\\"Won\\"}}") { id } }`);
    expect((await missingLabel.json()).errors[0]).toMatchObject({ message: expect.stringContaining('label does not exist in column'), extensions: { error_data: { column_type: 'status' } } });
    expect(fake.items()).toHaveLength(0);
  });

  test('pages items_page_by_column_values with a cursor, and finds only active items', async () => {
    const ids = ['a', 'b', 'c', 'd'].map((name) => fake.seedItem(name, { [SANDBOX_UID_COLUMN_ID]: '9' }).id);
    fake.deleteItem(ids[3] ?? '');
    const page = async (cursor: string | null) => {
      const query = `query ($board: ID!, $cursor: String) {
        items_page_by_column_values(board_id: $board, limit: 2, cursor: $cursor, columns: [{column_id: "${SANDBOX_UID_COLUMN_ID}", column_values: ["9"]}]) { cursor items { id } }
      }`;
      const body = (await (await graphql(query, { board: fake.boardId, cursor })).json()) as { data: { items_page_by_column_values: { cursor: string | null; items: { id: string }[] } } };
      return body.data.items_page_by_column_values;
    };
    const first = await page(null);
    expect(first.items.map((item) => item.id)).toEqual(ids.slice(0, 2));
    expect(await page(first.cursor)).toEqual({ cursor: null, items: [{ id: ids[2] }] });
  });

  test('describes its board, and validates queries against the schema', async () => {
    const board = await graphql(`{ boards(ids: [${fake.boardId}]) { id columns { id title type } } }`);
    expect((await board.json()).data.boards[0].columns).toEqual(expect.arrayContaining([{ id: SANDBOX_UID_COLUMN_ID, title: 'Opportunity UID', type: 'text' }]));

    const unknownField = await graphql('{ me { shoe_size } }');
    expect((await unknownField.json()).errors[0].message).toBe('Cannot query field "shoe_size" on type "User".');
  });

  test('answers legacy API versions with the older complexity error fields', async () => {
    fake.injectFault({ kind: 'complexity', retryAfterSeconds: 9 });
    const answer = await graphql('{ me { id } }', undefined, { 'API-Version': '2025-04' });
    expect(answer.headers.get('retry-after')).toBe('9');
    expect((await answer.json()).errors[0].extensions).toEqual({
      code: 'COMPLEXITY_BUDGET_EXHAUSTED',
      retry_in_seconds: 9,
      complexity: 10,
      complexity_budget_left: 0,
      complexity_budget_limit: 10_000_000,
      status_code: 429,
    });
  });

  test('is inspected and controlled over /__sandbox/ by other processes', async () => {
    expect((await sandbox('POST', 'faults', { kind: 'rate-limit', retryAfterSeconds: 4, operation: 'me' })).status).toBe(204);
    const limited = await graphql('{ me { id } }');
    expect([limited.status, limited.headers.get('retry-after'), await limited.json()]).toEqual([429, '4', { error_message: 'Rate Limit Exceeded', status_code: 429 }]);

    expect((await sandbox('PUT', 'failure-rate', { rate: 1, kinds: ['server-error'] })).status).toBe(204);
    expect((await graphql('{ me { id } }')).status).toBe(500);
    await sandbox('PUT', 'failure-rate', { rate: 0 });
    expect((await sandbox('PUT', 'failure-rate', { rate: 2 })).status).toBe(400);

    const seeded = await sandbox('POST', 'items', { name: 'Seeded', columnValues: { [SANDBOX_UID_COLUMN_ID]: '7' } });
    const { item } = await seeded.json();
    expect((await (await sandbox('GET', `items?column_id=${SANDBOX_UID_COLUMN_ID}&text=7`)).json()).items).toEqual([item]);
    expect((await sandbox('DELETE', `items/${item.id}`)).status).toBe(204);
    expect((await (await sandbox('GET', `items/${item.id}`)).json()).item.state).toBe('deleted');
    expect(await (await sandbox('GET', 'stats')).json()).toEqual({ creates: 0, updates: 0, requests: 2 });

    expect((await sandbox('PUT', 'complexity-budget', { perMinute: 5 })).status).toBe(204);
    expect((await (await graphql('{ me { id } }')).json()).errors[0].extensions.code).toBe('COMPLEXITY_BUDGET_EXHAUSTED');

    expect((await sandbox('PUT', 'latency', { ms: 150 })).status).toBe(204);
    const started = Date.now();
    await graphql('{ me { id } }');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    expect((await sandbox('POST', 'reset')).status).toBe(204);
    expect(await (await sandbox('GET', 'stats')).json()).toEqual({ creates: 0, updates: 0, requests: 0 });
    expect((await (await graphql('{ me { id } }')).json()).data.me.id).toBe('10000001');
  });
});
