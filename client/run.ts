/** Starting a project run: the one place that turns a project file into a prospectToCash workflow. */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { resolveTasks, type Project } from '../mappings';
import type { SyncMode } from '../common/sync-types';
import { prospectToCash } from '../workflows';
import { projectWorkflowId, runTimeStamp } from '../workflows/ids';
import { PROJECT_ATTRIBUTE } from '../workflows/search-attributes';
import { DEFAULT_TASK_QUEUE } from '../common/config';

export interface StartRunOptions {
  mode?: SyncMode;
  /** Only these tasks (and always in run order). */
  tasks?: string[];
  taskQueue?: string;
  onlyKeys?: Record<string, string[]>;
  now?: Date;
}

export interface StartedRun {
  workflowId: string;
  handle: WorkflowHandle<typeof prospectToCash>;
}

export async function startProjectRun(
  client: Client,
  project: Project,
  options: StartRunOptions = {},
): Promise<StartedRun> {
  const all = resolveTasks(project);
  const wanted = options.tasks ? new Set(options.tasks) : undefined;
  if (wanted) {
    const unknown = [...wanted].filter((t) => !all.some((d) => d.name === t));
    if (unknown.length)
      throw new Error(`unknown task ${unknown.join(', ')}; the project has ${all.map((d) => d.name).join(', ')}`);
  }
  const tasks = wanted
    ? all.filter((t) => wanted.has(t.name) || (t.parent !== undefined && wanted.has(t.parent)))
    : all;
  const runTime = runTimeStamp(options.now ?? new Date());
  const workflowId = projectWorkflowId(project.name, runTime);
  const handle = await client.workflow.start(prospectToCash, {
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId,
    args: [
      {
        project: project.name,
        tasks,
        partitions: project.partitions,
        mode: options.mode ?? 'incremental',
        settings: {
          pageSize: project.engine.pageSize,
          pipelineDepth: project.engine.pipelineDepth,
          maxPageBytes: project.engine.maxPageBytes,
        },
        runTime,
        onlyKeys: options.onlyKeys,
      },
    ],
    searchAttributes: { [PROJECT_ATTRIBUTE]: [project.name] },
    memo: { summary: `prospect-to-cash run of ${project.name} (${tasks.map((t) => t.name).join(', ')})` },
  });
  return { workflowId, handle };
}
