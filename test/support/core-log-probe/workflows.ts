// The core-log probe's one workflow: an activity that outlives its start-to-close timeout, so its late completion makes the SDK's core warn.
import { proxyActivities } from '@temporalio/workflow';
import type { ProbeActivities } from './activities';

const { outliveTimeout } = proxyActivities<ProbeActivities>({ startToCloseTimeout: '1 second', retry: { maximumAttempts: 1 } });

export async function lateActivityCompletion(): Promise<string> {
  try {
    await outliveTimeout();
    return 'completed';
  } catch {
    return 'timed out';
  }
}
