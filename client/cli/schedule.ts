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
import type { SyncMode } from '../../common/sync-types';
import type { Project } from '../../mappings';
import {
  catchupProblem,
  DEFAULT_CATCHUP_WINDOW,
  DEFAULT_SCHEDULE_NAME,
  parseInterval,
  SCHEDULE_NAME,
  scheduleNameProblem,
  type ProjectSchedule,
} from '../../mappings/project-schedules';
import { buildProjectRun } from '../run';
import { prospectToCash } from '../../workflows';
import type { ProspectToCashInput } from '../../workflows/prospectToCash';
import type { CliContext, CommandRunner } from './context';
import { EXIT, exitCodeOf, UsageError } from './errors';
import { duration, table } from './format';
import { waitForRun } from './runs';
import {
  outcomeOf,
  planApply,
  shapeOf,
  type DesiredSchedule,
  type ExistingSchedule,
  type PlannedSchedule,
} from './schedule-plan';
import { taskTable } from './summary';
import { warnWhenNoWorker } from './worker-check';

/** Scheduled runs share this run-time segment; the server appends each action's time to the workflow id. */
export { SCHEDULED_RUN_TIME } from '../../workflows/ids';
import { projectWorkflowId, SCHEDULED_RUN_TIME } from '../../workflows/ids';
/** How long `trigger --wait` waits for the schedule to start the run before concluding the trigger was skipped. */
export const TRIGGER_START_TIMEOUT_MS = 30_000;
const TRIGGER_POLL_MS = 200;

/** A schedule's own name: none for the project's schedule, which `--id default` and `schedules.default` name too. */
function ownName(name?: string): string | undefined {
  return name && name !== DEFAULT_SCHEDULE_NAME ? name : undefined;
}

export function scheduleIdOf(project: string, name?: string): string {
  const own = ownName(name);
  return own ? `p2c/${project}/${own}` : `p2c/${project}`;
}

/** The name a schedule id of the project has in `schedules:`; undefined when the id is not one p2c makes. */
function scheduleNameOf(project: string, scheduleId: string): string | undefined {
  const prefix = scheduleIdOf(project);
  if (scheduleId === prefix) return DEFAULT_SCHEDULE_NAME;
  const name = scheduleId.startsWith(`${prefix}/`) ? scheduleId.slice(prefix.length + 1) : '';
  return SCHEDULE_NAME.test(name) ? name : undefined;
}

export function parseScheduleName(name: string): string {
  const problem = scheduleNameProblem(name);
  if (problem) throw new InvalidArgumentError(problem);
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
 * How to create the schedules a command found missing: the ones the project file keeps come from
 * `p2c schedule apply`, since `set` would make them with other settings than the file's. `all`: the command looked
 * for every schedule of the project (`list` without `--id`), not for one.
 */
function createHint(project: Project, options: ScheduleCommonOptions, all = false): string {
  const apply = `p2c schedule apply${options.project ? ` --project ${options.project}` : ''}`;
  const inFile = Object.keys(project.schedules ?? {});
  if (all && inFile.length > 0)
    return `the project file's schedules: has ${inFile.join(', ')}; create them with ${apply}`;
  if (all) return `create one with ${setCommandOf(options)}`;
  if (inFile.includes(options.id ?? DEFAULT_SCHEDULE_NAME))
    return `the project file's schedules: has it; create it with ${apply}`;
  return `create it with ${setCommandOf(options)}`;
}

/**
 * Workflow id of a schedule's runs before the server appends the tick time: `p2c/<project>/scheduled-<tick>` for the
 * project's schedule and `p2c/<project>/scheduled-<name>-<tick>` for a named one, so two schedules of a project never
 * start runs under one id.
 */
export function scheduledWorkflowId(project: string, name?: string): string {
  const own = ownName(name);
  return projectWorkflowId(project, own ? `${SCHEDULED_RUN_TIME}-${own}` : SCHEDULED_RUN_TIME);
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
      throw new UsageError(`no schedule ${scheduleId}; ${createHint(ctx.project(options.project), options)}`);
    throw error;
  }
}

/** A schedule as p2c makes it, whether from `set`'s options or a project file's `schedules:`. */
export interface ScheduleSettings {
  /** Undefined or `default`: the project's own schedule. */
  name?: string;
  everyMs: number;
  catchupMs: number;
  mode: SyncMode;
  tasks?: string[];
}

/**
 * The schedule's id, spec, action and policies. The action is the run `p2c sync` would start; its run time stays
 * SCHEDULED_RUN_TIME, so each run names its task workflows after its own start time.
 */
export function buildSchedule(project: Project, taskQueue: string, settings: ScheduleSettings) {
  const scheduleId = scheduleIdOf(project.name, settings.name);
  const run = buildProjectRun(project, {
    mode: settings.mode,
    tasks: settings.tasks,
    taskQueue,
    runTime: SCHEDULED_RUN_TIME,
    schedule: scheduleId,
  });
  const action = {
    type: 'startWorkflow' as const,
    workflowType: prospectToCash,
    workflowId: scheduledWorkflowId(project.name, settings.name),
    taskQueue: run.taskQueue,
    args: run.args,
    searchAttributes: run.searchAttributes,
    memo: { ...run.memo },
  };
  const spec = { intervals: [{ every: settings.everyMs }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: settings.catchupMs, pauseOnFailure: false };
  return { scheduleId, spec, action, policies, tasks: run.args[0].tasks.map((t) => t.name) };
}
export type BuiltSchedule = ReturnType<typeof buildSchedule>;

/**
 * Creates the schedule with the given state, or, when it exists, updates its interval, run and policies and keeps
 * its state (paused or not, and its note). True when it was created.
 */
export async function writeSchedule(
  client: Client,
  project: Project,
  schedule: BuiltSchedule,
  state: { paused?: boolean; note?: string } = {},
): Promise<boolean> {
  const { scheduleId, spec, action, policies } = schedule;
  const paused = state.paused ?? false;
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies,
      memo: { project: project.name },
      state: { paused, note: state.note ?? (paused ? 'created paused' : undefined) },
    });
    return true;
  } catch (error) {
    if ((error as Error).name !== 'ScheduleAlreadyRunning') throw error;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies }));
    return false;
  }
}

export async function scheduleSet(ctx: CliContext, options: ScheduleSetOptions): Promise<number> {
  const everyMs = options.every ? parseInterval(options.every) : undefined;
  if (!everyMs) throw new UsageError(`--every ${options.every ?? ''}: give an interval such as 15m, 1h or 30s`);
  const catchup = options.catchup ?? DEFAULT_CATCHUP_WINDOW;
  const problem = catchupProblem(catchup);
  if (problem) throw new UsageError(`--catchup ${catchup}: ${problem}`);
  const catchupMs = parseInterval(catchup)!;
  const project = ctx.project(options.project);
  const client = await ctx.client();
  const mode = options.full ? 'full' : 'incremental';
  const schedule = buildSchedule(project, ctx.config.taskQueue, {
    name: options.id,
    everyMs,
    catchupMs,
    mode,
    tasks: options.task,
  });
  const { scheduleId, tasks } = schedule;
  const created = await writeSchedule(client, project, schedule, { paused: options.paused });
  if (options.json) ctx.printJson({ scheduleId, created, everyMs, catchupWindowMs: catchupMs, tasks });
  else {
    ctx.print(`${created ? 'created' : 'updated'} schedule ${scheduleId}: every ${duration(everyMs)}, ${mode}`);
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

/**
 * The project's schedules the server lists (its own and its named ones), described. Listing is eventually
 * consistent: a schedule made a moment ago may be missing, one deleted a moment ago is left out.
 */
async function listProjectSchedules(
  client: Client,
  project: string,
  wanted?: (scheduleId: string) => boolean,
): Promise<ScheduleDescription[]> {
  const descriptions: ScheduleDescription[] = [];
  for await (const summary of client.schedule.list()) {
    if (!scheduleNameOf(project, summary.scheduleId) || (wanted && !wanted(summary.scheduleId))) continue;
    const description = await client.schedule
      .getHandle(summary.scheduleId)
      .describe()
      .catch(() => undefined);
    if (description) descriptions.push(description);
  }
  return descriptions.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

export async function scheduleList(ctx: CliContext, options: ScheduleCommonOptions): Promise<number> {
  const client = await ctx.client();
  const projectFile = ctx.project(options.project);
  const project = projectFile.name;
  const prefix = scheduleIdOf(project);
  // With --id, only that schedule; without, the project's schedule and its named ones.
  const wanted = options.id ? scheduleIdOf(project, options.id) : undefined;
  const views = (await listProjectSchedules(client, project, wanted ? (id) => id === wanted : undefined)).map(viewOf);
  if (options.json) ctx.printJson({ schedules: views });
  else if (views.length === 0)
    ctx.print(`no schedules for ${wanted ?? prefix}; ${createHint(projectFile, options, !wanted)}`);
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
  const { scheduleId, handle, description } = await describeSchedule(ctx, options);
  // Without --note the schedule keeps its note; the server takes an empty one as "do not pause/resume".
  const note = options.note ?? description.state.note;
  if (change === 'pause') await handle.pause(note || 'paused with p2c schedule pause');
  else if (change === 'resume') await handle.unpause(note || 'resumed with p2c schedule resume');
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

export interface ScheduleApplyOptions {
  project?: string;
  prune?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** The settings of one of the project file's schedules, with its defaults. */
function settingsOf(name: string, schedule: ProjectSchedule): ScheduleSettings {
  return {
    name,
    // The project schema checked both durations.
    everyMs: parseInterval(schedule.every)!,
    catchupMs: parseInterval(schedule.catchup ?? DEFAULT_CATCHUP_WINDOW)!,
    mode: schedule.mode ?? 'incremental',
    tasks: schedule.tasks,
  };
}

/** Carries out one planned change with the code `set`, `pause`, `resume` and `delete` use. */
async function applyPlanned(
  client: Client,
  project: Project,
  planned: PlannedSchedule,
  schedule: BuiltSchedule | undefined,
): Promise<void> {
  const handle = client.schedule.getHandle(planned.scheduleId);
  if (planned.action === 'delete') return handle.delete();
  if (planned.action === 'create') {
    const file = project.schedules?.[planned.name];
    await writeSchedule(client, project, schedule!, { paused: file?.paused, note: file?.note });
    return;
  }
  if (planned.write) await writeSchedule(client, project, schedule!);
  const { state } = planned;
  if (state?.paused) await handle.pause(state.note || 'paused with p2c schedule apply');
  else if (state) await handle.unpause(state.note || 'resumed with p2c schedule apply');
}

/**
 * Makes the project's Temporal Schedules match the file's `schedules:`. Each schedule is built as `set` builds
 * it, so one made either way is the same; the state changes only where the file says `paused` or `note`.
 */
export async function scheduleApply(ctx: CliContext, options: ScheduleApplyOptions): Promise<number> {
  const project = ctx.project(options.project);
  if (!project.schedules) {
    throw new UsageError(
      `${options.project ?? ctx.config.projectFile} has no schedules; add e.g. \`schedules: { ${DEFAULT_SCHEDULE_NAME}: { every: 15m } }\` (\`schedules: {}\` for none)`,
    );
  }
  const client = await ctx.client();
  const built = new Map<string, BuiltSchedule>();
  const desired: DesiredSchedule[] = Object.entries(project.schedules).map(([name, file]) => {
    const schedule = buildSchedule(project, ctx.config.taskQueue, settingsOf(name, file));
    built.set(schedule.scheduleId, schedule);
    return { name, scheduleId: schedule.scheduleId, shape: shapeOf(schedule), paused: file.paused, note: file.note };
  });
  const listed = await listProjectSchedules(client, project.name);
  // The file's schedules are described by id as well: a schedule made a moment ago may not be listed yet.
  for (const { scheduleId } of desired.filter((d) => !listed.some((l) => l.scheduleId === d.scheduleId))) {
    const description = await client.schedule
      .getHandle(scheduleId)
      .describe()
      .catch((error: unknown) => {
        if (error instanceof ScheduleNotFoundError) return undefined;
        throw error;
      });
    if (description) listed.push(description);
  }
  const existing: ExistingSchedule[] = listed.map((description) => ({
    name: scheduleNameOf(project.name, description.scheduleId)!,
    scheduleId: description.scheduleId,
    shape: shapeOf(description),
    paused: description.state.paused,
    note: description.state.note,
  }));
  const plan = planApply(desired, existing, options.prune ?? false);
  const dryRun = options.dryRun ?? false;
  const results = [];
  for (const planned of plan) {
    let error: string | undefined;
    if (!dryRun && planned.action !== 'unchanged' && planned.action !== 'keep') {
      try {
        await applyPlanned(client, project, planned, built.get(planned.scheduleId));
      } catch (failure) {
        error = (failure as Error).message;
      }
    }
    const outcome = error ? `failed to ${planned.action}` : outcomeOf(planned.action, dryRun);
    results.push({ ...planned, outcome, error });
  }
  if (options.json) {
    ctx.printJson({
      project: project.name,
      dryRun,
      prune: options.prune ?? false,
      schedules: results.map(({ name, scheduleId, outcome, changes, error }) => ({
        name,
        scheduleId,
        outcome,
        changes,
        ...(error ? { error } : {}),
      })),
    });
  } else if (results.length === 0)
    ctx.print(`no schedules in the project file, and none of ${project.name} on the server`);
  else {
    ctx.print(
      table(
        ['schedule', 'outcome', 'changes'],
        results.map((r) => [r.scheduleId, r.outcome, [...r.changes, ...(r.error ? [r.error] : [])].join('; ')]),
      ),
    );
  }
  const failed = results.filter((r) => r.error);
  if (failed.length > 0)
    throw new UsageError(
      `${failed.length} of ${results.length} schedules not applied: ${failed.map((r) => r.scheduleId).join(', ')}`,
    );
  return EXIT.completed;
}

export function registerSchedule(program: Command, ctx: CliContext, run: CommandRunner): void {
  const schedule = program.command('schedule').description('run the project on a Temporal Schedule');
  const common = (command: Command) =>
    command
      .option('--project <file>', 'project file (default: P2C_PROJECT_FILE)')
      .option(
        '--id <name>',
        'a second schedule of the same project (id p2c/<project>/<name>; "default" is its own)',
        parseScheduleName,
      )
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
  schedule
    .command('apply')
    .description("make the project's schedules match the project file's schedules:")
    .option('--project <file>', 'project file (default: P2C_PROJECT_FILE)')
    .option('--prune', 'also delete schedules of the project the file does not name')
    .option('--dry-run', 'say what would change, change nothing')
    .option('--json', 'print JSON')
    .action((options: ScheduleApplyOptions) => run(() => scheduleApply(ctx, options)));
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
