/** A run that does not end in time makes `resultWithin` fail with what the run waits on, not a bare timeout. */
import { Client, Connection } from '@temporalio/client';
import { resultWithin, uniqueQueue } from '../../support/temporal';

describe('resultWithin', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.P2C_TEST_TEMPORAL_ADDRESS! });
  });
  afterAll(() => connection?.close());

  test('names the workflow and its unstarted workflow task when no worker polls', async () => {
    const client = new Client({ connection });
    const handle = await client.workflow.start('prospectToCash', {
      taskQueue: uniqueQueue('nobody'),
      workflowId: `result-within-${Date.now()}`,
      args: [],
    });
    try {
      await expect(resultWithin(client, handle, 500, () => 'worker process 42: running')).rejects.toThrow(
        new RegExp(
          `${handle.workflowId} did not end within 0.5 s:\\n${handle.workflowId}: RUNNING, 2 events\\n` +
            '  workflow task state .* attempt 1\\n  last events: WORKFLOW_EXECUTION_STARTED WORKFLOW_TASK_SCHEDULED' +
            '\\nworker process 42: running$',
        ),
      );
    } finally {
      await handle.terminate('test over');
    }
  });
});
