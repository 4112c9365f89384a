/**
 * What `p2c schedule apply` would do: the project file's schedules against the server's, compared in one shape
 * whether a schedule was built here or described by the server. Pure, so the plan is unit-tested without Temporal.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ScheduleDescription } from '@temporalio/client';
import type { TaskDefinition } from '../../mappings';
import type { ProspectToCashInput } from '../../workflows/prospectToCash';
import { duration } from './format';

/** The parts of a schedule p2c sets (`p2c schedule set` and `apply` alike). */
export interface ScheduleShape {
  everyMs: number[];
  catchupMs?: number;
  mode?: string;
  tasks: string[];
  taskQueue?: string;
  /** The rest of the spec, the policies, the workflow type and the run's id. */
  schedule: unknown;
  /** The rest of the run: the project's settings, the definitions of its tasks, memo and search attributes. */
  run: {
    input: unknown;
    taskDefinitions: Record<string, unknown>;
    memo: unknown;
    searchAttributes: unknown;
  };
}

/** What p2c hands the schedule client; a ScheduleDescription has the same fields after the server's round trip. */
export interface ScheduleParts {
  spec: { intervals?: Array<{ every: unknown; offset?: unknown }>; [other: string]: unknown };
  policies: { catchupWindow?: unknown; [other: string]: unknown };
  action: {
    type: string;
    workflowType?: string | ((...args: never[]) => unknown);
    workflowId?: string;
    taskQueue?: string;
    args?: unknown[];
    memo?: Record<string, unknown>;
    searchAttributes?: unknown;
  };
}

/** A value as it comes back from the server: undefined fields dropped, dates as text. */
const normalized = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** Absent, empty and zero parts of a spec mean "not set"; the server fills some of them in. */
function setParts(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => {
      if (value === undefined || value === null || value === 0 || value === '') return false;
      return !(Array.isArray(value) && value.length === 0);
    }),
  );
}

export function shapeOf(parts: ScheduleParts | ScheduleDescription): ScheduleShape {
  const { spec, policies, action } = parts as ScheduleParts;
  const { intervals = [], ...otherSpec } = spec;
  const input = (action.args?.[0] ?? {}) as Partial<ProspectToCashInput>;
  const { mode, tasks = [], ...settings } = input;
  const { summary: _derivedFromTasks, ...memo } = (action.memo ?? {}) as Record<string, unknown>;
  const { catchupWindow, ...otherPolicies } = policies;
  return {
    // An interval with an offset is not one p2c makes, so it never equals one.
    everyMs: intervals.map((interval) => (Number(interval.offset ?? 0) ? NaN : Number(interval.every))),
    catchupMs: catchupWindow === undefined ? undefined : Number(catchupWindow),
    mode,
    tasks: tasks.map((task) => task.name),
    taskQueue: action.taskQueue,
    schedule: {
      spec: setParts(otherSpec),
      policies: normalized(otherPolicies),
      // The client takes the workflow function and describes it by its name.
      workflowType: typeof action.workflowType === 'function' ? action.workflowType.name : action.workflowType,
      workflowId: action.workflowId,
    },
    run: {
      input: normalized(settings),
      taskDefinitions: Object.fromEntries(tasks.map((task: TaskDefinition) => [task.name, normalized(task)])),
      memo: normalized(memo),
      searchAttributes: normalized(action.searchAttributes),
    },
  };
}

const list = (values: string[]) => values.join(', ') || '(none)';
const every = (ms: number[]) => ms.map((one) => (Number.isNaN(one) ? 'offset interval' : duration(one))).join(', ');

/** What differs from `from` in `to`, one phrase each; empty when the two are the same schedule. */
export function shapeChanges(from: ScheduleShape, to: ScheduleShape): string[] {
  const changes: string[] = [];
  if (!isDeepStrictEqual(from.everyMs, to.everyMs)) changes.push(`every ${every(from.everyMs)} → ${every(to.everyMs)}`);
  if (from.mode !== to.mode) changes.push(`mode ${from.mode ?? '(none)'} → ${to.mode ?? '(none)'}`);
  if (!isDeepStrictEqual(from.tasks, to.tasks)) changes.push(`tasks ${list(from.tasks)} → ${list(to.tasks)}`);
  if (from.catchupMs !== to.catchupMs)
    changes.push(`catch-up ${duration(from.catchupMs ?? 0) || '(none)'} → ${duration(to.catchupMs ?? 0)}`);
  if (from.taskQueue !== to.taskQueue) changes.push(`task queue ${from.taskQueue ?? '(none)'} → ${to.taskQueue}`);
  if (!isDeepStrictEqual(from.schedule, to.schedule)) changes.push('settings made outside p2c');
  const settings = runChanges(from, to);
  if (settings.length > 0) changes.push(`project settings: ${settings.join(', ')}`);
  return changes;
}

/** The parts of a run's input the project file sets, by what an admin calls them there. */
const RUN_INPUT_PARTS: Record<string, string> = { partitions: 'partitions', settings: 'engine', alerts: 'alerts' };

/**
 * Which of the project's settings a schedule's run would take differently, so the admin can tell an intended change
 * from a surprise: the tasks both run whose definitions (mappings, filters, keys) differ, then partitions, engine,
 * alerts and anything else of the run. Tasks added or dropped are a change of tasks, said apart.
 */
function runChanges(from: ScheduleShape, to: ScheduleShape): string[] {
  const changes: string[] = [];
  const remapped = to.tasks.filter(
    (name) =>
      from.tasks.includes(name) && !isDeepStrictEqual(from.run.taskDefinitions[name], to.run.taskDefinitions[name]),
  );
  if (remapped.length > 0) changes.push(`${remapped.length > 1 ? 'tasks' : 'task'} ${remapped.join(', ')}`);
  const input = (shape: ScheduleShape) => (shape.run.input ?? {}) as Record<string, unknown>;
  const [before, after] = [input(from), input(to)];
  const differing = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (key) => !isDeepStrictEqual(before[key], after[key]),
  );
  changes.push(...differing.filter((key) => key in RUN_INPUT_PARTS).map((key) => RUN_INPUT_PARTS[key]));
  const rest = (shape: ScheduleShape) => [shape.run.memo, shape.run.searchAttributes];
  if (differing.some((key) => !(key in RUN_INPUT_PARTS)) || !isDeepStrictEqual(rest(from), rest(to)))
    changes.push('other run settings');
  return changes;
}

export type ApplyAction = 'create' | 'update' | 'unchanged' | 'delete' | 'keep';

/** A schedule of the project file, as p2c would make it. */
export interface DesiredSchedule {
  name: string;
  scheduleId: string;
  shape: ScheduleShape;
  /** Left out: the schedule's state stays as it is. */
  paused?: boolean;
  note?: string;
}

/** A schedule of the project on the server. */
export interface ExistingSchedule {
  name: string;
  scheduleId: string;
  shape: ScheduleShape;
  paused: boolean;
  note?: string;
}

export interface PlannedSchedule {
  name: string;
  scheduleId: string;
  action: ApplyAction;
  changes: string[];
  /** Create it, or write its interval, tasks, mode, catch-up and run. */
  write: boolean;
  /** The state to set (pause or resume with this note); absent: leave the state alone. */
  state?: { paused: boolean; note?: string };
}

function describeNew(schedule: DesiredSchedule): string[] {
  const { shape } = schedule;
  return [
    `every ${every(shape.everyMs)}`,
    shape.mode ?? 'incremental',
    `tasks ${list(shape.tasks)}`,
    `catch-up ${duration(shape.catchupMs ?? 0)}`,
    ...(schedule.paused ? ['paused'] : []),
    ...(schedule.note ? [`note "${schedule.note}"`] : []),
  ];
}

/**
 * Per schedule, what applying the file does: create what is missing, update what differs, set the state only
 * where the file says `paused` or `note`, and delete the project's other schedules when pruning (else keep them).
 * The file's schedules come first in its order, then the others by id.
 */
export function planApply(desired: DesiredSchedule[], existing: ExistingSchedule[], prune: boolean): PlannedSchedule[] {
  const byId = new Map(existing.map((schedule) => [schedule.scheduleId, schedule]));
  const plan: PlannedSchedule[] = desired.map((schedule) => {
    const { name, scheduleId } = schedule;
    const now = byId.get(scheduleId);
    if (!now) {
      return { name, scheduleId, action: 'create', changes: describeNew(schedule), write: true };
    }
    const changes = shapeChanges(now.shape, schedule.shape);
    const write = changes.length > 0;
    const paused = schedule.paused ?? now.paused;
    const note = schedule.note ?? now.note;
    let state: PlannedSchedule['state'];
    if (paused !== now.paused || note !== now.note) {
      state = { paused, note };
      if (paused !== now.paused) changes.push(paused ? 'active → paused' : 'paused → active');
      if (note !== now.note) changes.push(`note ${now.note ? `"${now.note}"` : '(none)'} → "${note}"`);
    }
    return { name, scheduleId, action: write || state ? 'update' : 'unchanged', changes, write, state };
  });
  const named = new Set(desired.map((schedule) => schedule.scheduleId));
  const others = existing
    .filter((schedule) => !named.has(schedule.scheduleId))
    .sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
  for (const { name, scheduleId } of others) {
    if (prune) plan.push({ name, scheduleId, action: 'delete', changes: [], write: false });
    else
      plan.push({
        name,
        scheduleId,
        action: 'keep',
        changes: ['not in the project file; --prune deletes it'],
        write: false,
      });
  }
  return plan;
}

const DONE: Record<ApplyAction, string> = {
  create: 'created',
  update: 'updated',
  unchanged: 'unchanged',
  delete: 'deleted',
  keep: 'kept',
};
const WOULD: Record<ApplyAction, string> = {
  create: 'would create',
  update: 'would update',
  unchanged: 'unchanged',
  delete: 'would delete',
  keep: 'kept',
};

/** `created`, `would create`, … : what happened to a planned schedule, or would with --dry-run. */
export function outcomeOf(action: ApplyAction, dryRun: boolean): string {
  return (dryRun ? WOULD : DONE)[action];
}
