/** Builds the p2c-sync worker: the bundled workflows plus the activities wired to their dependencies. */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { dataConverterFor, loadCodecConfig } from '../common/codec';
import { workflowBundle } from './bundle';

export const TASK_QUEUE = 'p2c-sync';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  deps: ActivityDeps;
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    // Payloads and failure messages are encrypted when P2C_CODEC_KEYS (or _FILE) is set.
    dataConverter: dataConverterFor(loadCodecConfig()),
    activities: createActivities(options.deps),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 50,
    // Pages are small and many; a short sticky cache timeout keeps throughput when the cache evicts.
    stickyQueueScheduleToStartTimeout: '10s',
  });
}
