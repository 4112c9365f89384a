/**
 * `p2c status`: the execution history of a project, like Data Integrator's — recent runs with each task's outcome,
 * counts and duration, from Temporal visibility, the runs' memo and their results or live progress. A run that
 * ended without a result (cancelled, failed, terminated) lists its tasks as the checkpoint store recorded them, and
 * runs Temporal no longer keeps (past the namespace's retention) come from the checkpoint store alone.
 */
import type { Command } from 'commander';
import {
  MAX_RUN_LIST_LIMIT,
  type CheckpointStore,
  type RunRecord,
  type RunStatus as StoredRunStatus,
} from '../../common/checkpoint-store';
import type { Counters, TaskOutcome, TaskResult } from '../../common/sync-types';
import type { CliContext, CommandRunner } from './context';
import { EXIT, UsageError } from './errors';
import { duration, table } from './format';
import { describeRun, listProjectRuns, type RunState } from './runs';
import { projectWorkflowId } from '../../workflows/ids';
import { TASK_TABLE_HEADER, taskLabel, taskRow } from './summary';

export const DEFAULT_STATUS_LIMIT = 10;

export interface StatusOptions {
  project?: string;
  limit?: string;
  json?: boolean;
}

type TaskStatus = Omit<Partial<TaskResult>, 'outcome' | 'counters'> & {
  task: string;
  dataAreaId: string;
  state: string;
  outcome?: TaskOutcome | StoredRunStatus;
  counters?: Partial<Counters>;
};

export interface RunStatus {
  workflowId: string;
  status: string;
  outcome?: string;
  startedAt: string;
  endedAt?: string;
  retryOf?: string;
  schedule?: string;
  /** The Web UI page; none for a run whose history Temporal no longer keeps. */
  url?: string;
  /** Only the checkpoint store knows the run: Temporal's history of it is gone. */
  fromStore?: boolean;
  tasks: TaskStatus[];
}

/** Task runs as the checkpoint store recorded them, in the order they started; one never ended has no outcome. */
export function storedTasks(records: RunRecord[]): TaskStatus[] {
  return [...records]
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
    .map((record) => ({
      task: record.task,
      dataAreaId: record.partition ?? '',
      state: record.status === 'Running' ? 'not finished' : 'done',
      outcome: record.status === 'Running' ? undefined : record.status,
      counters: record.counters,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
      reason: record.reason,
    }));
}

function toRunStatus(ctx: CliContext, state: RunState): RunStatus {
  const tasks: TaskStatus[] = state.summary
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
  const notes = [
    run.retryOf && `retry of ${run.retryOf}`,
    run.schedule && `schedule ${run.schedule}`,
    run.fromStore && 'from the checkpoint store: Temporal no longer keeps its history',
  ].filter(Boolean);
  return `${run.workflowId}  ${run.outcome ?? run.status}  started ${run.startedAt}${took}${notes.length ? `  (${notes.join('; ')})` : ''}`;
}

function taskRows(run: RunStatus): string[][] {
  return run.tasks.map(({ outcome, counters, startedAt, ...t }) =>
    outcome && counters && startedAt
      ? taskRow({ ...t, outcome, counters, startedAt, partition: { dataAreaId: t.dataAreaId } })
      : [taskLabel(t.task, t.dataAreaId), t.state, ...TASK_TABLE_HEADER.slice(2).map(() => '')],
  );
}

/** A run as `p2c status` prints it: its heading, then its tasks' table. */
export function runText(run: RunStatus): string {
  return `${heading(run)}\n${indent(table(TASK_TABLE_HEADER, taskRows(run)))}`;
}

/** Runs Temporal has no task list for (no summary, no live progress) get their tasks from the checkpoint store. */
async function withStoredTasks(ctx: CliContext, states: RunState[]): Promise<RunStatus[]> {
  const needsStore = (state: RunState) => !state.summary && !state.progress;
  const store: CheckpointStore | undefined = states.some(needsStore) ? await ctx.store() : undefined;
  return Promise.all(
    states.map(async (state) => {
      const run = toRunStatus(ctx, state);
      if (store && needsStore(state)) {
        run.tasks = storedTasks(await store.listRuns({ parentRunId: state.workflowId, limit: MAX_RUN_LIST_LIMIT }));
      }
      return run;
    }),
  );
}

/** The worst of a run's task statuses, as the run's own: a task that never ended leaves the run not finished. */
function storedRunOutcome(tasks: TaskStatus[]): string {
  const outcomes = new Set<string>(tasks.map((t) => t.outcome ?? 'not finished'));
  const worst = ['Failed', 'Canceled', 'not finished', 'CompletedWithWarnings'].find((o) => outcomes.has(o));
  return worst ?? 'Completed';
}

/**
 * The project's runs the checkpoint store holds but Temporal did not list (`listed`), newest first, at most
 * `wanted`: each from its task records, so the execution history outlives Temporal's retention.
 */
async function storeOnlyRuns(
  store: CheckpointStore,
  project: string,
  listed: Set<string>,
  wanted: number,
): Promise<RunStatus[]> {
  // Project runs only (`p2c/<project>/<time>`): continuous passes record their tasks under longer ids of their own,
  // and Temporal's list of project runs leaves them out whether it keeps them or not.
  const groups = await store.listRunGroups({
    project,
    parentRunIdPrefix: projectWorkflowId(project, ''),
    excludeParentRunIds: [...listed],
    limit: Math.min(wanted, MAX_RUN_LIST_LIMIT),
  });
  return groups.map(({ parentRunId: workflowId, runs: records }) => {
    const tasks = storedTasks(records);
    const ends = records.map((r) => r.endedAt);
    const outcome = storedRunOutcome(tasks);
    return {
      workflowId,
      status: outcome,
      outcome,
      startedAt: tasks[0].startedAt!,
      endedAt: ends.every(Boolean) ? ends.reduce((a, b) => (Date.parse(a!) > Date.parse(b!) ? a : b)) : undefined,
      fromStore: true,
      tasks,
    };
  });
}

export async function status(ctx: CliContext, options: StatusOptions): Promise<number> {
  const limit = options.limit === undefined ? DEFAULT_STATUS_LIMIT : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${options.limit}: give a whole number ≥ 1`);
  const project = ctx.project(options.project).name;
  const client = await ctx.client();
  const executions = await listProjectRuns(client, project, limit);
  const runs = await withStoredTasks(ctx, await Promise.all(executions.map((e) => describeRun(client, e.workflowId))));
  if (runs.length < limit) {
    const listed = new Set(runs.map((run) => run.workflowId));
    runs.push(...(await storeOnlyRuns(await ctx.store(), project, listed, limit - runs.length)));
    runs.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  }
  if (options.json) {
    ctx.printJson({ project, runs });
    return EXIT.completed;
  }
  if (runs.length === 0) {
    ctx.print(`project ${project} has no runs yet; start one with p2c sync`);
    return EXIT.completed;
  }
  ctx.print(runs.map(runText).join('\n\n'));
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
