// The e2e benchmark's ceiling: a workflow that runs one no-op activity (bundled on its own, run on its own task queue).
import { proxyActivities } from '@temporalio/workflow';

export interface NoopActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<NoopActivities>({ startToCloseTimeout: '30 seconds' });

export async function benchNoop(_input: { eventId: string }): Promise<void> {
  await noop();
}
