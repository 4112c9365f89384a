/**
 * `p2c schedule …`: project runs on a Temporal Schedule. The action is the same prospectToCash start `p2c sync`
 * builds (client/run.ts); overlapping ticks are skipped, and missed ticks fire within an explicit catch-up window.
 */
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import { buildProjectRun } from '../run';
import { prospectToCash } from '../../workflows';
import type { ProspectToCashInput } from '../../workflows/prospectToCash';
import type { CliContext, CommandRunner } from './context';
import { EXIT, exitCodeOf, UsageError } from './errors';
import { duration, parseInterval, table } from './format';
import { waitForRun } from './runs';
import { taskTable } from './summary';
import { warnWhenNoWorker } from './worker-check';

/** A run missed while the server was down still starts if the server is back within this window. */
export const DEFAULT_CATCHUP_WINDOW = '10m';
/** Scheduled runs share this run-time segment; the server appends each action's time to the workflow id. */
export { SCHEDULED_RUN_TIME } from '../../workflows/ids';
import { projectWorkflowId, SCHEDULED_RUN_TIME } from '../../workflows/ids';
/** How long `trigger --wait` waits for the schedule to start the run before concluding the trigger was skipped. */
export const TRIGGER_START_TIMEOUT_MS = 30_000;
const TRIGGER_POLL_MS = 200;

export function scheduleIdOf(project: string, name?: string): string {
  return name ? `p2c/${project}/${name}` : `p2c/${project}`;
}

/**
 * `--id` is one segment of the schedule id and of its runs' ids (`p2c/<project>/scheduled-<name>-<tick>`): a slash
 * would make those read as a task workflow's id, and an empty name would silently mean the project's own schedule.
 */
const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export function parseScheduleName(name: string): string {
  if (!SCHEDULE_NAME.test(name))
    throw new InvalidArgumentError('Give a name of letters, digits, dashes and underscores, e.g. master-data');
  return name;
}

/** The command that creates a schedule, with the options that name it, for hints. */
function setCommandOf(options: ScheduleCommonOptions): string {
  const naming = [options.project ? `--project ${options.project}` : '', options.id ? `--id ${options.id}` : '']
    .filter(Boolean)
    .join(' ');
  return `p2c schedule set${naming ? ` ${naming}` : ''} --every 15m`;
}

/**
 * Workflow id of a schedule's runs before the server appends the tick time: `p2c/<project>/scheduled-<tick>` for the
 * project's schedule and `p2c/<project>/scheduled-<name>-<tick>` for a named one, so two schedules of a project never
 * start runs under one id.
 */
export function scheduledWorkflowId(project: string, name?: string): string {
  return projectWorkflowId(project, name ? `${SCHEDULED_RUN_TIME}-${name}` : SCHEDULED_RUN_TIME);
}

interface ScheduleCommonOptions {
  project?: string;
  id?: string;
  json?: boolean;
}

export interface ScheduleSetOptions extends ScheduleCommonOptions {
  every?: string;
  task?: string[];
  full?: boolean;
  catchup?: string;
  paused?: boolean;
}

function scheduleHandle(ctx: CliContext, client: Client, options: ScheduleCommonOptions) {
  const scheduleId = scheduleIdOf(ctx.project(options.project).name, options.id);
  return { scheduleId, handle: client.schedule.getHandle(scheduleId) };
}

async function describeSchedule(ctx: CliContext, options: ScheduleCommonOptions) {
  const client = await ctx.client();
  const { scheduleId, handle } = scheduleHandle(ctx, client, options);
  try {
    return { client, scheduleId, handle, description: await handle.describe() };
  } catch (error) {
    if (error instanceof ScheduleNotFoundError)
      throw new UsageError(`no schedule ${scheduleId}; create it with ${setCommandOf(options)}`);
    throw error;
  }
}

export async function scheduleSet(ctx: CliContext, options: ScheduleSetOptions): Promise<number> {
  const everyMs = options.every ? parseInterval(options.every) : undefined;
  if (!everyMs) throw new UsageError(`--every ${options.every ?? ''}: give an interval such as 15m, 1h or 30s`);
  const catchupMs = parseInterval(options.catchup ?? DEFAULT_CATCHUP_WINDOW);
  if (!catchupMs) throw new UsageError(`--catchup ${options.catchup}: give a duration such as 10m`);
  const project = ctx.project(options.project);
  const client = await ctx.client();
  const { scheduleId, handle } = scheduleHandle(ctx, client, options);
  // The run time stays SCHEDULED_RUN_TIME: each run names its task workflows after its own start time.
  const run = buildProjectRun(project, {
    mode: options.full ? 'full' : 'incremental',
    tasks: options.task,
    taskQueue: ctx.config.taskQueue,
    runTime: SCHEDULED_RUN_TIME,
    schedule: scheduleId,
  });
  const action = {
    type: 'startWorkflow' as const,
    workflowType: prospectToCash,
    workflowId: scheduledWorkflowId(project.name, options.id),
    taskQueue: run.taskQueue,
    args: run.args,
    searchAttributes: run.searchAttributes,
    memo: { ...run.memo },
  };
  const spec = { intervals: [{ every: everyMs }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: catchupMs, pauseOnFailure: false };
  let created = true;
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies,
      memo: { project: project.name },
      state: { paused: options.paused ?? false, note: options.paused ? 'created paused' : undefined },
    });
  } catch (error) {
    if ((error as Error).name !== 'ScheduleAlreadyRunning') throw error;
    created = false;
    await handle.update((previous) => ({ ...previous, spec, action, policies }));
  }
  const tasks = run.args[0].tasks.map((t) => t.name);
  if (options.json) ctx.printJson({ scheduleId, created, everyMs, catchupWindowMs: catchupMs, tasks });
  else {
    ctx.print(
      `${created ? 'created' : 'updated'} schedule ${scheduleId}: every ${duration(everyMs)}, ${run.args[0].mode}`,
    );
    ctx.print(`tasks: ${tasks.join(', ')}`);
  }
  return EXIT.completed;
}

interface ScheduleView {
  scheduleId: string;
  every: string;
  mode?: string;
  tasks: string[];
  paused: boolean;
  note?: string;
  nextRuns: string[];
  recentRuns: string[];
}

function viewOf(description: ScheduleDescription): ScheduleView {
  const input = description.action.args?.[0] as ProspectToCashInput | undefined;
  return {
    scheduleId: description.scheduleId,
    every: (description.spec.intervals ?? []).map((i) => duration(Number(i.every))).join(', '),
    mode: input?.mode,
    tasks: input?.tasks.map((t) => t.name) ?? [],
    paused: description.state.paused,
    note: description.state.note,
    nextRuns: description.info.nextActionTimes.map((d) => d.toISOString()),
    recentRuns: description.info.recentActions.map((a) => a.action.workflow.workflowId),
  };
}

export async function scheduleList(ctx: CliContext, options: ScheduleCommonOptions): Promise<number> {
  const client = await ctx.client();
  const project = ctx.project(options.project).name;
  const prefix = scheduleIdOf(project);
  // With --id, only that schedule; without, the project's schedule and its named ones.
  const wanted = options.id ? scheduleIdOf(project, options.id) : undefined;
  const shown = (id: string) => (wanted ? id === wanted : id === prefix || id.startsWith(`${prefix}/`));
  const views: ScheduleView[] = [];
  for await (const summary of client.schedule.list()) {
    if (!shown(summary.scheduleId)) continue;
    const description = await client.schedule
      .getHandle(summary.scheduleId)
      .describe()
      .catch(() => undefined);
    if (description) views.push(viewOf(description));
  }
  views.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
  if (options.json) ctx.printJson({ schedules: views });
  else if (views.length === 0)
    ctx.print(`no schedules for ${wanted ?? prefix}; create one with ${setCommandOf(options)}`);
  else
    ctx.print(
      table(
        ['schedule', 'every', 'mode', 'state', 'next run', 'last run', 'tasks', 'note'],
        views.map((v) => [
          v.scheduleId,
          v.every,
          v.mode ?? '',
          v.paused ? 'paused' : 'active',
          v.nextRuns[0] ?? '',
          v.recentRuns.at(-1) ?? '',
          v.tasks.join(','),
          v.note ?? '',
        ]),
      ),
    );
  return EXIT.completed;
}

export async function scheduleState(
  ctx: CliContext,
  change: 'pause' | 'resume' | 'delete',
  options: ScheduleCommonOptions & { note?: string },
): Promise<number> {
  const { scheduleId, handle } = await describeSchedule(ctx, options);
  if (change === 'pause') await handle.pause(options.note ?? 'paused with p2c schedule pause');
  else if (change === 'resume') await handle.unpause(options.note ?? 'resumed with p2c schedule resume');
  else await handle.delete();
  const done = { pause: 'paused', resume: 'resumed', delete: 'deleted' }[change];
  if (options.json) ctx.printJson({ scheduleId, [done]: true });
  else ctx.print(`${done} schedule ${scheduleId}`);
  return EXIT.completed;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function scheduleTrigger(
  ctx: CliContext,
  options: ScheduleCommonOptions & { wait?: boolean },
): Promise<number> {
  const { client, scheduleId, handle, description } = await describeSchedule(ctx, options);
  const before = new Set(description.info.recentActions.map((a) => a.action.workflow.workflowId));
  // The schedule's own overlap policy (SKIP): a trigger while a run is going does not start a second one.
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  if (description.action.type === 'startWorkflow') await warnWhenNoWorker(ctx, client, description.action.taskQueue);
  if (!options.wait) {
    if (options.json) ctx.printJson({ scheduleId, triggered: true });
    else ctx.print(`triggered schedule ${scheduleId}`);
    return EXIT.completed;
  }
  const deadline = Date.now() + TRIGGER_START_TIMEOUT_MS;
  let workflowId: string | undefined;
  while (!workflowId) {
    const now = await handle.describe();
    workflowId = now.info.recentActions.map((a) => a.action.workflow.workflowId).find((id) => !before.has(id));
    if (workflowId) break;
    if (Date.now() > deadline)
      throw new UsageError(`schedule ${scheduleId} started no run; a run still going makes it skip the trigger`);
    await sleep(TRIGGER_POLL_MS);
  }
  if (!options.json) {
    ctx.print(`run started: ${workflowId}`);
    ctx.print(`Web UI: ${ctx.workflowUrl(workflowId)}`);
  }
  const finished = await waitForRun(client, workflowId);
  if (options.json) ctx.printJson({ scheduleId, ...finished });
  else {
    ctx.print(`run ${workflowId}: ${finished.outcome}${finished.reason ? ` (${finished.reason})` : ''}`);
    if (finished.summary) ctx.print(taskTable(finished.summary.tasks));
  }
  return exitCodeOf(finished.outcome);
}

export async function scheduleBackfill(
  ctx: CliContext,
  options: ScheduleCommonOptions & { from?: string; to?: string },
): Promise<number> {
  const start = new Date(options.from ?? '');
  const end = new Date(options.to ?? new Date().toISOString());
  if (Number.isNaN(start.getTime()))
    throw new UsageError(`--from ${options.from ?? ''}: give an ISO time, e.g. 2026-11-25T08:00:00Z`);
  if (Number.isNaN(end.getTime()))
    throw new UsageError(`--to ${options.to}: give an ISO time, e.g. 2026-11-25T12:00:00Z`);
  if (end <= start) throw new UsageError('--to must be after --from');
  const { scheduleId, handle } = await describeSchedule(ctx, options);
  await handle.backfill({ start, end, overlap: ScheduleOverlapPolicy.SKIP });
  if (options.json) ctx.printJson({ scheduleId, backfill: { start, end } });
  else ctx.print(`backfilling schedule ${scheduleId} from ${start.toISOString()} to ${end.toISOString()}`);
  return EXIT.completed;
}

export function registerSchedule(program: Command, ctx: CliContext, run: CommandRunner): void {
  const schedule = program.command('schedule').description('run the project on a Temporal Schedule');
  const common = (command: Command) =>
    command
      .option('--project <file>', 'project file (default: P2C_PROJECT_FILE)')
      .option('--id <name>', 'a second schedule of the same project (id p2c/<project>/<name>)', parseScheduleName)
      .option('--json', 'print JSON');
  common(
    schedule
      .command('set')
      .description('create or update the schedule')
      .requiredOption('--every <interval>', 'interval such as 15m, 1h or 30s')
      .option('--task <name...>', 'only these tasks')
      .option('--full', 'full runs instead of incremental ones')
      .option('--catchup <duration>', 'how late a missed run may still start', DEFAULT_CATCHUP_WINDOW)
      .option('--paused', 'create it paused'),
  ).action((options: ScheduleSetOptions) => run(() => scheduleSet(ctx, options)));
  common(schedule.command('list').description('schedules of the project')).action((options: ScheduleCommonOptions) =>
    run(() => scheduleList(ctx, options)),
  );
  for (const [name, change, description] of [
    ['pause', 'pause', 'stop starting runs'],
    ['resume', 'resume', 'start runs again'],
    ['delete', 'delete', 'remove the schedule (runs already started go on)'],
  ] as const) {
    const command = schedule.command(name).description(description);
    if (change !== 'delete') command.option('--note <text>', 'note shown with the schedule (schedule list)');
    common(command).action((options: ScheduleCommonOptions & { note?: string }) =>
      run(() => scheduleState(ctx, change, options)),
    );
  }
  common(
    schedule
      .command('trigger')
      .description('start a run now (skipped while one is going)')
      .option('--wait', 'wait for the run and exit with its outcome'),
  ).action((options: ScheduleCommonOptions & { wait?: boolean }) => run(() => scheduleTrigger(ctx, options)));
  common(
    schedule
      .command('backfill')
      .description('run the ticks of a past period')
      .requiredOption('--from <time>', 'start (ISO time)')
      .option('--to <time>', 'end (ISO time, default now)'),
  ).action((options: ScheduleCommonOptions & { from?: string; to?: string }) =>
    run(() => scheduleBackfill(ctx, options)),
  );
}
