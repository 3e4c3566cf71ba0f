// The HTTP surface against real PostgreSQL and Temporal: auth, roles, error envelope, docs, metrics, health.
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createUser } from '../../api/users/service';
import type { Role } from '../../domain/roles';
import { TEMPORAL_CALL_DEADLINE_MS } from '../../api/temporal-calls';
import { createTemporalClient } from '../../lib/temporal';
import { AuditLog, RefreshToken, User } from '../../models';
import { openTestDatabase, openTestTemporalClient, testConfig, testLogger } from '../support/env';
import { expectErrorEnvelope } from '../support/http';

let sequelize: Sequelize;
let temporal: Client;
let app: RequestListener;
const password = 'a-long-enough-password';

async function newUser(role: Role) {
  const email = `${role}-${randomUUID()}@example.com`;
  await createUser(sequelize, { email, password, role }, { type: 'system', name: 'test' }, randomUUID());
  return email;
}

async function loginAs(role: Role) {
  const email = await newUser(role);
  const res = await request(app).post('/api/auth/login').send({ email, password }).expect(200);
  return { email, access: res.body.accessToken as string, refresh: res.body.refreshToken as string, id: res.body.user.id as string };
}

/**
 * The API in front of a Temporal nobody listens on. Its client is not closed: the SDK's gRPC retry timer for a call may
 * still be pending, and it ends by itself at the call's deadline; closing under it would throw from that timer.
 */
const appWithUnreachableTemporal = () =>
  createApp({ config: testConfig(), sequelize, temporal: createTemporalClient({ address: '127.0.0.1:1', namespace: 'default' }), logger: testLogger, version: 'test' });

beforeAll(() => {
  sequelize = openTestDatabase();
  temporal = openTestTemporalClient();
  app = createApp({ config: testConfig(), sequelize, temporal, logger: testLogger, version: 'test' });
});
afterAll(async () => {
  await temporal.connection.close();
  await sequelize.close();
});

describe('health, docs and metrics', () => {
  test('health reports database and Temporal up', async () => {
    const res = await request(app).get('/api/public/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', version: 'test', checks: { database: { status: 'up' }, temporal: { status: 'up' } } });
  });

  test('health answers 503 when Temporal is unreachable', async () => {
    const res = await request(appWithUnreachableTemporal()).get('/api/public/health').expect(503);
    expect(res.body).toMatchObject({ status: 'degraded', checks: { database: { status: 'up' }, temporal: { status: 'down' } } });
  });

  test('the admin workflow endpoints answer 503 temporal_unavailable within the call deadline when Temporal is unreachable, and write nothing', async () => {
    const degraded = appWithUnreachableTemporal();
    const { access } = await loginAs('admin');
    const auth = { Authorization: `Bearer ${access}` };
    const audits = await AuditLog.count();
    const calls = [
      request(degraded).get('/api/admin/workflows').set(auth),
      request(degraded).get('/api/admin/workflows/stalled').set(auth),
      request(degraded).get('/api/admin/workflows/sync-xero-1').set(auth),
      request(degraded).post('/api/admin/workflows/sync-xero-1/cancel').set(auth).send({ reason: 'stuck' }),
      request(degraded).post('/api/admin/workflows/batch').set(auth).send({ action: 'terminate', query: 'WorkflowType = "opportunitySync"', reason: 'stuck', dryRun: true }),
    ];
    const started = Date.now();
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(503);
      expectErrorEnvelope(res.body, 'temporal_unavailable');
    }
    // Alone they all answer 5.1–6.1 s after the start (9.5 s once, in a loaded full run); without the deadline, after the SDK's ~20 s of retries.
    expect(Date.now() - started).toBeLessThan(3 * TEMPORAL_CALL_DEADLINE_MS);
    expect(await AuditLog.count()).toBe(audits);
  });

  test('a raw visibility query that would close the parentheses it is ANDed in → 400; parentheses inside its strings are fine', async () => {
    const { access } = await loginAs('admin');
    const auth = { Authorization: `Bearer ${access}` };
    for (const query of ['WorkflowId = "x") OR (ExecutionStatus = "Completed"', 'WorkflowId = "x")', '(WorkflowId = "x"', 'WorkflowId = "x)']) {
      const listed = await request(app).get('/api/admin/workflows').query({ query }).set(auth).expect(400);
      expect(listed.body.error.details).toEqual([{ path: 'query.query', message: 'Unbalanced parentheses or an unterminated string' }]);
      const batch = await request(app).post('/api/admin/workflows/batch').set(auth).send({ action: 'terminate', query, reason: 'stuck' }).expect(400);
      expectErrorEnvelope(batch.body, 'validation_failed');
    }
    await request(app).get('/api/admin/workflows').query({ query: `(WorkflowId = "a) OR (b" OR WorkflowId = 'c\\'(') AND WorkflowType = "opportunitySync"` }).set(auth).expect(200);
  });

  test('OpenAPI is generated from the route schemas and Swagger UI is served', async () => {
    const doc = await request(app).get('/openapi.json').expect(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.paths['/api/users'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateUserRequest' });
    expect(doc.body.paths['/api/auth/me'].get.security).toEqual([{ bearerAuth: [] }]);
    await request(app).get('/docs/').expect(200).expect('Content-Type', /html/);
  });

  test('metrics expose the HTTP latency histogram by route and process metrics', async () => {
    await request(app).get('/api/public/health');
    const res = await request(app).get('/metrics').expect(200);
    expect(res.text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/public\/health"/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  test('every response carries a request id, echoing a well-formed incoming one', async () => {
    const res = await request(app).get('/api/public/health').set('X-Request-Id', 'trace-abc-123');
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
    const generated = await request(app).get('/api/public/health').set('X-Request-Id', 'bad id with spaces');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('error envelope', () => {
  test('unknown route → 404 JSON', async () => {
    const res = await request(app).get('/api/does-not-exist').expect(404);
    expectErrorEnvelope(res.body, 'not_found');
  });

  test('malformed JSON → 400 JSON', async () => {
    const res = await request(app).post('/api/auth/login').set('Content-Type', 'application/json').send('{"email": ').expect(400);
    expectErrorEnvelope(res.body, 'malformed_json');
  });

  test('body over 1 MB → 413 JSON', async () => {
    const { access } = await loginAs('admin');
    const res = await request(app)
      .post('/api/users')
      .set('Authorization', `Bearer ${access}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: 'x@example.com', padding: 'x'.repeat(1_100_000) }))
      .expect(413);
    expectErrorEnvelope(res.body, 'payload_too_large');
  });

  test('a body that is not JSON → 415 JSON', async () => {
    const res = await request(app).post('/api/auth/login').set('Content-Type', 'text/plain').send('email=a').expect(415);
    expectErrorEnvelope(res.body, 'unsupported_media_type');
  });

  // Found by the bad-input fuzz test (bad-input-fuzz.test.ts); each was a 500 or a silently accepted body.
  test('a path parameter with broken %-encoding → 400 JSON', async () => {
    const { access } = await loginAs('admin');
    const res = await request(app).post('/api/admin/workflows/%zz/cancel').set('Authorization', `Bearer ${access}`).send({ reason: 'x' }).expect(400);
    expectErrorEnvelope(res.body, 'bad_request');
  });

  test('a login email that is not a string → 400, not a crash in the rate limiter', async () => {
    const res = await request(app).post('/api/auth/login').send({ email: { toString: 0 }, password: 'x' }).expect(400);
    expectErrorEnvelope(res.body, 'validation_failed');
  });

  test('a value zod itself chokes on (a length object whose toString is not a function) → 400, not a 500', async () => {
    const res = await request(app).post('/api/auth/refresh').set('Content-Type', 'application/json').send('{"refreshToken":{"length":{"toString":false}}}').expect(400);
    expectErrorEnvelope(res.body, 'validation_failed');
  });

  test('text PostgreSQL cannot store (U+0000, an unpaired surrogate, in a value or a key) → 400 naming the field; nothing is written or done', async () => {
    const admin = await loginAs('admin');
    const auth = { Authorization: `Bearer ${admin.access}` };
    const [users, audits] = [await User.count(), await AuditLog.count()];
    const cases: Array<[request.Test, string]> = [
      [request(app).post('/api/users').set(auth).send({ email: `nul-${randomUUID()}@example.com`, password, role: 'integrations', displayName: 'a\u0000b' }), 'body.displayName'],
      [request(app).post('/api/admin/workflows/opportunity-sync-xero-1/cancel').set(auth).send({ reason: 'broken \ud800 text' }), 'body.reason'],
      [request(app).post('/api/admin/workflows/opportunity-sync-xero-1/signal').set(auth).send({ name: 'syncRequested', args: [{ 'k\u0000': 1 }], reason: 'ok' }), 'body.args.0.k\u0000'],
      [request(app).get('/api/admin/workflows').query({ query: 'WorkflowType = "a\u0000"' }).set(auth), 'query.query'],
    ];
    for (const [pending, path] of cases) {
      const res = await pending.expect(400);
      expectErrorEnvelope(res.body, 'validation_failed');
      expect(res.body.error.details).toEqual([{ path, message: 'Text may not contain U+0000 or an unpaired surrogate' }]);
    }
    expect([await User.count(), await AuditLog.count()]).toEqual([users, audits]);
  });

  test('a compressed request body → 415 JSON (never decoded into an empty object)', async () => {
    const { access } = await loginAs('admin');
    const res = await request(app).post('/api/auth/logout').set('Authorization', `Bearer ${access}`).set('Content-Type', 'application/json').set('Content-Encoding', 'br').send('9007199254740992').expect(415);
    expectErrorEnvelope(res.body, 'unsupported_encoding');
  });

  test('a JSON body in a charset other than UTF-8 (UTF-7, UTF-16, Latin-1) → 415, never decoded; nothing is written', async () => {
    const { access, refresh } = await loginAs('admin');
    const audits = await AuditLog.count();
    for (const charset of ['utf-7', 'UTF-16', 'utf-32le', 'latin1']) {
      const res = await request(app).post('/api/auth/logout').set('Authorization', `Bearer ${access}`).set('Content-Type', `application/json; charset=${charset}`).send(JSON.stringify({ refreshToken: refresh })).expect(415);
      expectErrorEnvelope(res.body, 'unsupported_charset');
    }
    expect(await AuditLog.count()).toBe(audits);
    await request(app).post('/api/auth/logout').set('Authorization', `Bearer ${access}`).set('Content-Type', 'application/json; charset=UTF-8').send(JSON.stringify({ refreshToken: refresh })).expect(204);
  });
});

describe('authentication', () => {
  test('login (email case-insensitive) returns tokens; /me returns the user; wrong password → 401', async () => {
    const email = await newUser('integrations');
    const ok = await request(app).post('/api/auth/login').send({ email: email.toUpperCase(), password }).expect(200);
    expect(ok.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email, role: 'integrations' } });
    const me = await request(app).get('/api/auth/me').set('Authorization', `Bearer ${ok.body.accessToken}`).expect(200);
    expect(me.body.email).toBe(email);

    const wrong = await request(app).post('/api/auth/login').send({ email, password: 'not-the-password' }).expect(401);
    expectErrorEnvelope(wrong.body, 'unauthorized');
    const unknown = await request(app).post('/api/auth/login').send({ email: `nobody-${randomUUID()}@example.com`, password }).expect(401);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  test('missing or invalid token → 401 JSON', async () => {
    expectErrorEnvelope((await request(app).get('/api/auth/me').expect(401)).body, 'unauthorized');
    expectErrorEnvelope((await request(app).get('/api/auth/me').set('Authorization', 'Bearer not.a.jwt').expect(401)).body, 'unauthorized');
    const otherSecret = createApp({ config: testConfig({ JWT_SECRET: 'another-secret-that-is-long-enough-for-hs256' }), sequelize, temporal, logger: testLogger, version: 'test' });
    const { access } = await loginAs('admin');
    await request(otherSecret).get('/api/auth/me').set('Authorization', `Bearer ${access}`).expect(401);
  });

  test('refresh rotates the token; reusing a rotated token revokes the whole family', async () => {
    const session = await loginAs('sales_engineer');
    const first = await request(app).post('/api/auth/refresh').send({ refreshToken: session.refresh }).expect(200);
    expect(first.body.refreshToken).not.toBe(session.refresh);
    await request(app).get('/api/auth/me').set('Authorization', `Bearer ${first.body.accessToken}`).expect(200);

    const reuse = await request(app).post('/api/auth/refresh').send({ refreshToken: session.refresh }).expect(401);
    expect(reuse.body.error.message).toMatch(/reuse/i);
    // The legitimate successor is revoked too: the thief and the victim both have to log in again.
    await request(app).post('/api/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(401);
    const live = await RefreshToken.count({ where: { userId: session.id, revokedAt: null } });
    expect(live).toBe(0);
    expect(await AuditLog.count({ where: { action: 'auth.refresh', actorId: session.id } })).toBe(3);
  });

  test('logout ends the session of the given refresh token only', async () => {
    const email = await newUser('integrations');
    const a = await request(app).post('/api/auth/login').send({ email, password }).expect(200);
    const b = await request(app).post('/api/auth/login').send({ email, password }).expect(200);
    await request(app).post('/api/auth/logout').set('Authorization', `Bearer ${a.body.accessToken}`).send({ refreshToken: a.body.refreshToken }).expect(204);
    await request(app).post('/api/auth/refresh').send({ refreshToken: a.body.refreshToken }).expect(401);
    await request(app).post('/api/auth/refresh').send({ refreshToken: b.body.refreshToken }).expect(200);
  });

  test('logins are rate limited per client and email → 429 JSON with Retry-After', async () => {
    const email = await newUser('integrations');
    for (let i = 0; i < 10; i += 1) await request(app).post('/api/auth/login').send({ email, password: 'wrong-password' }).expect(401);
    const limited = await request(app).post('/api/auth/login').send({ email, password }).expect(429);
    expectErrorEnvelope(limited.body, 'too_many_requests');
    expect(limited.headers['retry-after']).toBeDefined();
  });
});

describe('users (admin only)', () => {
  test('an admin creates a user; the write is audited with the admin, IP and user agent', async () => {
    const admin = await loginAs('admin');
    const email = `new-${randomUUID()}@example.com`;
    const res = await request(app)
      .post('/api/users')
      .set('Authorization', `Bearer ${admin.access}`)
      .set('User-Agent', 'jest-agent')
      .send({ email, password, role: 'integrations', displayName: 'New Person' })
      .expect(201);
    expect(res.body).toMatchObject({ email, role: 'integrations', displayName: 'New Person', isActive: true });
    expect(res.body).not.toHaveProperty('passwordHash');
    const audit = await AuditLog.findOne({ where: { entityType: 'user', entityId: res.body.id, action: 'user.create' } });
    expect(audit).toMatchObject({ actorType: 'user', actorId: admin.id, userAgent: 'jest-agent', after: expect.objectContaining({ email }) });
    expect(audit!.requestIp).toBeTruthy();
  });

  test('a repeated Idempotency-Key returns the first result and creates nothing twice', async () => {
    const admin = await loginAs('admin');
    const email = `idem-${randomUUID()}@example.com`;
    const key = `create-${randomUUID()}`;
    const send = () => request(app).post('/api/users').set('Authorization', `Bearer ${admin.access}`).set('Idempotency-Key', key).send({ email, password, role: 'sales_engineer' });
    const first = await send().expect(201);
    const second = await send().expect(200);
    expect(second.body).toEqual(first.body);
    expect(await User.count({ where: { email } })).toBe(1);
  });

  test('duplicate email → 409; invalid input → 400 with details; neither writes anything', async () => {
    const admin = await loginAs('admin');
    const email = await newUser('integrations');
    const [users, audits] = [await User.count(), await AuditLog.count()];
    const dup = await request(app).post('/api/users').set('Authorization', `Bearer ${admin.access}`).send({ email: email.toUpperCase(), password, role: 'admin' }).expect(409);
    expectErrorEnvelope(dup.body, 'conflict');
    const bad = await request(app).post('/api/users').set('Authorization', `Bearer ${admin.access}`).send({ email: 'nope', password: 'short', role: 'root', extra: 1 }).expect(400);
    expectErrorEnvelope(bad.body, 'validation_failed');
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['body.email', 'body.password', 'body.role']));
    expect([await User.count(), await AuditLog.count()]).toEqual([users, audits]);
  });

  test.each(['integrations', 'sales_engineer'] as const)('%s gets 403 and nothing is written', async (role) => {
    const session = await loginAs(role);
    const before = await User.count();
    const res = await request(app).post('/api/users').set('Authorization', `Bearer ${session.access}`).send({ email: `x-${randomUUID()}@example.com`, password, role: 'admin' }).expect(403);
    expectErrorEnvelope(res.body, 'forbidden');
    expect(await User.count()).toBe(before);
  });
});
