/**
 * `p2c sync --continuous`: one long-running continuousSync workflow per task and partition, polling for changes
 * until stopped (`p2c sync --continuous --stop` cancels them). Starting again while they run is a no-op.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Project } from '../../mappings';
import { DEFAULT_SYNC_SETTINGS } from '../../common/sync-types';
import { continuousSync, continuousWorkflowId, type ContinuousSyncInput } from '../../workflows/continuousSync';
import { DIRECTION_ATTRIBUTE, PROJECT_ATTRIBUTE, TASK_ATTRIBUTE } from '../../workflows/search-attributes';
import { buildProjectRun } from '../run';
import type { CliContext } from './context';
import { EXIT } from './errors';
import { warnWhenNoWorker } from './worker-check';

export interface ContinuousStart {
  workflowId: string;
  input: ContinuousSyncInput;
}

/** The continuous workflows of a project (or of some of its tasks): header tasks carry their line task. */
export function continuousStarts(
  project: Project,
  options: { tasks?: string[]; polling?: ContinuousSyncInput['polling'] } = {},
): ContinuousStart[] {
  const [run] = buildProjectRun(project, { tasks: options.tasks, runTime: 'continuous' }).args;
  const byName = new Map(run.tasks.map((t) => [t.name, t]));
  const settings = { ...DEFAULT_SYNC_SETTINGS, ...run.settings };
  return run.tasks
    .filter((task) => !(task.parent && byName.has(task.parent)))
    .flatMap((task) =>
      run.partitions.map((partition) => ({
        workflowId: continuousWorkflowId(project.name, task.name, partition.dataAreaId),
        input: {
          project: project.name,
          task,
          lineTask: task.children ? byName.get(task.children) : undefined,
          partition,
          settings,
          ...(options.polling ? { polling: options.polling } : {}),
        },
      })),
    );
}

/** Starts each continuous workflow; one already running under its id is left alone and reported as such. */
export async function startContinuous(
  client: Client,
  starts: ContinuousStart[],
  taskQueue: string,
): Promise<Array<{ workflowId: string; started: boolean }>> {
  const results = [];
  for (const { workflowId, input } of starts) {
    try {
      await client.workflow.start(continuousSync, {
        taskQueue,
        workflowId,
        args: [input],
        searchAttributes: {
          [PROJECT_ATTRIBUTE]: [input.project],
          [TASK_ATTRIBUTE]: [input.task.name],
          [DIRECTION_ATTRIBUTE]: [input.task.direction],
        },
      });
      results.push({ workflowId, started: true });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      results.push({ workflowId, started: false });
    }
  }
  return results;
}

/**
 * Cancels the continuous workflow if it is running; false when there is none or it has closed (the server accepts a
 * cancel request for a closed workflow too, so only its status tells).
 */
async function stopContinuous(client: Client, workflowId: string): Promise<boolean> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return false;
    await handle.cancel();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

export interface ContinuousOptions {
  project?: string;
  task?: string[];
  stop?: boolean;
  json?: boolean;
}

export async function syncContinuous(ctx: CliContext, options: ContinuousOptions): Promise<number> {
  const project = ctx.project(options.project);
  const client = await ctx.client();
  const starts = continuousStarts(project, { tasks: options.task });
  const lines: Array<{ workflowId: string; state: string; url: string }> = [];
  if (options.stop) {
    for (const { workflowId } of starts) {
      const stopped = await stopContinuous(client, workflowId);
      lines.push({ workflowId, state: stopped ? 'stopping' : 'not running', url: ctx.workflowUrl(workflowId) });
    }
  } else {
    for (const { workflowId, started } of await startContinuous(client, starts, ctx.config.taskQueue)) {
      lines.push({ workflowId, state: started ? 'started' : 'already running', url: ctx.workflowUrl(workflowId) });
    }
  }
  if (options.json) ctx.printJson(lines);
  else for (const line of lines) ctx.print(`${line.workflowId}: ${line.state}  ${line.url}`);
  if (!options.stop) await warnWhenNoWorker(ctx, client, ctx.config.taskQueue);
  return EXIT.completed;
}
