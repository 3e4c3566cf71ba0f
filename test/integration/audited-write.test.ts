// The audited-write helper against real PostgreSQL: atomicity, idempotent replay, concurrent duplicates.
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { auditedWrite, type Actor } from '../../lib/audit';
import { openTestDatabase } from '../support/env';

let sequelize: Sequelize;
const actor: Actor = { type: 'system', name: 'audited-write-test' };

beforeAll(async () => {
  sequelize = openTestDatabase();
  await sequelize.query('CREATE TABLE IF NOT EXISTS audit_test_items (id text PRIMARY KEY, value int NOT NULL)');
});
afterAll(async () => {
  await sequelize.query('DROP TABLE IF EXISTS audit_test_items');
  await sequelize.close();
});

const count = async (sql: string, replacements: Record<string, unknown>) =>
  Number((await sequelize.query<{ n: string }>(sql, { type: QueryTypes.SELECT, replacements }))[0]!.n);
const itemRows = (id: string) => count('SELECT count(*) AS n FROM audit_test_items WHERE id = :id', { id });
const auditRows = (key: string) => count('SELECT count(*) AS n FROM audit_log WHERE idempotency_key = :key', { key });

function insertItem(id: string, value: number) {
  return async (transaction: Parameters<Parameters<typeof auditedWrite>[2]>[0]) => {
    await sequelize.query('INSERT INTO audit_test_items (id, value) VALUES (:id, :value)', { transaction, replacements: { id, value } });
    return { result: value, entityId: id, before: null, after: { id, value } };
  };
}

test('the change and its audit row commit together, with before/after and the actor', async () => {
  const key = randomUUID();
  const id = randomUUID();
  const outcome = await auditedWrite(sequelize, { idempotencyKey: key, actor, entityType: 'item', action: 'item.create' }, insertItem(id, 7));

  expect(outcome).toMatchObject({ applied: true, entityId: id, result: 7 });
  expect(await itemRows(id)).toBe(1);
  const [row] = await sequelize.query<Record<string, unknown>>('SELECT * FROM audit_log WHERE idempotency_key = :key', { type: QueryTypes.SELECT, replacements: { key } });
  expect(row).toMatchObject({ entity_type: 'item', entity_id: id, action: 'item.create', actor_type: 'system', actor_id: 'audited-write-test', before: null, after: { id, value: 7 } });
});

test('a failing change rolls back: neither the change nor the audit row is written', async () => {
  const key = randomUUID();
  const id = randomUUID();
  await expect(
    auditedWrite(sequelize, { idempotencyKey: key, actor, entityType: 'item', action: 'item.create' }, async (transaction) => {
      await insertItem(id, 1)(transaction);
      throw new Error('boom after the write');
    }),
  ).rejects.toThrow('boom after the write');
  expect(await itemRows(id)).toBe(0);
  expect(await auditRows(key)).toBe(0);
});

test('replaying the same idempotency key is a no-op that reports the first result', async () => {
  const key = randomUUID();
  const id = randomUUID();
  const change = jest.fn(insertItem(id, 3));
  await auditedWrite(sequelize, { idempotencyKey: key, actor, entityType: 'item', action: 'item.create' }, change);
  const replay = await auditedWrite(sequelize, { idempotencyKey: key, actor, entityType: 'item', action: 'item.create' }, change);

  expect(change).toHaveBeenCalledTimes(1);
  expect(replay).toMatchObject({ applied: false, entityId: id, after: { id, value: 3 } });
  expect(await itemRows(id)).toBe(1);
  expect(await auditRows(key)).toBe(1);
});

test('concurrent writers with one key: exactly one applies, the others wait and no-op', async () => {
  const key = randomUUID();
  const ids = Array.from({ length: 8 }, () => randomUUID());
  const outcomes = await Promise.all(
    ids.map((id) => auditedWrite(sequelize, { idempotencyKey: key, actor, entityType: 'item', action: 'item.create' }, insertItem(id, 1))),
  );
  expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
  const written = await count('SELECT count(*) AS n FROM audit_test_items WHERE id IN (:ids)', { ids });
  expect(written).toBe(1);
  expect(await auditRows(key)).toBe(1);
});

test('a key whose first attempt rolled back can be applied by the retry', async () => {
  const key = randomUUID();
  const id = randomUUID();
  await expect(
    auditedWrite(sequelize, { idempotencyKey: key, actor, entityType: 'item', action: 'item.create' }, () => Promise.reject(new Error('transient'))),
  ).rejects.toThrow('transient');
  const retry = await auditedWrite(sequelize, { idempotencyKey: key, actor, entityType: 'item', action: 'item.create' }, insertItem(id, 5));
  expect(retry.applied).toBe(true);
  expect(await itemRows(id)).toBe(1);
});
