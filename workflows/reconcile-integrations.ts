// The reconcile Schedule's workflow: re-drives failed (after a cool-down), stale and missing syncs through opportunitySync.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { databaseActivity, temporalClientActivity } from '../domain/activity-policies';
import { withProgress } from './progress';

const { findSyncsToRedrive } = proxyActivities<Activities>(databaseActivity);
const { redriveSyncs } = proxyActivities<Activities>(temporalClientActivity);

export interface ReconcileIntegrationsInput {
  failedCooldownMs: number;
  /** At most this many syncs per run; the next scheduled run picks up the rest. */
  limit: number;
}

export interface ReconcileIntegrationsResult {
  failed: number;
  stale: number;
  missing: number;
  requested: number;
}

/** Signals go out in chunks, so one activity attempt stays short and a retry repeats little. */
const SIGNAL_CHUNK = 50;

export async function reconcileIntegrations({ failedCooldownMs, limit }: ReconcileIntegrationsInput): Promise<ReconcileIntegrationsResult> {
  return withProgress('reconcile-integrations', async (step) => {
    const targets = await findSyncsToRedrive({ failedCooldownMs, limit });
    const count = (reason: string) => targets.filter((target) => target.reason === reason).length;
    const found = { failed: count('failed'), stale: count('stale'), missing: count('missing') };
    await step('redriving', found);
    let requested = 0;
    for (let start = 0; start < targets.length; start += SIGNAL_CHUNK) {
      requested += (await redriveSyncs({ targets: targets.slice(start, start + SIGNAL_CHUNK) })).requested;
    }
    return { ...found, requested };
  });
}
