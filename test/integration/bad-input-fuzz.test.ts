// Property-based bad input against every write endpoint /openapi.json lists (only 4xx in the one error envelope, no row written,
// still healthy), and well-formed requests carrying hostile text (stored as sent, or refused with nothing written).
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type { Client } from '@temporalio/client';
import fc, { type Arbitrary } from 'fast-check';
import { QueryTypes, type Sequelize } from 'sequelize';
import request, { type Response } from 'supertest';
import { createApp } from '../../api/app';
import { anyJson, deeplyNested, encodeSegment, hostileKey, hostileString, malformedPercentSegment, schemaArbitraries, type JsonSchema } from '../support/arbitraries';
import { openTestDatabase, openTestTemporalClient, testConfig, testLogger } from '../support/env';
import { expectErrorEnvelope, signedIn } from '../support/http';

const WEBHOOK_TOKEN = 'fuzz-test-webhook-token-0123456789abcdef0123';
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS_PER_ENDPOINT = 250;
const WELL_FORMED_RUNS = 150;
const BODY_LIMIT_BYTES = 1024 * 1024;
const WRITE_METHODS = ['post', 'put', 'patch', 'delete'] as const;
type WriteMethod = (typeof WRITE_METHODS)[number];
/** Every table a write endpoint could touch, directly or through an audited write. */
const TABLES = ['events', 'users', 'audit_log', 'external_integrations', 'opportunities', 'augmented_opportunities', 'refresh_tokens', 'workflow_instances'] as const;
const MUST_BE_FUZZED = [
  'post /api/webhooks/current-rms/{token}',
  'post /api/auth/login',
  'post /api/users',
  'post /api/replay',
  'post /api/integrations/retry-failed',
  'post /api/integrations/{system}/opportunities/{id}/sync',
  'post /api/admin/workflows/batch',
];
/** Path parameters that are secrets: the right value lets the request through to body validation, any other is a rejection by itself. */
const SECRET_PARAMS: Record<string, string> = { token: WEBHOOK_TOKEN };
const GARBAGE_AUTHORIZATION = ['Bearer', 'Bearer x.y.z', 'Basic YWRtaW46YWRtaW4=', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIn0.', 'bearer  '];
const WRONG_CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-7', 'application/json; charset=latin1'];
const BAD_CONTENT_ENCODINGS = ['gzip', 'deflate', 'br', 'compress', 'identity, gzip'];

interface OpenApiOperation {
  security?: unknown[];
  parameters?: { name: string; in: string; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
interface OpenApiDocument {
  paths: Record<string, Partial<Record<string, OpenApiOperation>>>;
  components: { schemas: Record<string, JsonSchema> };
}
interface WriteOperation {
  name: string;
  method: WriteMethod;
  path: string;
  authenticated: boolean;
  body?: JsonSchema;
  pathParams: { name: string; schema: JsonSchema }[];
}
interface PathSegment {
  name: string;
  text: string;
  /** This value alone gets the request rejected (a wrong secret, a value its schema refuses, broken percent-encoding). */
  rejects: boolean;
}
interface Body {
  kind: string;
  text: string;
  contentType: string;
  contentEncoding?: string;
}
interface FuzzRequest {
  url: string;
  authorization?: string;
  body: Body;
}

let sequelize: Sequelize;
let temporal: Client;
let app: RequestListener;
let adminAuthorization: string;
let requestsSent = 0;

beforeAll(async () => {
  sequelize = openTestDatabase();
  temporal = openTestTemporalClient();
  app = createApp({ config: testConfig({ CURRENT_RMS_WEBHOOK_TOKEN: WEBHOOK_TOKEN }), sequelize, temporal, logger: testLogger, version: 'test' });
  adminAuthorization = (await signedIn(app, sequelize, 'admin')).auth;
});
afterAll(async () => {
  await temporal.connection.close();
  await sequelize.close();
});

function writeOperations(doc: OpenApiDocument): WriteOperation[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    WRITE_METHODS.flatMap((method) => {
      const operation = operations[method];
      if (!operation) return [];
      return [
        {
          name: `${method} ${path}`,
          method,
          path,
          authenticated: (operation.security ?? []).length > 0,
          body: operation.requestBody?.content['application/json']?.schema,
          pathParams: (operation.parameters ?? []).filter((parameter) => parameter.in === 'path').map(({ name, schema }) => ({ name, schema })),
        },
      ];
    }),
  );
}

async function rowCounts(): Promise<Record<string, number>> {
  const [counts] = await sequelize.query<Record<string, number>>(`SELECT ${TABLES.map((table) => `(SELECT count(*)::int FROM ${table}) AS ${table}`).join(', ')}`, { type: QueryTypes.SELECT });
  return counts!;
}

const isPlainObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
const parsesToObject = (text: string) => {
  try {
    return isPlainObject(JSON.parse(text));
  } catch {
    return false;
  }
};

/** Bodies built around values the route's schema rejects: as JSON, truncated, mislabelled, wrongly encoded; plus non-objects, junk, deep nesting and oversize. */
function bodies(invalid: Arbitrary<unknown>): Arbitrary<Body> {
  const json = (kind: string) => (value: unknown): Body => ({ kind, text: JSON.stringify(value), contentType: 'application/json' });
  const containers = invalid.filter((value) => typeof value === 'object' && value !== null);
  return fc.oneof(
    { weight: 8, arbitrary: invalid.map(json('schema-invalid')) },
    {
      weight: 2,
      arbitrary: fc.tuple(containers, fc.nat()).map(([value, cut]): Body => {
        const text = JSON.stringify(value);
        return { kind: 'truncated', text: text.slice(0, 1 + (cut % (text.length - 1))), contentType: 'application/json' };
      }),
    },
    { weight: 2, arbitrary: anyJson.filter((value) => !isPlainObject(value)).map(json('not-an-object')) },
    { weight: 1, arbitrary: fc.oneof(hostileString, fc.string({ unit: 'binary', minLength: 1, maxLength: 60 })).filter((text) => text.length > 0 && !parsesToObject(text)).map((text): Body => ({ kind: 'junk', text, contentType: 'application/json' })) },
    { weight: 1, arbitrary: deeplyNested.map((value) => json('deeply-nested')([value])) },
    { weight: 1, arbitrary: fc.nat({ max: 64 * 1024 }).map((extra): Body => ({ kind: 'oversized', text: `{"padding":"${'x'.repeat(BODY_LIMIT_BYTES + extra)}"}`, contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.tuple(invalid, fc.constantFrom(...WRONG_CONTENT_TYPES)).map(([value, contentType]): Body => ({ kind: 'wrong-content-type', text: JSON.stringify(value), contentType })) },
    { weight: 1, arbitrary: fc.tuple(invalid, fc.constantFrom(...BAD_CONTENT_ENCODINGS)).map(([value, contentEncoding]): Body => ({ kind: 'bad-content-encoding', text: JSON.stringify(value), contentType: 'application/json', contentEncoding })) },
  );
}

const queryString = fc.option(
  fc.oneof(
    fc.array(fc.tuple(hostileKey, hostileString), { minLength: 1, maxLength: 4 }).map((pairs) => `?${pairs.map(([key, value]) => `${encodeSegment(key)}=${encodeSegment(value)}`).join('&')}`),
    fc.constantFrom('?%zz=%E0%A4%A', '?a[b][c][d]=1&a=2', '?&&==&', '?__proto__[admin]=1'),
  ),
  { nil: '' },
);

/** Every request a case sends: each one, alone, must be rejected with a 4xx. */
function fuzzRequests(operation: WriteOperation, doc: OpenApiDocument): Arbitrary<FuzzRequest> {
  const schemas = schemaArbitraries(doc.components.schemas);
  const segments = operation.pathParams.map(({ name, schema }): Arbitrary<PathSegment> => {
    const secret = SECRET_PARAMS[name];
    if (secret !== undefined) {
      const wrong = fc.oneof(hostileString, fc.constantFrom(`${secret}x`, secret.slice(0, -1), secret.toUpperCase(), ` ${secret}`)).filter((text) => text.length > 0 && text !== secret);
      return fc.oneof({ weight: 3, arbitrary: fc.constant({ name, text: secret, rejects: false }) }, wrong.map((text) => ({ name, text: encodeSegment(text), rejects: true })));
    }
    const refused = schemas.invalidPathValue(schema);
    return fc.oneof(
      malformedPercentSegment.map((text) => ({ name, text, rejects: true })),
      hostileString.filter((text) => text.length > 0).map((text) => ({ name, text: encodeSegment(text), rejects: false })),
      ...(refused ? [refused.map((text) => ({ name, text: encodeSegment(text), rejects: true }))] : []),
    );
  });
  const invalidBody = operation.body ? schemas.invalidValue(operation.body) : anyJson;
  if (!invalidBody) throw new Error(`${operation.name}: its body schema admits anything, so no invalid body can be generated`);
  // Any path parameter can be refused: broken percent-encoding at least.
  if (!operation.body && operation.pathParams.length === 0) throw new Error(`${operation.name}: takes no body and no path parameter, so no invalid request can be generated`);

  const authorization = operation.authenticated ? fc.oneof({ weight: 6, arbitrary: fc.constant(adminAuthorization) }, fc.constantFrom(...GARBAGE_AUTHORIZATION)) : fc.constant(undefined);
  return fc
    .tuple(fc.tuple(...segments), queryString, authorization)
    // Without a body to refuse, some part of the path must be what gets the request rejected.
    .filter(([pathSegments]) => operation.body !== undefined || pathSegments.some((segment) => segment.rejects))
    .chain(([pathSegments, query, auth]) => {
      const rejectedByPath = pathSegments.some((segment) => segment.rejects);
      // Once the path alone is refused (e.g. a wrong webhook token), even a well-formed body must change nothing.
      const body = rejectedByPath && operation.body ? fc.oneof(bodies(invalidBody), schemas.plausible(operation.body).map((value): Body => ({ kind: 'plausible', text: JSON.stringify(value), contentType: 'application/json' }))) : bodies(invalidBody);
      const url = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => pathSegments.find((segment) => segment.name === name)!.text) + query;
      return body.map((chosen): FuzzRequest => describedRequest({ url, authorization: auth, body: chosen }));
    });
}

/** Counterexamples print with the body cut short (an oversized one is a megabyte). */
function describedRequest(fuzzRequest: FuzzRequest): FuzzRequest {
  const { url, authorization, body } = fuzzRequest;
  const text = body.text.length > 400 ? `${body.text.slice(0, 400)}… (${body.text.length} chars)` : body.text;
  const description = JSON.stringify({ url, authorization: authorization === adminAuthorization ? '<admin token>' : authorization, ...body, text });
  return Object.defineProperty(fuzzRequest, fc.toStringMethod, { value: () => description });
}

/** A distinct client address per request, so the login rate limit (per IP and email) never stands in for validation. */
const clientAddress = (sequence: number) => `198.18.${(sequence >> 8) & 255}.${sequence & 255}`;

async function send(method: WriteMethod, { url, authorization, body }: FuzzRequest): Promise<Response> {
  let call = request(app)[method](url).set('X-Forwarded-For', clientAddress(requestsSent++)).set('Content-Type', body.contentType);
  if (authorization !== undefined) call = call.set('Authorization', authorization);
  if (body.contentEncoding !== undefined) call = call.set('Content-Encoding', body.contentEncoding);
  return call.send(body.text);
}

/** Throws, with the response, unless it is a 4xx in the one error envelope without a stack trace. */
function assertRejectedInEnvelope(res: Response): void {
  const seen = `${res.status} ${res.headers['content-type']} ${res.text.slice(0, 500)}`;
  if (res.status < 400 || res.status >= 500) throw new Error(`expected a 4xx, got ${seen}`);
  const body = res.body as { error?: Record<string, unknown> };
  const envelopeKeys = Object.keys(body ?? {});
  const errorKeys = Object.keys(body?.error ?? {});
  const wellFormed =
    /^application\/json/.test(String(res.headers['content-type'])) &&
    envelopeKeys.length === 1 &&
    typeof body.error?.code === 'string' &&
    typeof body.error.message === 'string' &&
    errorKeys.every((key) => ['code', 'message', 'details'].includes(key));
  if (!wellFormed) throw new Error(`not the error envelope: ${seen}`);
  if (/at .+\.(ts|js):\d+/.test(res.text)) throw new Error(`stack trace in the response: ${seen}`);
}

test('malformed, truncated, nested, oversized, wrongly typed and unicode-heavy input to every write endpoint: 4xx only, nothing written, still healthy', async () => {
  const doc = (await request(app).get('/openapi.json').expect(200)).body as OpenApiDocument;
  const operations = writeOperations(doc);
  expect(operations.length).toBeGreaterThan(0);
  expect(operations.map((operation) => operation.name)).toEqual(expect.arrayContaining(MUST_BE_FUZZED));

  console.log(`bad-input fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${RUNS_PER_ENDPOINT} runs per endpoint, ${operations.length} write endpoints`);
  const baseline = await rowCounts();
  const statusesByEndpoint = new Map<string, Map<number, number>>();
  const kindsSent = new Map<string, number>();
  const failures: string[] = [];

  for (const operation of operations) {
    const statuses = new Map<number, number>();
    statusesByEndpoint.set(operation.name, statuses);
    const property = fc.asyncProperty(fuzzRequests(operation, doc), async (fuzzRequest) => {
      const before = await rowCounts();
      const res = await send(operation.method, fuzzRequest);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      kindsSent.set(fuzzRequest.body.kind, (kindsSent.get(fuzzRequest.body.kind) ?? 0) + 1);
      assertRejectedInEnvelope(res);
      const counts = await rowCounts();
      if (TABLES.some((table) => counts[table] !== before[table])) throw new Error(`rows written by a rejected request (${res.status}): ${JSON.stringify(before)} → ${JSON.stringify(counts)}`);
    });
    const details = await fc.check(property, { seed: SEED, numRuns: RUNS_PER_ENDPOINT });
    if (details.failed) failures.push(`${operation.name}: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}\n${fc.defaultReportMessage(details)}`);
  }

  const histogram = [...statusesByEndpoint].map(([name, statuses]) => {
    const sent = [...statuses.values()].reduce((sum, count) => sum + count, 0);
    const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ');
    return `  ${name.padEnd(56)} ${String(sent).padStart(5)} sent  ${byStatus}`;
  });
  console.log(
    [`bad-input fuzz: ${requestsSent} requests (seed ${SEED})`, ...histogram, `  by body kind: ${[...kindsSent].map(([kind, count]) => `${kind}×${count}`).join(' ')}`, ...failures.map((failure) => `FAILED ${failure}`)].join('\n'),
  );

  expect(failures).toEqual([]);
  expect(await rowCounts()).toEqual(baseline);
  const health = await request(app).get('/api/public/health');
  expect(health.status).toBe(200);
  expect(health.body).toMatchObject({ status: 'ok', checks: { database: { status: 'up' }, temporal: { status: 'up' } } });
}, 240_000);

/** Objects built from entries, so a `__proto__` key stays an own property (as JSON.parse makes it). */
const objectOf = (entries: [string, unknown][]) => Object.fromEntries(entries);
const extraFields = fc.array(fc.tuple(hostileKey, anyJson), { maxLength: 4 });
/** Tells this run's requests from a replay's (same seed) against the same database: no spurious duplicates. */
const RUN_ID = randomUUID();

/** The oracle: text PostgreSQL cannot store (U+0000, a surrogate without its partner) in any string or key of the value. */
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;
function holdsUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, child]) => UNSTORABLE.test(key) || holdsUnstorableText(child));
}

/** A refused well-formed request: a 400 in the envelope naming a body field, and nothing written. */
async function expectRefusedUnwritten(res: Response, before: Record<string, number>): Promise<void> {
  expect(res.status).toBe(400);
  expectErrorEnvelope(res.body, 'validation_failed');
  expect(res.body.error.details[0].path).toMatch(/^body\./);
  expect(await rowCounts()).toEqual(before);
}

test('well-formed webhooks with hostile text anywhere: stored byte for byte (202) or a repeat (200), refused with nothing written (400) exactly when PostgreSQL cannot store some text', async () => {
  // An unknown subject type, so the events are stored as ignored and start no processing.
  const webhook = fc
    .record({
      id: fc.option(fc.oneof(fc.nat(), hostileString.filter((text) => text.trim().length > 0 && text.trim().length <= 60)), { nil: undefined }),
      outer: extraFields,
      inner: extraFields,
    })
    .map(({ id, outer, inner }) => {
      const actionId: [string, unknown][] = id === undefined ? [] : [['id', typeof id === 'number' ? `${RUN_ID}:${id}` : `${id}:${RUN_ID}`]];
      const core: [string, unknown][] = [...actionId, ['subject_id', 1], ['subject_type', 'FuzzText'], ['action_type', 'hostile_text'], ['fuzz_run', RUN_ID]];
      return objectOf([...outer, ['action', objectOf([...inner, ...core])]]);
    });
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(webhook, async (value) => {
      const text = JSON.stringify(value);
      const before = await rowCounts();
      const res = await request(app).post(`/api/webhooks/current-rms/${WEBHOOK_TOKEN}`).set('Content-Type', 'application/json').send(text);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (holdsUnstorableText(value)) return expectRefusedUnwritten(res, before);
      expect([200, 202]).toContain(res.status);
      const [stored] = await sequelize.query<{ raw_body: string; status: string }>('SELECT raw_body, status FROM events WHERE id = :id', { type: QueryTypes.SELECT, replacements: { id: res.body.eventId } });
      if (res.status === 202) expect(stored).toEqual({ raw_body: text, status: 'ignored' });
      else expect(res.body).toMatchObject({ duplicate: true, eventId: expect.any(String) });
    }),
    { seed: SEED, numRuns: WELL_FORMED_RUNS },
  );
  console.log(`well-formed hostile webhooks (seed ${SEED}): ${[...statuses].map(([status, count]) => `${status}×${count}`).join(' ')}`);
  expect(statuses.get(202)).toBeGreaterThan(0);
  expect(statuses.get(400)).toBeGreaterThan(0);
}, 120_000);

test('users with hostile display names and passwords: stored (display name trimmed) and able to sign in (201), refused with nothing written (400) exactly when some text cannot be stored or the name is blank', async () => {
  let sequence = 0;
  const user = fc.record({ password: hostileString.map((text) => `${text}-long-enough-password`), displayName: fc.option(hostileString, { nil: undefined }) });
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(user, async ({ password, displayName }) => {
      const email = `fuzz-${RUN_ID}-${sequence++}@example.com`;
      const before = await rowCounts();
      const res = await request(app).post('/api/users').set('Authorization', adminAuthorization).send({ email, password, role: 'sales_engineer', ...(displayName === undefined ? {} : { displayName }) });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (holdsUnstorableText([password, displayName ?? ''])) return expectRefusedUnwritten(res, before);
      if (displayName !== undefined && displayName.trim() === '') return expectRefusedUnwritten(res, before);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ email, displayName: displayName?.trim() ?? null });
      const login = await request(app).post('/api/auth/login').set('X-Forwarded-For', clientAddress(requestsSent++)).send({ email, password });
      expect(login.status).toBe(200);
    }),
    { seed: SEED, numRuns: WELL_FORMED_RUNS },
  );
  console.log(`well-formed hostile users (seed ${SEED}): ${[...statuses].map(([status, count]) => `${status}×${count}`).join(' ')}`);
  expect(statuses.get(201)).toBeGreaterThan(0);
  expect(statuses.get(400)).toBeGreaterThan(0);
}, 180_000);
