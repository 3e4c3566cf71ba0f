// A real workflow + activity round trip on the real Temporal server, through the audited-write helper,
// plus workflow_instances tracking, search-attribute registration and a determinism (replay) check.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Sequelize } from 'sequelize';
import { TASK_QUEUE } from '../../domain/task-queues';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { AuditLog, RefreshToken, User, WorkflowInstance } from '../../models';
import type { refreshTokenCleanup } from '../../workflows';
import { openTestDatabase, openTestTemporalClient, startTestWorker } from '../support/env';

let sequelize: Sequelize;
let client: Client;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
const DAY = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  sequelize = openTestDatabase();
  client = openTestTemporalClient();
  worker = await startTestWorker(sequelize);
});
afterAll(async () => {
  await worker.stop();
  await client.connection.close();
  await sequelize.close();
});

async function tokenFamily(userId: string, expiresInDays: number[]) {
  const familyId = randomUUID();
  for (const days of expiresInDays) {
    await RefreshToken.create({ userId, familyId, tokenHash: randomUUID(), expiresAt: new Date(Date.now() + days * DAY), createdIp: null, userAgent: null });
  }
  return familyId;
}

test('the project search attributes are registered on the server', async () => {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
  for (const key of CUSTOM_SEARCH_ATTRIBUTES) expect(customAttributes).toHaveProperty(key.name);
});

test('refreshTokenCleanup removes dead token families in audited batches and records its run', async () => {
  const user = await User.create({ email: `cleanup-${randomUUID()}@example.com`, passwordHash: 'x', role: 'integrations', displayName: null });
  const dead = await Promise.all([tokenFamily(user.id, [-90, -80]), tokenFamily(user.id, [-60]), tokenFamily(user.id, [-45, -40, -35])]);
  // A family whose newest token is still valid keeps its rotated tokens: reuse detection needs them.
  const live = await tokenFamily(user.id, [-90, 10]);
  const recent = await tokenFamily(user.id, [-5]);

  const workflowId = `test-refresh-token-cleanup-${randomUUID()}`;
  const handle = await client.workflow.start<typeof refreshTokenCleanup>('refreshTokenCleanup', {
    workflowId,
    taskQueue: TASK_QUEUE,
    args: [{ retentionDays: 30, batchSize: 2 }],
  });
  const result = await handle.result();

  expect(result.families).toBeGreaterThanOrEqual(3);
  for (const familyId of dead) expect(await RefreshToken.count({ where: { familyId } })).toBe(0);
  expect(await RefreshToken.count({ where: { familyId: live } })).toBe(2);
  expect(await RefreshToken.count({ where: { familyId: recent } })).toBe(1);

  const runId = handle.firstExecutionRunId;
  const purges = await AuditLog.findAll({ where: { actorId: workflowId, action: 'refresh_tokens.purge' } });
  expect(purges.length).toBeGreaterThanOrEqual(2); // batches of 2 families
  for (const row of purges) expect(row).toMatchObject({ actorType: 'workflow', actorActivity: 'purgeRefreshTokens', workflowRunId: runId });

  const instance = await WorkflowInstance.findOne({ where: { workflowId, runId } });
  expect(instance).toMatchObject({ workflowType: 'refreshTokenCleanup', businessKey: 'refresh_tokens', status: 'completed', currentStep: 'completed', error: null });
  expect(instance!.completedAt).toBeInstanceOf(Date);
  expect(instance!.data).toMatchObject({ families: expect.any(Number) });

  // The recorded history replays against the current workflow code without non-determinism.
  const history = await handle.fetchHistory();
  await expect(Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, history, workflowId)).resolves.toBeUndefined();
});

test('a failing workflow is recorded as failed with its error and step', async () => {
  const workflowId = `test-refresh-token-cleanup-fail-${randomUUID()}`;
  // Input no retry can fix fails the workflow at once (non-retryable).
  const handle = await client.workflow.start<typeof refreshTokenCleanup>('refreshTokenCleanup', {
    workflowId,
    taskQueue: TASK_QUEUE,
    args: [{ retentionDays: 30, batchSize: -1 }],
  });
  await expect(handle.result()).rejects.toThrow();
  const instance = await WorkflowInstance.findOne({ where: { workflowId } });
  expect(instance).toMatchObject({ status: 'failed', currentStep: 'started', error: 'Invalid input: retentionDays 30, batchSize -1' });
});
