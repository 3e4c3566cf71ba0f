// Migrations on a scratch database: up creates every table, status is clean, down (development) reverts.
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createSequelize } from '../../lib/db';
import { createMigrator, migrateUp, withMigrationLock } from '../../migrations/migrator';
import { testLogger } from '../support/env';

const serverUrl = new URL(process.env.TEST_DATABASE_URL!);
const scratchName = `migrations_${randomUUID().replaceAll('-', '')}`;
const ALL_MIGRATIONS = ['0001-foundation', '0002-webhook-events-and-opportunities', '0003-sync-link-state'];
let admin: Sequelize;
let scratch: Sequelize;

const tables = async () =>
  (await scratch.query<{ name: string }>("SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1", { type: QueryTypes.SELECT })).map((r) => r.name);

beforeAll(async () => {
  admin = createSequelize(serverUrl.toString(), testLogger);
  await admin.query(`CREATE DATABASE ${scratchName}`);
  const scratchUrl = new URL(serverUrl);
  scratchUrl.pathname = `/${scratchName}`;
  scratch = createSequelize(scratchUrl.toString(), testLogger);
});
afterAll(async () => {
  await scratch.close();
  await admin.query(`DROP DATABASE ${scratchName}`);
  await admin.close();
});

test('up applies every migration once, even when several processes start together', async () => {
  const results = await Promise.all([migrateUp(scratch, testLogger), migrateUp(scratch, testLogger), migrateUp(scratch, testLogger)]);
  expect(results.flat()).toEqual(ALL_MIGRATIONS);
  expect(await tables()).toEqual(['audit_log', 'augmented_opportunities', 'events', 'external_integrations', 'opportunities', 'refresh_tokens', 'schema_migrations', 'users', 'workflow_instances']);
  expect(await createMigrator(scratch, testLogger).pending()).toEqual([]);
});

test('timestamps are timestamptz and JSON columns are jsonb', async () => {
  const columns = await scratch.query<{ table_name: string; column_name: string; data_type: string }>(
    "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND (data_type LIKE 'timestamp%' OR data_type LIKE 'json%')",
    { type: QueryTypes.SELECT },
  );
  expect(columns.length).toBeGreaterThan(8);
  for (const column of columns) expect(column.data_type).toMatch(/^(timestamp with time zone|jsonb)$/);
});

test('down reverts the schema and up restores it', async () => {
  await withMigrationLock(scratch, () => createMigrator(scratch, testLogger).down({ to: 0 }));
  expect(await tables()).toEqual(['schema_migrations']);
  expect(await migrateUp(scratch, testLogger)).toEqual(ALL_MIGRATIONS);
  expect(await tables()).toContain('audit_log');
});
