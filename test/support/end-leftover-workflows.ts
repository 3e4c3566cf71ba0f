// After each test file, ends the workflows it left running on the shared Temporal server, so no later file's worker runs them.
import { WorkflowNotFoundError } from '@temporalio/client';
import { createTemporalClient } from '../../lib/temporal';

// A sync left retrying against a system its file never stood up would otherwise write to the next file's fake.
afterAll(async () => {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is not set: tests must run through jest\'s global setup (npm test).');
  const client = createTemporalClient({ address, namespace: 'default' });
  try {
    for await (const run of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
      await client.workflow
        .getHandle(run.workflowId, run.runId)
        .terminate('test file finished')
        .catch((error: unknown) => {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        });
    }
  } finally {
    await client.connection.close();
  }
});
