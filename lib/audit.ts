// The one audited-transaction helper: a change and its audit_log row commit together, once per key.
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

export type Actor =
  | { type: 'user'; userId: string; requestId?: string; ip?: string; userAgent?: string }
  | { type: 'workflow'; workflowId: string; runId: string; activity: string }
  | { type: 'system'; name: string };

export interface AuditSubject {
  /** Unique per logical change: a retried request or activity reuses it and writes nothing twice. */
  idempotencyKey: string;
  actor: Actor;
  entityType: string;
  /** Known up front, or returned by the change (e.g. a generated id). */
  entityId?: string;
  action: string;
}

export interface AuditedChange<T> {
  result: T;
  entityId?: string;
  before?: unknown;
  after?: unknown;
}

export type AuditedWriteOutcome<T> =
  | { applied: true; auditId: string; entityId: string; result: T }
  | { applied: false; auditId: string; entityId: string; after: unknown };

function actorColumns(actor: Actor) {
  switch (actor.type) {
    case 'user':
      return { actorId: actor.userId, actorActivity: null, workflowRunId: null, requestId: actor.requestId ?? null, requestIp: actor.ip ?? null, userAgent: actor.userAgent ?? null };
    case 'workflow':
      return { actorId: actor.workflowId, actorActivity: actor.activity, workflowRunId: actor.runId, requestId: null, requestIp: null, userAgent: null };
    case 'system':
      return { actorId: actor.name, actorActivity: null, workflowRunId: null, requestId: null, requestIp: null, userAgent: null };
  }
}

const toJson = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

/**
 * Runs `change` and writes its audit row in one transaction. The audit row is inserted first with
 * ON CONFLICT DO NOTHING: a concurrent duplicate waits on the unique key and then sees the committed
 * row, so a key that was already applied skips the change and reports `applied: false`.
 */
export async function auditedWrite<T>(
  sequelize: Sequelize,
  subject: AuditSubject,
  change: (transaction: Transaction) => Promise<AuditedChange<T>>,
): Promise<AuditedWriteOutcome<T>> {
  return sequelize.transaction(async (transaction) => {
    const actor = actorColumns(subject.actor);
    const inserted = await sequelize.query<{ id: string }>(
      `INSERT INTO audit_log (entity_type, entity_id, action, actor_type, actor_id, actor_activity, workflow_run_id,
                              request_id, request_ip, user_agent, idempotency_key)
       VALUES (:entityType, :entityId, :action, :actorType, :actorId, :actorActivity, :workflowRunId,
               :requestId, :requestIp, :userAgent, :idempotencyKey)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id`,
      {
        type: QueryTypes.SELECT,
        transaction,
        replacements: { ...actor, entityType: subject.entityType, entityId: subject.entityId ?? '', action: subject.action, actorType: subject.actor.type, idempotencyKey: subject.idempotencyKey },
      },
    );
    const auditRow = inserted[0];
    if (!auditRow) {
      const [existing] = await sequelize.query<{ id: string; entity_id: string; after: unknown }>(
        'SELECT id, entity_id, after FROM audit_log WHERE idempotency_key = :key',
        { type: QueryTypes.SELECT, transaction, replacements: { key: subject.idempotencyKey } },
      );
      return { applied: false, auditId: String(existing!.id), entityId: existing!.entity_id, after: existing!.after };
    }

    const outcome = await change(transaction);
    const entityId = outcome.entityId ?? subject.entityId;
    if (!entityId) throw new Error(`auditedWrite(${subject.action}): the change must return an entityId`);
    await sequelize.query('UPDATE audit_log SET entity_id = :entityId, before = CAST(:before AS jsonb), after = CAST(:after AS jsonb) WHERE id = :id', {
      transaction,
      replacements: { entityId, before: toJson(outcome.before), after: toJson(outcome.after), id: auditRow.id },
    });
    return { applied: true, auditId: String(auditRow.id), entityId, result: outcome.result };
  });
}
