// Runs one worker with the platform's Temporal runtime (installTemporalRuntime, pino to stdout) until an activity
// completes after its timeout: the SDK's core then warns, and that warning must come out as a pino JSON line.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createLogger } from '../../../lib/logger';
import { installTemporalRuntime } from '../../../workers/worker';
import { createProbeActivities, LATE_BY_MS } from './activities';
import type { lateActivityCompletion } from './workflows';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set');
  installTemporalRuntime(createLogger('warn', 'core-log-probe'));
  const taskQueue = `core-log-probe-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('./workflows'), activities: createProbeActivities() });
  const client = new Client({ connection: await Connection.connect({ address }) });
  const outcome = await worker.runUntil(async () => {
    const result = await client.workflow.execute<typeof lateActivityCompletion>('lateActivityCompletion', { taskQueue, workflowId: taskQueue });
    await sleep(LATE_BY_MS + 1_000); // the activity finishes, and its completion is refused
    return result;
  });
  process.stderr.write(`workflow: ${outcome}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
