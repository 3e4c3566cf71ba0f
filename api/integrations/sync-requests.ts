// Write side of the integrations API: a manual sync of one link and the bulk re-drive of failed links, each signalled to the entity workflows and audited.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Op, type Sequelize } from 'sequelize';
import { z } from 'zod';
import type { IntegrationSystem } from '../../domain/integration-systems';
import type { SyncRequest } from '../../domain/opportunity-sync';
import { auditedWrite, type Actor } from '../../lib/audit';
import type { Config } from '../../lib/config';
import { AppError, notFound } from '../../lib/errors';
import { requestOpportunitySync, syncIdleTimeoutMs, type SyncRequestTarget } from '../../lib/sync-requests';
import { temporalUiWorkflowUrl } from '../../lib/temporal';
import { ExternalIntegration, Opportunity } from '../../models';
import { decodeCursor, encodeCursor } from '../pagination';
import type { RetryFailedRequest, RetryFailedResult, SyncRequested } from './schemas';
import { callTemporal } from '../temporal-calls';

export interface SyncRequestDeps {
  sequelize: Sequelize;
  temporal: Client;
  config: Config;
}

export interface SyncRequester {
  email: string;
  actor: Extract<Actor, { type: 'user' }>;
}

/** Signals sent at once by a bulk re-drive: enough to finish 1000 quickly, few enough not to flood the Temporal frontend. */
const SIGNAL_CONCURRENCY = 8;

const RetryCursor = z.string().regex(/^\d{1,18}$/).describe('id of the last failed link re-driven');

function requireEnabled(config: Config, system: IntegrationSystem): void {
  if (!config.SYNC_SYSTEMS.includes(system)) {
    throw new AppError(409, 'system_disabled', `${system} is not enabled: add it to SYNC_SYSTEMS to sync to it`, { system, enabledSystems: config.SYNC_SYSTEMS });
  }
}

const signal = ({ temporal, config }: SyncRequestDeps, target: SyncRequestTarget, request: SyncRequest) =>
  callTemporal(temporal, () => requestOpportunitySync(temporal, target, request, syncIdleTimeoutMs(config)));

/**
 * Asks `sync-<system>-<opportunityId>` to sync now (deleted opportunities too: the sync sends their closed state).
 * 409 for a disabled system, 404 for an unknown opportunity; the audit row is written once Temporal accepted the signal.
 */
export async function requestManualSync(deps: SyncRequestDeps, target: SyncRequestTarget, requester: SyncRequester): Promise<z.infer<typeof SyncRequested>> {
  requireEnabled(deps.config, target.system);
  if (!(await Opportunity.findByPk(target.opportunityId, { attributes: ['id'] }))) throw notFound(`No opportunity ${target.opportunityId}`);
  const link = await ExternalIntegration.findOne({ where: { system: target.system, opportunityId: target.opportunityId }, attributes: ['status', 'externalId', 'attempts', 'lastError'] });
  const { workflowId, runId } = await signal(deps, target, { reason: 'manual', requestedBy: requester.email });
  const requested = { workflowId, runId, temporalUiUrl: temporalUiWorkflowUrl(deps.config, workflowId, runId) };
  await auditedWrite(
    deps.sequelize,
    {
      idempotencyKey: `integration.sync_requested:${randomUUID()}`,
      actor: requester.actor,
      entityType: 'external_integration',
      entityId: `${target.system}:${target.opportunityId}`,
      action: 'integration.sync_requested',
    },
    () =>
      Promise.resolve({
        result: requested,
        before: link ? { status: link.status, externalId: link.externalId, attempts: link.attempts, lastError: link.lastError } : null,
        after: { reason: 'manual', workflowId, runId },
      }),
  );
  return requested;
}

/** Signals every target, SIGNAL_CONCURRENCY at a time, in order; after a failure no new signal starts. */
async function signalAll(deps: SyncRequestDeps, targets: SyncRequestTarget[], request: SyncRequest) {
  const workflowIdsByIndex: (string | undefined)[] = [];
  let failure: { error: unknown } | undefined;
  let next = 0;
  const lane = async () => {
    while (failure === undefined && next < targets.length) {
      const index = next++;
      try {
        workflowIdsByIndex[index] = (await signal(deps, targets[index]!, request)).workflowId;
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SIGNAL_CONCURRENCY, targets.length) }, lane));
  return { workflowIds: workflowIdsByIndex.filter((id): id is string => id !== undefined), failure };
}

/**
 * Re-drives up to `limit` failed links of the enabled systems (or of the one given; 409 if it is disabled), in link order.
 * One audit row lists the workflows signalled; if Temporal fails midway, that row records the ones already signalled and the 503 follows.
 */
export async function retryFailedSyncs(deps: SyncRequestDeps, { system, limit, cursor }: z.infer<typeof RetryFailedRequest>, requester: SyncRequester): Promise<z.infer<typeof RetryFailedResult>> {
  if (system) requireEnabled(deps.config, system);
  const after = decodeCursor(cursor, RetryCursor);
  const systems = system ? [system] : deps.config.SYNC_SYSTEMS;
  const failed = await ExternalIntegration.findAll({
    where: { status: 'failed', system: { [Op.in]: systems }, ...(after ? { id: { [Op.gt]: after } } : {}) },
    attributes: ['id', 'system', 'opportunityId'],
    order: [['id', 'ASC']],
    limit: limit + 1,
  });
  const batch = failed.slice(0, limit);
  const { workflowIds, failure } = await signalAll(deps, batch.map(({ system, opportunityId }) => ({ system, opportunityId })), { reason: 'retry-failed', requestedBy: requester.email });
  const more = failed.length > limit;
  const result = { count: workflowIds.length, workflowIds, more, nextCursor: more ? encodeCursor(batch[batch.length - 1]!.id) : null };
  if (!failure || workflowIds.length > 0) {
    await auditedWrite(
      deps.sequelize,
      {
        idempotencyKey: `integration.retry_failed:${randomUUID()}`,
        actor: requester.actor,
        entityType: 'external_integration',
        entityId: `retry-failed:${system ?? 'all'}`,
        action: 'integration.retry_failed',
      },
      () => Promise.resolve({ result, after: failure ? { count: workflowIds.length, workflowIds, interrupted: `Temporal failed after ${workflowIds.length} of ${batch.length} signals` } : result }),
    );
  }
  if (failure) throw failure.error;
  return result;
}
