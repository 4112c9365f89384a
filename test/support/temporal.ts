/** Temporal environments for tests: the shared dev server (global setup) or a time-skipping test server. */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
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

/**
 * What an open workflow and its open children are waiting on (pending activities, workflow tasks, last history
 * events), for a test that gave up waiting for it. Never throws: a failed describe is part of the answer.
 */
export async function describeWaiting(client: Client, workflowId: string): Promise<string> {
  const lines = await describeOpen(client, workflowId, 0).catch((err: Error) => [`(describe failed: ${err.message})`]);
  return lines.join('\n');
}

async function describeOpen(client: Client, workflowId: string, depth: number): Promise<string[]> {
  const handle = client.workflow.getHandle(workflowId);
  const { status, raw, historyLength } = await handle.describe();
  const lines = [`${'  '.repeat(depth)}${workflowId}: ${status.name}, ${historyLength} events`];
  for (const activity of raw.pendingActivities ?? []) {
    const failure = activity.lastFailure?.message ? `, last failure: ${activity.lastFailure.message}` : '';
    lines.push(
      `${'  '.repeat(depth + 1)}activity ${activity.activityType?.name} state ${activity.state} attempt ${activity.attempt}${failure}`,
    );
  }
  if (raw.pendingWorkflowTask) {
    const task = raw.pendingWorkflowTask;
    lines.push(`${'  '.repeat(depth + 1)}workflow task state ${task.state} attempt ${task.attempt}`);
  }
  const history = await handle.fetchHistory();
  const events = (history.events ?? []).map((event) =>
    String(temporal.api.enums.v1.EventType[event.eventType ?? 0]).replace('EVENT_TYPE_', ''),
  );
  lines.push(`${'  '.repeat(depth + 1)}last events: ${events.slice(-6).join(' ')}`);
  for (const child of raw.pendingChildren ?? []) {
    if (child.workflowId) lines.push(...(await describeOpen(client, child.workflowId, depth + 1)));
  }
  return lines;
}

/**
 * The run's result, or, when it has not ended within `timeoutMs`, an error that says what every open workflow of the
 * run is waiting on (pending activities, workflow tasks, children, last history events), so a hang explains itself.
 * `context` adds what else the test knows (the state of a worker process, say) to that error.
 */
export async function resultWithin<T>(
  client: Client,
  handle: WorkflowHandle,
  timeoutMs: number,
  context?: () => string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), timeoutMs)));
  try {
    const outcome = await Promise.race([handle.result() as Promise<T>, expired]);
    if (outcome !== 'expired') return outcome;
  } finally {
    clearTimeout(timer);
  }
  const state = await describeWaiting(client, handle.workflowId);
  const more = context ? `\n${context()}` : '';
  throw new Error(`${handle.workflowId} did not end within ${timeoutMs / 1000} s:\n${state}${more}`);
}
