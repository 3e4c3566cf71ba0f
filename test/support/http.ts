// Test helpers for the HTTP API: signed-in users of each role, the error-envelope check, polling.
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type { Sequelize } from 'sequelize';
import request from 'supertest';
import { createUser } from '../../api/users/service';
import type { Role } from '../../domain/roles';

const PASSWORD = 'a-long-enough-password';

/** Creates a user with the role and logs in through the API; returns the bearer header value and the user id. */
export async function signedIn(app: RequestListener, sequelize: Sequelize, role: Role): Promise<{ auth: string; id: string }> {
  const email = `${role}-${randomUUID()}@example.com`;
  await createUser(sequelize, { email, password: PASSWORD, role }, { type: 'system', name: 'test' }, randomUUID());
  const res = await request(app).post('/api/auth/login').send({ email, password: PASSWORD }).expect(200);
  return { auth: `Bearer ${res.body.accessToken}`, id: res.body.user.id };
}

/** The one error envelope, and never a stack trace in it. */
export function expectErrorEnvelope(body: unknown, code: string): void {
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(JSON.stringify(body)).not.toMatch(/at .+\.(ts|js):\d+/);
}

/** Polls until `probe` returns a value other than undefined/null/false, or fails with the last value seen. */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    last = await probe();
    if (last !== undefined && last !== null && last !== false) return last as T;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
