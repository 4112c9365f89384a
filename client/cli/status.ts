/**
 * `p2c status`: the execution history of a project, like Data Integrator's — recent runs with each task's outcome,
 * counts and duration, from Temporal visibility, the runs' memo and their results or live progress.
 */
import type { Command } from 'commander';
import type { TaskResult } from '../../common/sync-types';
import type { CliContext, CommandRunner } from './context';
import { EXIT, UsageError } from './errors';
import { duration, table } from './format';
import { describeRun, listProjectRuns, type RunState } from './runs';
import { TASK_TABLE_HEADER, taskLabel, taskRow } from './summary';

export const DEFAULT_STATUS_LIMIT = 10;

export interface StatusOptions {
  project?: string;
  limit?: string;
  json?: boolean;
}

interface RunStatus {
  workflowId: string;
  status: string;
  outcome?: string;
  startedAt: string;
  endedAt?: string;
  retryOf?: string;
  schedule?: string;
  url: string;
  tasks: Array<Partial<TaskResult> & { task: string; dataAreaId: string; state: string }>;
}

function toRunStatus(ctx: CliContext, state: RunState): RunStatus {
  const tasks: RunStatus['tasks'] = state.summary
    ? state.summary.tasks.map((t) => ({ ...t, dataAreaId: t.partition.dataAreaId, state: 'done' }))
    : (state.progress?.tasks ?? []).map((t) => ({
        ...t.result,
        task: t.task,
        dataAreaId: t.dataAreaId,
        state: t.state,
      }));
  const memoText = (key: string) => (typeof state.memo[key] === 'string' ? (state.memo[key] as string) : undefined);
  return {
    workflowId: state.workflowId,
    status: state.status,
    outcome: state.outcome,
    startedAt: state.startTime.toISOString(),
    endedAt: state.closeTime?.toISOString(),
    retryOf: memoText('retryOf'),
    schedule: memoText('schedule'),
    url: ctx.workflowUrl(state.workflowId),
    tasks,
  };
}

function heading(run: RunStatus): string {
  const took = run.endedAt ? `, ${duration(Date.parse(run.endedAt) - Date.parse(run.startedAt))}` : '';
  const notes = [run.retryOf && `retry of ${run.retryOf}`, run.schedule && `schedule ${run.schedule}`].filter(Boolean);
  return `${run.workflowId}  ${run.outcome ?? run.status}  started ${run.startedAt}${took}${notes.length ? `  (${notes.join('; ')})` : ''}`;
}

function taskRows(run: RunStatus): string[][] {
  return run.tasks.map((t) =>
    t.outcome && t.counters && t.partition && t.startedAt && t.endedAt
      ? taskRow(t as TaskResult)
      : [taskLabel(t.task, t.dataAreaId), t.state, ...TASK_TABLE_HEADER.slice(2).map(() => '')],
  );
}

export async function status(ctx: CliContext, options: StatusOptions): Promise<number> {
  const limit = options.limit === undefined ? DEFAULT_STATUS_LIMIT : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${options.limit}: give a whole number ≥ 1`);
  const project = ctx.project(options.project).name;
  const client = await ctx.client();
  const executions = await listProjectRuns(client, project, limit);
  const runs = await Promise.all(
    executions.map(async (e) => toRunStatus(ctx, await describeRun(client, e.workflowId))),
  );
  if (options.json) {
    ctx.printJson({ project, runs });
    return EXIT.completed;
  }
  if (runs.length === 0) {
    ctx.print(`project ${project} has no runs yet; start one with p2c sync`);
    return EXIT.completed;
  }
  ctx.print(runs.map((run) => `${heading(run)}\n${indent(table(TASK_TABLE_HEADER, taskRows(run)))}`).join('\n\n'));
  return EXIT.completed;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

export function registerStatus(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('status')
    .description('recent runs of the project: outcome, counts and duration per task')
    .option('--project <file>', 'project file (default: P2C_PROJECT_FILE)')
    .option('--limit <n>', 'number of runs', String(DEFAULT_STATUS_LIMIT))
    .option('--json', 'print JSON for scripts')
    .action((options: StatusOptions) => run(() => status(ctx, options)));
}
