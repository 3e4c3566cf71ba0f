// Housekeeping on our own tables, e.g. removing refresh tokens that can no longer be used.
import { QueryTypes } from 'sequelize';
import type { PurgeRefreshTokensInput, PurgeResult } from '../domain/maintenance';
import { auditedWrite } from '../lib/audit';
import { activityIdempotencyKey, workflowActor } from './context';
import type { ActivityDeps } from './index';

export function createMaintenanceActivities({ sequelize }: ActivityDeps) {
  return {
    /** Deletes one batch of dead token families; the workflow loops while a batch was full. */
    async purgeRefreshTokens({ cutoff, batchSize }: PurgeRefreshTokensInput): Promise<PurgeResult> {
      const outcome = await auditedWrite(
        sequelize,
        { idempotencyKey: activityIdempotencyKey(), actor: workflowActor(), entityType: 'refresh_tokens', entityId: `before:${cutoff}`, action: 'refresh_tokens.purge' },
        async (transaction) => {
          // A family is removed only when its newest token expired before the cutoff: rotated tokens of a
          // live family must stay, or reusing a stolen one could no longer be detected.
          const [row] = await sequelize.query<{ families: number; tokens: number }>(
            `WITH dead AS (
               SELECT family_id FROM refresh_tokens GROUP BY family_id
               HAVING max(expires_at) < :cutoff LIMIT :batchSize),
             deleted AS (
               DELETE FROM refresh_tokens WHERE family_id IN (SELECT family_id FROM dead) RETURNING family_id)
             SELECT (SELECT count(*) FROM dead)::int AS families, (SELECT count(*) FROM deleted)::int AS tokens`,
            { type: QueryTypes.SELECT, transaction, replacements: { cutoff, batchSize } },
          );
          const result = { families: row!.families, tokens: row!.tokens };
          return { result, after: { ...result, cutoff } };
        },
      );
      return outcome.applied ? outcome.result : (outcome.after as PurgeResult);
    },
  };
}
