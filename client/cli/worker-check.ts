/**
 * Whether a worker polls the task queue a run is on. Without one a run never moves: `--wait` and `watch` would wait
 * in silence, and a progress query would only give up after a minute with "Failed to query Workflow".
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ENV } from '../../common/config';
import type { CliContext } from './context';

/** Workers that polled the task queue's workflow tasks lately; undefined when the server would not say. */
export async function workflowPollers(client: Client, taskQueue: string): Promise<number | undefined> {
  try {
    const response = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return response.pollers?.length ?? 0;
  } catch {
    return undefined;
  }
}

export function noWorkerWarning(taskQueue: string): string {
  return (
    `no worker polls task queue ${taskQueue}: the run waits until one does; ` +
    `start a worker on it (npm run worker) or check ${ENV.taskQueue}`
  );
}

/** Prints the warning on stderr when no worker polls the task queue; true when it did. */
export async function warnWhenNoWorker(ctx: CliContext, client: Client, taskQueue: string): Promise<boolean> {
  if ((await workflowPollers(client, taskQueue)) !== 0) return false;
  ctx.err.write(`p2c: warning: ${noWorkerWarning(taskQueue)}\n`);
  return true;
}
