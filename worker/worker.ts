/** Builds the p2c-sync worker: the bundled workflows plus the activities wired to their dependencies. */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { dataConverterFor, loadCodecConfig } from '../common/codec';
import { workflowBundle } from './bundle';

export const TASK_QUEUE = 'p2c-sync';

/**
 * Workflow runs kept in the sticky cache. A project run has a few dozen open at once (its tasks and the documents
 * in flight); the SDK's default is sized from the heap limit (thousands on a large machine) and lets memory grow
 * with every run the worker has touched.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

/**
 * V8 heap settings to start the worker process with (NODE_OPTIONS). Its live heap is well under 100 MB, but by
 * default V8 sizes the heap from the machine's memory and collects lazily, so RSS climbs with run length; these
 * caps keep collection prompt and the process's peak RSS flat.
 */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=256 --max-semi-space-size=4';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  deps: ActivityDeps;
  maxConcurrentActivityTaskExecutions?: number;
  maxCachedWorkflows?: number;
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
    maxCachedWorkflows: options.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    // Pages are small and many; a short sticky cache timeout keeps throughput when the cache evicts.
    stickyQueueScheduleToStartTimeout: '10s',
  });
}
