/** The `schedules:` of a project file: names, durations, tasks and modes are checked at load with the path. */
import { loadProject } from '../../../mappings/project-file';
import { DEFAULT_SCHEDULE_NAME, parseInterval } from '../../../mappings/project-schedules';
import { connection, projectProblems } from './fixtures';

const minimal = { name: 'demo', connection, partitions: [{ dataAreaId: 'usmf', businessUnit: 'USMF' }] };

const problemsOf = (extra: Record<string, unknown>) => projectProblems({ ...minimal, ...extra });

/** A schedule with every setting given; a fresh copy each time, so the loader cannot change what it is compared with. */
function masterData() {
  return {
    every: '1h30m',
    tasks: ['products', 'accounts'],
    mode: 'full',
    catchup: '30m',
    paused: true,
    note: 'until the F&O upgrade is done',
  };
}

describe('schedules in the project file', () => {
  it('loads schedules by name, with only what the file says', () => {
    const project = loadProject({
      ...minimal,
      schedules: {
        [DEFAULT_SCHEDULE_NAME]: { every: '15m' },
        'master-data': masterData(),
      },
    });
    expect(project.schedules).toEqual({
      default: { every: '15m' },
      'master-data': masterData(),
    });
  });

  it('tells a file without schedules from one that names none', () => {
    expect(loadProject(minimal).schedules).toBeUndefined();
    expect(loadProject({ ...minimal, schedules: {} }).schedules).toEqual({});
  });

  it('names each bad name, duration, mode and key with its path', () => {
    expect(
      problemsOf({
        schedules: {
          'eu/nightly': { every: '1h' },
          '': { every: '1h' },
          nightly: { every: 'fortnight', mode: 'fast', catchup: 10, pause: true },
          hourly: { tasks: ['accounts'] },
          zero: { every: '0m' },
        },
      }),
    ).toEqual([
      'schedules.eu/nightly: "eu/nightly" cannot name a schedule. Give a name of letters, digits, dashes and underscores, e.g. master-data',
      `schedules.: name the schedule; "default" is the project's own schedule p2c/<project>`,
      'schedules.nightly.every: "fortnight" is not a duration; give one such as 15m, 1h or 30s',
      'schedules.nightly.mode: expected incremental or full',
      'schedules.nightly.catchup: expected a duration such as 10m',
      'schedules.nightly: Unrecognized key: "pause"',
      'schedules.hourly.every: expected a duration such as 15m, 1h or 30s',
      'schedules.zero.every: "0m" is not a duration; give one such as 15m, 1h or 30s',
    ]);
  });

  it('takes only tasks the project runs', () => {
    expect(
      problemsOf({
        run: ['products'],
        schedules: { nightly: { every: '1h', tasks: ['products', 'accounts', 'acounts'] } },
      }),
    ).toEqual([
      'schedules.nightly.tasks[1]: "accounts" is not a task the project runs; add it to run, or leave it out here',
      expect.stringMatching(/^schedules\.nightly\.tasks\[2\]: unknown task "acounts"; tasks are products, accounts, /),
    ]);
    expect(problemsOf({ schedules: { nightly: { every: '1h', tasks: [] } } })).toEqual([
      'schedules.nightly.tasks: list at least one task, or leave out tasks to run every task',
    ]);
  });

  it('points the old singular schedule key to schedules and to p2c schedule set', () => {
    expect(problemsOf({ schedule: { every: '15m' } })).toEqual([
      'schedule: use `schedules:`, by name: `schedules: { default: { every: 15m } }`, applied with `p2c schedule apply`; or make one with `p2c schedule set --every 15m`',
    ]);
  });

  it.each([
    ['15m', 15 * 60_000],
    ['1h30m', 90 * 60_000],
    ['30s', 30_000],
    ['', undefined],
    ['15', undefined],
    ['0s', undefined],
  ])('reads the duration %p as %p ms', (text, ms) => expect(parseInterval(text)).toBe(ms));
});
