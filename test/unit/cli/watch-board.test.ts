import { board, describeLine, lineOfResult } from '../../../client/cli/watch';
import { emptyCounters } from '../../../common/sync-types';

describe('watch output', () => {
  const running = { label: 'accounts@usmf', state: 'running, page 3', read: 600, written: 590, failed: 4, warnings: 0 };

  test('a task line: state, read, written, failed and rate', () => {
    expect(describeLine(running, 4000)).toBe('accounts@usmf: running, page 3 — read 600, written 590, failed 4, 150/s');
  });

  test('a task line shows the warnings on rows written anyway when there are some', () => {
    expect(describeLine({ ...running, warnings: 2 }, 4000)).toBe(
      'accounts@usmf: running, page 3 — read 600, written 590, failed 4, warnings 2, 150/s',
    );
  });

  test('a finished task is measured over its own run time and counts creates and updates as written', () => {
    const line = lineOfResult({
      task: 'products',
      partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
      outcome: 'Completed',
      counters: { ...emptyCounters(), read: 50, created: 20, updated: 10, unchanged: 20 },
      failureSample: [],
      failureCount: 0,
      startedAt: '2026-11-25T10:00:00.000Z',
      endedAt: '2026-11-25T10:00:10.000Z',
    });
    expect(describeLine(line, 60_000)).toBe('products@usmf: Completed — read 50, written 30, failed 0, 5.0/s');
  });

  test("a finished task's line counts its result's warnings; a result recorded before they were counted has none", () => {
    const result = {
      task: 'accounts',
      partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
      outcome: 'Completed' as const,
      counters: { ...emptyCounters(), read: 10, created: 10, warnings: 3 },
      failureSample: [],
      failureCount: 0,
      startedAt: '2026-11-25T10:00:00.000Z',
      endedAt: '2026-11-25T10:00:10.000Z',
    };
    expect(describeLine(lineOfResult(result), 0)).toBe(
      'accounts@usmf: Completed — read 10, written 10, failed 0, warnings 3, 1.0/s',
    );
    const { warnings: _absent, ...older } = result.counters;
    expect(describeLine(lineOfResult({ ...result, counters: older as typeof result.counters }), 0)).toBe(
      'accounts@usmf: Completed — read 10, written 10, failed 0, 1.0/s',
    );
  });

  test('the board: finished tasks as a bar, total rate and the time left, then a line per task', () => {
    const done = {
      label: 'products@usmf',
      state: 'Completed',
      read: 200,
      written: 20,
      failed: 0,
      warnings: 0,
      elapsedMs: 2000,
    };
    expect(board('p2c/demo/20261125T100000.000Z', [done, running], 1, 10_000)).toEqual([
      'p2c/demo/20261125T100000.000Z  [############............] 1/2 tasks  10s elapsed, 80/s, ETA 10s',
      '  products@usmf: Completed — read 200, written 20, failed 0, 100/s',
      '  accounts@usmf: running, page 3 — read 600, written 590, failed 4, 60/s',
    ]);
  });
});
