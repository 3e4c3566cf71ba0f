// Webhooks and syncs survive outages: intake keeps accepting while Temporal is down and the relay catches up; a worker
// killed with SIGKILL mid-activity (or right after an external write) is replaced and the work completes exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { createApp } from '../../api/app';
import { listen, type RunningServer } from '../../api/server';
import { freePort } from '../../lib/local-stack/ports';
import { startLocalTemporal, type LocalTemporal } from '../../lib/local-stack/temporal-server';
import { createTemporalClient, registerSearchAttributes } from '../../lib/temporal';
import { AuditLog, ExternalIntegration, WebhookEvent, WorkflowInstance } from '../../models';
import { startOutboxRelay } from '../../workers/outbox-relay';
import { deliverWebhook, webhookAction } from '../fakes/current-rms-driver';
import { FakeCurrentRms } from '../fakes/current-rms';
import { FakeMonday } from '../fakes/monday';
import { openTestDatabase, startTestWorker, testConfig, testLogger } from '../support/env';
import { eventually } from '../support/http';

const root = path.resolve(__dirname, '../..');
const TOKEN = 'resilience-test-webhook-token-0123456789abcdef';
let sequelize: Sequelize;
let fake: FakeCurrentRms;
const currentRms = () => fake.settings();
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  sequelize = openTestDatabase();
  fake = await FakeCurrentRms.start();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});
afterAll(async () => {
  await fake.stop();
  await sequelize.close();
});

/** Intake on a real port, with its own Temporal client (used only by health) pointed at `temporalAddress`. */
async function startIntake(temporalAddress: string): Promise<{ server: RunningServer; url: string }> {
  const temporal = createTemporalClient({ address: temporalAddress, namespace: 'default' });
  const server = await listen(createApp({ config: testConfig({ CURRENT_RMS_WEBHOOK_TOKEN: TOKEN }), sequelize, temporal, logger: testLogger, version: 'test' }), 0);
  cleanups.push(() => temporal.connection.close(), () => server.close());
  return { server, url: `http://127.0.0.1:${server.port}/api/webhooks/current-rms/${TOKEN}` };
}

async function sendUpdate(url: string): Promise<string> {
  const opportunity = fake.upsertOpportunity({ id: randomInt(1, 2 ** 31) });
  const { status, body } = await deliverWebhook(url, webhookAction(opportunity, 'update'));
  expect(status).toBe(202);
  return (body as { eventId: string }).eventId;
}

const statusesOf = async (ids: string[]) => (await WebhookEvent.findAll({ where: { id: ids }, attributes: ['status'] })).map((e) => e.status);
const allProcessed = (ids: string[]) =>
  eventually(async () => ((await statusesOf(ids)).every((s) => s === 'processed') ? true : undefined), { timeoutMs: 90_000, what: `${ids.length} events to be processed` });

test('Temporal stopped during intake: every webhook is still accepted, and all are processed once it returns', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'temporal-outage-'));
  const serverOptions = { dataDir, namespace: 'default', uiPort: await freePort(), port: await freePort(), cliPath: process.env.TEMPORAL_CLI_PATH, logger: testLogger };
  let temporalServer: LocalTemporal = await startLocalTemporal(serverOptions);
  cleanups.push(() => temporalServer.stop());
  const client = createTemporalClient({ address: temporalServer.address, namespace: 'default' });
  cleanups.push(() => client.connection.close());
  await registerSearchAttributes(client, testLogger);
  const worker = await startTestWorker(sequelize, { currentRms: currentRms(), address: temporalServer.address });
  cleanups.push(() => worker.stop());
  const relay = startOutboxRelay({ sequelize, client, logger: testLogger, pollIntervalMs: 100 });
  cleanups.push(() => relay.stop());
  const intake = await startIntake(temporalServer.address);

  await allProcessed([await sendUpdate(intake.url)]); // the pipeline works before the outage

  await temporalServer.stop();
  const duringOutage: string[] = [];
  for (let i = 0; i < 20; i++) duringOutage.push(await sendUpdate(intake.url)); // each 202, asserted in sendUpdate
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // the relay fails and backs off meanwhile
  expect(new Set(await statusesOf(duringOutage))).toEqual(new Set(['received']));

  temporalServer = await startLocalTemporal(serverOptions); // same port and SQLite file
  await allProcessed(duringOutage);
  const events = await WebhookEvent.findAll({ where: { id: duringOutage } });
  for (const event of events) {
    expect(event.attempts).toBe(1);
    expect(event.statusHistory.filter((change) => change.status === 'dispatched')).toHaveLength(1);
  }
}, 180_000);

test('a worker killed with SIGKILL mid-activity is replaced; the event completes once, with no duplicate writes', async () => {
  const address = process.env.TEST_TEMPORAL_ADDRESS!;
  const intake = await startIntake(address);
  fake.setLatency(60_000); // the Current RMS call hangs, so the activity is surely in flight when the worker dies
  const child = spawnWorkerProcess(address);
  cleanups.push(() => killGroup(child));

  const eventId = await sendUpdate(intake.url);
  const opportunityId = (await WebhookEvent.findByPk(eventId))!.entityId!;
  await eventually(() => Promise.resolve(fake.requests.some((r) => r.path === `/api/v1/opportunities/${opportunityId}`)), {
    timeoutMs: 90_000,
    what: 'the child worker to call Current RMS',
  });
  await killGroup(child);
  fake.setLatency(0);

  // A fresh worker (and relay) takes over; the heartbeat timeout tells Temporal the old attempt is dead.
  const worker = await startTestWorker(sequelize, { currentRms: currentRms(), address });
  cleanups.push(() => worker.stop());
  await allProcessed([eventId]);

  const workflowId = `webhook-${eventId}`;
  const client = createTemporalClient({ address, namespace: 'default' });
  cleanups.push(() => client.connection.close());
  await expect(client.workflow.getHandle(workflowId).result()).resolves.toMatchObject({ status: 'processed' });
  const actions = (await AuditLog.findAll({ where: { actorId: workflowId } })).map((row) => row.action).sort();
  // Each step audited once; the run's progress is written inside the steps' transactions.
  expect(actions).toEqual(['event.processed', 'event.processing', 'opportunity.refresh']);
  expect(await WorkflowInstance.findAll({ where: { workflowId } })).toEqual([expect.objectContaining({ status: 'completed', currentStep: 'completed' })]);
  expect((await WebhookEvent.findByPk(eventId))!.attempts).toBe(1);
}, 180_000);

test('a worker killed with SIGKILL right after a monday.com write: the retry on another worker creates no duplicate item', async () => {
  const address = process.env.TEST_TEMPORAL_ADDRESS!;
  const monday = await FakeMonday.start();
  cleanups.push(() => monday.stop());
  const intake = await startIntake(address);
  // Answers come late, after the write is done: the worker dies between monday's write and our record of it.
  monday.setLatency(5_000);
  const settings = monday.settings();
  const child = spawnWorkerProcess(address, {
    SYNC_SYSTEMS: 'monday',
    MONDAY_API_URL: settings.apiUrl,
    MONDAY_API_TOKEN: settings.apiToken,
    MONDAY_BOARD_ID: settings.boardId,
    MONDAY_UID_COLUMN_ID: settings.uidColumnId,
  });
  cleanups.push(() => killGroup(child));

  const eventId = await sendUpdate(intake.url);
  const opportunityId = Number((await WebhookEvent.findByPk(eventId))!.entityId);
  // Counted per opportunity: syncs other test files left retrying on the shared Temporal server may run on these workers too.
  const itemsOfOpportunity = () => monday.items({ columnId: settings.uidColumnId, text: String(opportunityId) });
  await eventually(() => Promise.resolve(itemsOfOpportunity().length === 1), { timeoutMs: 90_000, what: 'the child worker to create the monday item' });
  await killGroup(child);
  monday.setLatency(0);
  expect(await ExternalIntegration.count({ where: { opportunityId } })).toBe(0); // the write was never recorded

  const worker = await startTestWorker(sequelize, { currentRms: currentRms(), monday: settings, syncSystems: ['monday'], address });
  cleanups.push(() => worker.stop());
  const link = await eventually(() => ExternalIntegration.findOne({ where: { opportunityId, system: 'monday', status: 'synced' } }), {
    timeoutMs: 90_000,
    what: 'the sync to be retried on the new worker',
  });
  // Every item ever created for it, trashed ones included: only the one the first worker created and the retry found.
  expect(itemsOfOpportunity().map((item) => item.id)).toEqual([link.externalId]);
}, 180_000);

/** `npm run worker` as its own process group (tsx starts a child node process). */
function spawnWorkerProcess(temporalAddress: string, extraEnv: Record<string, string> = {}): ChildProcess {
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'worker-process-')),
    DATABASE_URL: process.env.TEST_DATABASE_URL!,
    TEMPORAL_ADDRESS: temporalAddress,
    CURRENT_RMS_API_URL: fake.baseUrl,
    CURRENT_RMS_SUBDOMAIN: fake.subdomain,
    CURRENT_RMS_API_TOKEN: fake.apiToken,
    SYNC_SYSTEMS: '',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['workers/main.ts'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('exit', (code, signal) => {
    if (signal !== 'SIGKILL') console.error(`worker process exited (${code ?? signal}):\n${output}`);
  });
  return child;
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}
