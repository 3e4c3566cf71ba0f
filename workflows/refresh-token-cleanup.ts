// Scheduled maintenance: removes refresh-token families that expired more than the retention ago.
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { maintenanceActivity } from '../domain/activity-policies';
import type { PurgeResult, RefreshTokenCleanupInput } from '../domain/maintenance';
import { withProgress } from './progress';

const { purgeRefreshTokens } = proxyActivities<Activities>(maintenanceActivity);

const DAY_MS = 24 * 60 * 60 * 1000;

export async function refreshTokenCleanup({ retentionDays, batchSize }: RefreshTokenCleanupInput): Promise<PurgeResult> {
  return withProgress('refresh_tokens', async (step) => {
    if (!(retentionDays >= 1 && Number.isInteger(batchSize) && batchSize >= 1)) {
      throw ApplicationFailure.nonRetryable(`Invalid input: retentionDays ${retentionDays}, batchSize ${batchSize}`, 'InvalidInput');
    }
    const cutoff = new Date(workflowInfo().runStartTime.getTime() - retentionDays * DAY_MS).toISOString();
    const total: PurgeResult = { families: 0, tokens: 0 };
    for (;;) {
      const batch = await purgeRefreshTokens({ cutoff, batchSize });
      total.families += batch.families;
      total.tokens += batch.tokens;
      if (batch.families < batchSize) break;
      await step('purging', { ...total });
    }
    return total;
  });
}
