/**
 * `p2c schedule apply`'s plan: given the project file's schedules and the server's, what it creates, updates,
 * leaves, keeps and deletes, and why.
 */
import path from 'node:path';
import type { ScheduleDescription } from '@temporalio/client';
import { CliContext } from '../../../client/cli/context';
import {
  buildSchedule,
  scheduleIdOf,
  scheduledWorkflowId,
  scheduleSet,
  type ScheduleSettings,
} from '../../../client/cli/schedule';
import {
  outcomeOf,
  planApply,
  shapeOf,
  type DesiredSchedule,
  type ExistingSchedule,
} from '../../../client/cli/schedule-plan';
import { loadProject } from '../../../mappings/project-file';
import type { Project } from '../../../mappings';

const project = loadProject(path.resolve(__dirname, '../../../examples/project.yaml'));
const TASK_QUEUE = 'p2c-sync';
const base: ScheduleSettings = { everyMs: 15 * 60_000, catchupMs: 10 * 60_000, mode: 'incremental' };

function desired(name: string, settings: Partial<ScheduleSettings> = {}, state: Partial<DesiredSchedule> = {}) {
  const schedule = buildSchedule(project, TASK_QUEUE, { ...base, ...settings, name });
  return { name, scheduleId: schedule.scheduleId, shape: shapeOf(schedule), ...state };
}

function existing(
  name: string,
  settings: Partial<ScheduleSettings> = {},
  state: { paused?: boolean; note?: string } = {},
  of: Project = project,
): ExistingSchedule {
  const schedule = buildSchedule(of, TASK_QUEUE, { ...base, ...settings, name });
  return { name, scheduleId: schedule.scheduleId, shape: shapeOf(schedule), paused: false, ...state };
}

const summary = (plan: ReturnType<typeof planApply>) => plan.map((p) => [p.scheduleId, p.action, p.changes]);

describe('schedule ids', () => {
  test('"default" is the project\'s own schedule, in the file and with --id', () => {
    expect(scheduleIdOf('p2c-demo', 'default')).toBe('p2c/p2c-demo');
    expect(scheduledWorkflowId('p2c-demo', 'default')).toBe('p2c/p2c-demo/scheduled');
  });
});

describe('p2c schedule apply plan', () => {
  test('creates what is missing, saying what it makes', () => {
    const plan = planApply(
      [
        desired('default'),
        desired('master-data', { everyMs: 3_600_000, tasks: ['products', 'accounts'], mode: 'full' }, { paused: true }),
      ],
      [],
      false,
    );
    expect(summary(plan)).toEqual([
      [
        'p2c/p2c-demo',
        'create',
        ['every 15m00s', 'incremental', expect.stringMatching(/^tasks products, accounts, /), 'catch-up 10m00s'],
      ],
      [
        'p2c/p2c-demo/master-data',
        'create',
        ['every 1h00m', 'full', 'tasks products, accounts', 'catch-up 10m00s', 'paused'],
      ],
    ]);
    expect(plan.every((p) => p.write)).toBe(true);
  });

  test('leaves a schedule that matches alone, whatever its state', () => {
    const plan = planApply(
      [desired('default')],
      [existing('default', {}, { paused: true, note: 'F&O upgrade' })],
      false,
    );
    expect(summary(plan)).toEqual([['p2c/p2c-demo', 'unchanged', []]]);
    expect(plan[0]).toMatchObject({ write: false, state: undefined });
  });

  test('updates interval, tasks, mode and catch-up, naming each change', () => {
    const plan = planApply(
      [desired('nightly', { everyMs: 30 * 60_000, tasks: ['accounts'], mode: 'full', catchupMs: 5 * 60_000 })],
      [existing('nightly', { tasks: ['products', 'accounts'] })],
      false,
    );
    expect(summary(plan)).toEqual([
      [
        'p2c/p2c-demo/nightly',
        'update',
        [
          'every 15m00s → 30m00s',
          'mode incremental → full',
          'tasks products, accounts → accounts',
          'catch-up 10m00s → 5m00s',
        ],
      ],
    ]);
    expect(plan[0]).toMatchObject({ write: true, state: undefined });
  });

  test('updates a schedule whose run the project file has changed since', () => {
    const before = loadProject(path.resolve(__dirname, '../../../examples/project.yaml'));
    const changed: Project = { ...before, engine: { ...before.engine, pageSize: 50 } };
    const plan = planApply([desired('default')], [existing('default', {}, {}, changed)], false);
    expect(summary(plan)).toEqual([['p2c/p2c-demo', 'update', ['project settings: engine']]]);
  });

  test("names the tasks whose settings changed, and the project's other settings that did", () => {
    const before = loadProject(path.resolve(__dirname, '../../../examples/project.yaml'));
    // Rows deleted at the source reported instead of ignored: a change of the task's definition.
    const [accounts, contactPersons] = ['accounts', 'contactPersons'].map((name) => ({
      ...before.tasks[name],
      deletes: 'report',
    }));
    const remapped = loadProject({ ...before, tasks: { ...before.tasks, accounts } });
    const changed: Project = {
      ...remapped,
      partitions: [...before.partitions, { dataAreaId: 'demf', businessUnit: 'DEMF' }],
      alerts: { emailTo: ['ops@contoso.com'] },
    };
    const plan = planApply(
      [desired('default'), desired('master-data', { tasks: ['contactPersons'] })],
      [existing('default', {}, {}, changed), existing('master-data', { tasks: ['contactPersons'] }, {}, changed)],
      false,
    );
    expect(summary(plan)).toEqual([
      ['p2c/p2c-demo', 'update', ['project settings: task accounts, partitions, alerts']],
      ['p2c/p2c-demo/master-data', 'update', ['project settings: partitions, alerts']],
    ]);
    const both = loadProject({ ...before, tasks: { ...before.tasks, accounts, contactPersons } });
    expect(summary(planApply([desired('default')], [existing('default', {}, {}, both)], false))).toEqual([
      ['p2c/p2c-demo', 'update', ['project settings: tasks accounts, contactPersons']],
    ]);
  });

  test('a different task queue is a change', () => {
    const now = existing('default');
    const plan = planApply([desired('default')], [{ ...now, shape: { ...now.shape, taskQueue: 'old-queue' } }], false);
    expect(plan[0].changes).toEqual(['task queue old-queue → p2c-sync']);
  });

  test('pauses, resumes and notes only where the file says so', () => {
    const plan = planApply(
      [
        desired('a', {}, { paused: true }),
        desired('b', {}, { paused: false }),
        desired('c', {}, { note: 'owned by the sales ops team' }),
        desired('d', {}, { paused: true, note: 'F&O upgrade' }),
      ],
      [
        existing('a', {}, { note: 'made by apply' }),
        existing('b', {}, { paused: true, note: 'F&O upgrade' }),
        existing('c', {}, { paused: true }),
        existing('d', { everyMs: 60_000 }, { paused: true, note: 'F&O upgrade' }),
      ],
      false,
    );
    expect(plan.map((p) => [p.name, p.action, p.write, p.state, p.changes])).toEqual([
      ['a', 'update', false, { paused: true, note: 'made by apply' }, ['active → paused']],
      ['b', 'update', false, { paused: false, note: 'F&O upgrade' }, ['paused → active']],
      [
        'c',
        'update',
        false,
        { paused: true, note: 'owned by the sales ops team' },
        ['note (none) → "owned by the sales ops team"'],
      ],
      ['d', 'update', true, undefined, ['every 1m00s → 15m00s']],
    ]);
  });

  test("keeps the project's other schedules, or deletes them with --prune", () => {
    const server = [existing('old'), existing('default'), existing('adhoc')];
    expect(summary(planApply([desired('default')], server, false))).toEqual([
      ['p2c/p2c-demo', 'unchanged', []],
      ['p2c/p2c-demo/adhoc', 'keep', ['not in the project file; --prune deletes it']],
      ['p2c/p2c-demo/old', 'keep', ['not in the project file; --prune deletes it']],
    ]);
    expect(summary(planApply([desired('default')], server, true))).toEqual([
      ['p2c/p2c-demo', 'unchanged', []],
      ['p2c/p2c-demo/adhoc', 'delete', []],
      ['p2c/p2c-demo/old', 'delete', []],
    ]);
    expect(summary(planApply([], server, true)).map(([, action]) => action)).toEqual(['delete', 'delete', 'delete']);
  });

  test('says what happened, or would with --dry-run', () => {
    expect(['create', 'update', 'unchanged', 'delete', 'keep'].map((a) => outcomeOf(a as never, false))).toEqual([
      'created',
      'updated',
      'unchanged',
      'deleted',
      'kept',
    ]);
    expect(['create', 'update', 'unchanged', 'delete', 'keep'].map((a) => outcomeOf(a as never, true))).toEqual([
      'would create',
      'would update',
      'unchanged',
      'would delete',
      'kept',
    ]);
  });
});

describe('p2c schedule set', () => {
  test('refuses a catch-up window shorter than the server keeps, before it connects', async () => {
    const silent = { write: () => undefined, isTTY: false };
    await expect(scheduleSet(new CliContext({}, silent, silent), { every: '15m', catchup: '5s' })).rejects.toThrow(
      '--catchup 5s: "5s" is shorter than 10s, the shortest catch-up window Temporal keeps; give 10s or more',
    );
  });
});

describe('a schedule as the server describes it', () => {
  test('has the shape of the schedule p2c built', () => {
    const built = buildSchedule(project, TASK_QUEUE, { ...base, name: 'nightly', tasks: ['quoteHeaders'] });
    // What describe() returns: the spec and policies filled in, the action's payloads decoded.
    const description = {
      scheduleId: built.scheduleId,
      spec: {
        calendars: [],
        intervals: [{ every: built.spec.intervals[0].every, offset: 0 }],
        skip: [],
        startAt: undefined,
        endAt: undefined,
        jitter: undefined,
        timezone: undefined,
      },
      policies: { overlap: 'SKIP', catchupWindow: built.policies.catchupWindow, pauseOnFailure: false },
      action: {
        type: 'startWorkflow',
        workflowId: built.action.workflowId,
        workflowType: 'prospectToCash',
        taskQueue: built.action.taskQueue,
        args: JSON.parse(JSON.stringify(built.action.args)),
        memo: { ...built.action.memo },
        searchAttributes: built.action.searchAttributes,
        retry: undefined,
      },
      state: { paused: false },
    } as unknown as ScheduleDescription;
    expect(shapeOf(description)).toEqual(shapeOf(built));
    expect(shapeOf(description).tasks).toEqual(['quoteHeaders', 'quoteLines']);
  });
});
