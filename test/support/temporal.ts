/** Temporal environments for tests: the shared dev server (global setup) or a time-skipping test server. */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { TEMPORAL_TEST_SERVER, resolveTemporalTool } from '../../common/temporal-cli';
import { registerSearchAttributes } from '../../common/dev-server';

export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  const address = process.env.P2C_TEST_TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('P2C_TEST_TEMPORAL_ADDRESS is not set: run integration tests through jest (global setup)');
  return TestWorkflowEnvironment.createFromExistingServer({ address, namespace: 'default' });
}

/** The time-skipping server from .tools (PyPI wheel) or PATH; the SDK download only as a last resort. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const local = resolveTemporalTool(TEMPORAL_TEST_SERVER);
  const env = await TestWorkflowEnvironment.createTimeSkipping(
    local ? { server: { executable: { type: 'existing-path', path: local.path } } } : {},
  );
  await registerSearchAttributes(env.connection);
  return env;
}

export function uniqueQueue(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
