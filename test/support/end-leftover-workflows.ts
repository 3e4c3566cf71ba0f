// After each test file, ends the workflows it left running on the shared Temporal server, so no later file's worker runs them.
import { WorkflowNotFoundError } from '@temporalio/client';
import { openTestTemporalClient } from './env';

// A sync left retrying against a system its file never stood up would otherwise write to the next file's fake.
afterAll(async () => {
  const client = openTestTemporalClient();
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
