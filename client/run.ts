/**
 * Starting a project run: the one place that turns a project file into a prospectToCash workflow, whether the CLI
 * starts it now or a Temporal Schedule starts it later.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { resolveTasks, type Project } from '../mappings';
import type { SyncMode, SyncSettings } from '../common/sync-types';
import { prospectToCash, type ProspectToCashInput } from '../workflows/prospectToCash';
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
  /** Workflow id of the run whose failed rows this run retries (memo `retryOf`). */
  retryOf?: string;
  /** Engine settings beyond the project's own (the benchmark varies write and document concurrency). */
  settings?: Partial<SyncSettings>;
}

/** Memo of a project run, shown in the Web UI and read back by `p2c status`. */
export interface ProjectRunMemo {
  summary: string;
  retryOf?: string;
  schedule?: string;
}

/** Everything a start needs; `startProjectRun` starts it now, a schedule action starts it on every tick. */
export interface ProjectRunRequest {
  workflowId: string;
  taskQueue: string;
  args: [ProspectToCashInput];
  searchAttributes: Record<string, string[]>;
  memo: ProjectRunMemo;
}

export interface StartedRun {
  workflowId: string;
  handle: WorkflowHandle<typeof prospectToCash>;
}

/**
 * Builds the workflow id, input, search attributes and memo of a run. `runTime` names the run in its ids; a
 * schedule passes a fixed one because the server appends the action time to the workflow id itself.
 */
export function buildProjectRun(
  project: Project,
  options: Omit<StartRunOptions, 'now'> & { runTime: string; schedule?: string },
): ProjectRunRequest {
  const all = resolveTasks(project);
  const wanted = options.tasks?.length ? new Set(options.tasks) : undefined;
  if (wanted) {
    const unknown = [...wanted].filter((t) => !all.some((d) => d.name === t));
    if (unknown.length)
      throw new Error(`unknown task ${unknown.join(', ')}; the project has ${all.map((d) => d.name).join(', ')}`);
  }
  const tasks = wanted
    ? all.filter((t) => wanted.has(t.name) || (t.parent !== undefined && wanted.has(t.parent)))
    : all;
  const summary = `prospect-to-cash run of ${project.name} (${tasks.map((t) => t.name).join(', ')})`;
  const memo: ProjectRunMemo = { summary };
  if (options.retryOf) memo.retryOf = options.retryOf;
  if (options.schedule) memo.schedule = options.schedule;
  return {
    workflowId: projectWorkflowId(project.name, options.runTime),
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
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
          ...options.settings,
        },
        runTime: options.runTime,
        onlyKeys: options.onlyKeys,
        ...(project.alerts ? { alerts: project.alerts } : {}),
      },
    ],
    searchAttributes: { [PROJECT_ATTRIBUTE]: [project.name] },
    memo,
  };
}

export async function startProjectRun(
  client: Client,
  project: Project,
  options: StartRunOptions = {},
): Promise<StartedRun> {
  const request = buildProjectRun(project, { ...options, runTime: runTimeStamp(options.now ?? new Date()) });
  const handle = await client.workflow.start(prospectToCash, {
    taskQueue: request.taskQueue,
    workflowId: request.workflowId,
    args: request.args,
    searchAttributes: request.searchAttributes,
    memo: { ...request.memo },
  });
  return { workflowId: request.workflowId, handle };
}
