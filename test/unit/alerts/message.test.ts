import { digestFailures } from '../../../common/checkpoint-store';
import {
  ALERT_FAILURE_LIMIT,
  alertReasons,
  alertSubject,
  alertText,
  buildRunAlert,
  sampleFailures,
  withoutFailureSamples,
} from '../../../common/alerts';
import { emptyCounters, type Counters, type ProjectRunSummary, type TaskOutcome } from '../../../common/sync-types';
import type { RowFailure } from '../../../common/types';

const partition = { dataAreaId: 'usmf', businessUnit: 'USMF' };

function summary(outcome: TaskOutcome, counters: Partial<Counters>, failureCount = 0): ProjectRunSummary {
  return {
    project: 'demo',
    runId: 'p2c/demo/20261125T120000Z',
    outcome,
    startedAt: '2026-11-25T12:00:00.000Z',
    endedAt: '2026-11-25T12:01:00.000Z',
    tasks: [
      {
        task: 'accounts',
        partition,
        outcome,
        counters: { ...emptyCounters(), ...counters },
        failureSample: [],
        failureCount,
        startedAt: '2026-11-25T12:00:00.000Z',
        endedAt: '2026-11-25T12:01:00.000Z',
      },
    ],
  };
}

const failure = (i: number): RowFailure => ({
  task: 'quoteHeaders',
  sourceKey: `QUO-${i}`,
  field: 'uomid',
  code: 'unmapped-unit',
  message: `unit "dozen" on line ${i} of QUO-${i} is not mapped`,
});

describe('alertReasons', () => {
  test('a clean run that wrote what changed needs no alert', () => {
    expect(alertReasons(withoutFailureSamples(summary('Completed', { read: 5, created: 3, unchanged: 2 })))).toEqual(
      [],
    );
  });

  test('a run that re-read only unchanged rows needs no alert', () => {
    expect(alertReasons(withoutFailureSamples(summary('Completed', { read: 4, unchanged: 4 })))).toEqual([]);
  });

  test('warnings, errors and a run that read changes but wrote nothing are reasons', () => {
    expect(
      alertReasons(withoutFailureSamples(summary('CompletedWithWarnings', { read: 3, created: 2, failed: 1 }))),
    ).toEqual(['warnings']);
    expect(alertReasons(withoutFailureSamples(summary('Failed', { read: 0 })))).toEqual(['errors']);
    expect(alertReasons(withoutFailureSamples(summary('Completed', { read: 7, filtered: 7 })))).toEqual([
      'nothing-written',
    ]);
  });
});

describe('buildRunAlert', () => {
  test('carries the tasks and the failure summary, capped, with the total and the commands to act on it', () => {
    const failures = Array.from({ length: ALERT_FAILURE_LIMIT + 5 }, (_, i) => failure(i + 1));
    const alert = buildRunAlert(
      withoutFailureSamples(summary('CompletedWithWarnings', { read: 40, created: 10, failed: 30 }, 30)),
      digestFailures(failures, ALERT_FAILURE_LIMIT),
      'http://ui/namespaces/default/workflows/x',
    )!;
    expect(alert.reasons).toEqual(['warnings']);
    expect(alert.failureCount).toBe(ALERT_FAILURE_LIMIT + 5);
    expect(alert.failures).toHaveLength(ALERT_FAILURE_LIMIT);
    expect(alert.failures[0]).toEqual(failure(1));
    expect(alert.failureCounts).toEqual([
      { task: 'quoteHeaders', code: 'unmapped-unit', count: ALERT_FAILURE_LIMIT + 5 },
    ]);
    expect(alert.tasks).toEqual([expect.objectContaining({ task: 'accounts', dataAreaId: 'usmf', failed: 30 })]);
    const text = alertText(alert);
    expect(text).toContain('QUO-1 [uomid] unmapped-unit: unit "dozen" on line 1 of QUO-1 is not mapped');
    expect(text).toContain('... and 5 more');
    expect(text).toContain('p2c retry-failed p2c/demo/20261125T120000Z');
    expect(text).toContain('Run in the Web UI: http://ui/namespaces/default/workflows/x');
    expect(alertSubject(alert)).toBe('[p2c] demo: CompletedWithWarnings (30 failures) - p2c/demo/20261125T120000Z');
  });

  test('counts the warnings of rows written anyway and names the command that lists them', () => {
    const alert = buildRunAlert(
      withoutFailureSamples(summary('CompletedWithWarnings', { read: 40, created: 39, failed: 1, warnings: 3 }, 1)),
      digestFailures([failure(1)], ALERT_FAILURE_LIMIT),
      undefined,
      3,
    )!;
    expect(alert.warningCount).toBe(3);
    expect(alert.tasks).toEqual([expect.objectContaining({ task: 'accounts', failed: 1, warnings: 3 })]);
    const text = alertText(alert);
    expect(text).toContain(
      'accounts@usmf: CompletedWithWarnings — read 40, created 39, updated 0, unchanged 0, filtered 0, failed 1, warnings 3',
    );
    expect(text).toContain('Warnings (3): rows written anyway');
    expect(text).toContain('List them with: p2c failures p2c/demo/20261125T120000Z --warnings');
    expect(alertSubject(alert)).toBe(
      '[p2c] demo: CompletedWithWarnings (1 failure, 3 warnings) - p2c/demo/20261125T120000Z',
    );
  });

  test('an alert without warnings says nothing of them; warnings alone are no reason for an alert', () => {
    const alert = buildRunAlert(
      withoutFailureSamples(summary('CompletedWithWarnings', { read: 2, created: 1, failed: 1 }, 1)),
      digestFailures([failure(1)], ALERT_FAILURE_LIMIT),
    )!;
    expect(alert.warningCount).toBe(0);
    const text = alertText(alert);
    expect(text).not.toContain('Warnings (');
    expect(text).not.toContain(', warnings ');
    expect(text).not.toContain('--warnings');
    expect(alertSubject(alert)).toBe('[p2c] demo: CompletedWithWarnings (1 failure) - p2c/demo/20261125T120000Z');
    const warnedOnly = withoutFailureSamples(summary('Completed', { read: 2, created: 2, warnings: 2 }));
    expect(buildRunAlert(warnedOnly, digestFailures([], ALERT_FAILURE_LIMIT), undefined, 2)).toBeUndefined();
  });

  test('a digest counts every failure per task and code, most frequent first, and keeps the first few of each task', () => {
    const products = Array.from({ length: 4 }, (_, i) => ({ ...failure(i), task: 'products', code: 'no-price' }));
    const quotes = [failure(10), { ...failure(11), code: 'bad-country' }, failure(12)];
    const digest = digestFailures([...products, ...quotes], 2);
    expect(digest.total).toBe(7);
    expect(digest.counts).toEqual([
      { task: 'products', code: 'no-price', count: 4 },
      { task: 'quoteHeaders', code: 'unmapped-unit', count: 2 },
      { task: 'quoteHeaders', code: 'bad-country', count: 1 },
    ]);
    expect(digest.first).toEqual([products[0], products[1], quotes[0], quotes[1]]);
  });

  test('the listed failures come from every task in turn, so one noisy task does not hide another', () => {
    const noisy = Array.from({ length: 10 }, (_, i) => ({ ...failure(i), task: 'products' }));
    const quiet = [failure(100), failure(101)];
    const sample = sampleFailures([...noisy, ...quiet], 5);
    expect(sample.map((f) => `${f.task}:${f.sourceKey}`)).toEqual([
      'products:QUO-0',
      'quoteHeaders:QUO-100',
      'products:QUO-1',
      'quoteHeaders:QUO-101',
      'products:QUO-2',
    ]);
    expect(sampleFailures(quiet, 5)).toEqual(quiet);
  });

  test('no alert for a run that needs no attention', () => {
    expect(
      buildRunAlert(
        withoutFailureSamples(summary('Completed', { read: 1, created: 1 })),
        digestFailures([], ALERT_FAILURE_LIMIT),
      ),
    ).toBeUndefined();
  });
});
