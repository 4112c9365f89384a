import type { RunRecord } from '../../../common/checkpoint-store';
import { CANCELLED_REASON } from '../../../common/sync-types';
import { runText, storedTasks, type RunStatus } from '../../../client/cli/status';

const PROJECT_RUN = 'p2c/p2c-demo/20261125T091500.000Z';
const record = (task: string, overrides: Partial<RunRecord>): RunRecord => ({
  runId: `${PROJECT_RUN}/${task}`,
  workflowId: `${PROJECT_RUN}/${task}`,
  project: 'p2c-demo',
  task,
  partition: 'usmf',
  status: 'Completed',
  startedAt: '2026-11-25T09:15:00.000Z',
  endedAt: '2026-11-25T09:15:02.000Z',
  counters: { read: 4, created: 4, updated: 0, unchanged: 0, filtered: 0, failed: 0 },
  parentRunId: PROJECT_RUN,
  ...overrides,
});

describe('status of a run that ended without a summary', () => {
  // listRuns returns the newest first.
  const records = [
    record('quoteHeaders', {
      status: 'Running',
      startedAt: '2026-11-25T09:15:05.000Z',
      endedAt: undefined,
      counters: {},
    }),
    record('contacts', {
      status: 'Canceled',
      reason: CANCELLED_REASON,
      startedAt: '2026-11-25T09:15:03.000Z',
      endedAt: '2026-11-25T09:15:04.500Z',
      counters: { read: 200, created: 150, updated: 0, unchanged: 50, filtered: 0, failed: 0 },
    }),
    record('products', {
      status: 'Failed',
      reason: 'readPage: auth failed: AADSTS7000215 invalid client secret',
      startedAt: '2026-11-25T09:15:01.000Z',
      counters: {},
    }),
    record('accounts', {}),
  ];

  test("lists the tasks the store recorded, in the order they started, with each one's status and reason", () => {
    expect(storedTasks(records).map((t) => [t.task, t.dataAreaId, t.state, t.outcome, t.reason])).toEqual([
      ['accounts', 'usmf', 'done', 'Completed', undefined],
      ['products', 'usmf', 'done', 'Failed', 'readPage: auth failed: AADSTS7000215 invalid client secret'],
      ['contacts', 'usmf', 'done', 'Canceled', CANCELLED_REASON],
      ['quoteHeaders', 'usmf', 'not finished', undefined, undefined],
    ]);
  });

  test('prints a cancelled run as Canceled, with its tasks from the store', () => {
    const run: RunStatus = {
      workflowId: PROJECT_RUN,
      status: 'CANCELLED',
      outcome: 'Canceled',
      startedAt: '2026-11-25T09:15:00.004Z',
      endedAt: '2026-11-25T09:15:06.004Z',
      url: 'http://localhost:8233/',
      tasks: storedTasks(records),
    };
    expect(runText(run).split('\n')).toEqual([
      `${PROJECT_RUN}  Canceled  started 2026-11-25T09:15:00.004Z, 6s`,
      '  task               outcome       read  created  updated  unchanged  filtered  failed  warnings  duration  reason',
      '  accounts@usmf      Completed     4     4        0        0          0         0       0         2s',
      '  products@usmf      Failed        0     0        0        0          0         0       0         1s        readPage: auth failed: AADSTS7000215 invalid client secret',
      '  contacts@usmf      Canceled      200   150      0        50         0         0       0         2s        cancelled',
      '  quoteHeaders@usmf  not finished',
    ]);
  });
});
