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
      'schedules.eu/nightly: "eu/nightly" cannot name a schedule: it has "/". Give a name of letters, digits, dashes and underscores, e.g. master-data',
      `schedules.: name the schedule; "default" is the project's own schedule p2c/<project>`,
      'schedules.nightly.every: "fortnight" is not a duration; give one such as 15m, 1h or 30s',
      'schedules.nightly.mode: expected incremental or full',
      'schedules.nightly.catchup: expected a duration such as 10m',
      'schedules.nightly: unknown field "pause" (did you mean "paused"?); a schedule has every, tasks, mode, catchup, paused, note',
      'schedules.hourly.every: expected a duration such as 15m, 1h or 30s',
      'schedules.zero.every: "0m" is not a duration; give one such as 15m, 1h or 30s',
    ]);
  });

  it('says what is wrong with a name, and what a schedule left empty or a blank note needs', () => {
    expect(
      problemsOf({
        schedules: {
          '-nightly': { every: '1h' },
          'master data': { every: '1h' },
          [`n${'x'.repeat(63)}`]: { every: '1h' },
          hourly: null,
          weekly: { every: '168h', note: '', paused: 'yes' },
          daily: { every: '24h', evry: '1h', owner: 'ops' },
          Default: { every: '15m' },
        },
      }),
    ).toEqual([
      'schedules.-nightly: "-nightly" cannot name a schedule: it starts with "-"; start it with a letter or digit',
      'schedules.master data: "master data" cannot name a schedule: it has " ". Give a name of letters, digits, dashes and underscores, e.g. master-data',
      `schedules.n${'x'.repeat(63)}: "n${'x'.repeat(63)}" cannot name a schedule: it has 64 characters, at most 63 fit`,
      'schedules.hourly: give the schedule its settings, at least every, e.g. { every: 15m }',
      'schedules.weekly.paused: expected true or false',
      "schedules.weekly.note: write the note, or leave note out to keep the schedule's note as it is",
      'schedules.daily: unknown fields "evry" (did you mean "every"?), "owner"; a schedule has every, tasks, mode, catchup, paused, note',
      `schedules.Default: "Default" is not the project's own schedule: names are case-sensitive; write "default" for p2c/<project>`,
    ]);
  });

  it('refuses a catch-up window shorter than the server keeps, which apply would otherwise update on every run', () => {
    expect(problemsOf({ schedules: { nightly: { every: '1h', catchup: '5s' } } })).toEqual([
      'schedules.nightly.catchup: "5s" is shorter than 10s, the shortest catch-up window Temporal keeps; give 10s or more',
    ]);
    expect(loadProject({ ...minimal, schedules: { nightly: { every: '1h', catchup: '10s' } } }).schedules).toEqual({
      nightly: { every: '1h', catchup: '10s' },
    });
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
