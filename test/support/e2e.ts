/** End-to-end harness: the real dev server (global setup), a real worker, both emulators, the demo project. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startLocalStack, type LocalStack } from '../../client/local-stack';
import { startProjectRun, type StartRunOptions } from '../../client/run';
import { loadProject } from '../../mappings/project-file';
import type { Project } from '../../mappings';
import type { ProjectRunSummary } from '../../common/sync-types';
import type { EmulatorsOptions } from '../../emulators';
import { uniqueQueue } from './temporal';

export const EXAMPLE_PROJECT = path.resolve(__dirname, '../../examples/project.yaml');

export interface E2E {
  stack: LocalStack;
  client: Client;
  project: Project;
  tmp: string;
  run(options?: StartRunOptions): Promise<{ workflowId: string; summary: ProjectRunSummary }>;
  close(): Promise<void>;
}

export async function startE2E(
  emulators: EmulatorsOptions,
  project: Project = loadProject(EXAMPLE_PROJECT),
): Promise<E2E> {
  const address = process.env.P2C_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('P2C_TEST_TEMPORAL_ADDRESS is not set: run integration tests through jest');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-e2e-'));
  const stack = await startLocalStack({
    emulators,
    storeFile: path.join(tmp, 'checkpoints.sqlite'),
    temporalAddress: address,
    taskQueue: uniqueQueue('e2e'),
  });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  let clock = Date.now();
  return {
    stack,
    client,
    project,
    tmp,
    async run(options = {}) {
      // Distinct run times keep workflow ids unique even for runs started within the same millisecond.
      clock = Math.max(clock + 1000, Date.now());
      const started = await startProjectRun(client, project, {
        taskQueue: stack.taskQueue,
        now: new Date(clock),
        ...options,
      });
      return { workflowId: started.workflowId, summary: await started.handle.result() };
    },
    async close() {
      await connection.close();
      await stack.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export function taskResult(summary: ProjectRunSummary, task: string) {
  const result = summary.tasks.find((t) => t.task === task);
  if (!result) throw new Error(`task ${task} not in the run (${summary.tasks.map((t) => t.task).join(', ')})`);
  return result;
}
