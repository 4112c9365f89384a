import { bar, csv, duration, eta, parseInterval, rate, table, withoutPassword } from '../../../client/cli/format';
import { EXIT, exitCodeOf } from '../../../client/cli/errors';
import { keysByTask } from '../../../client/cli/retry-failed';
import { scheduledWorkflowId, scheduleIdOf } from '../../../client/cli/schedule';

describe('CLI formatting', () => {
  test('table pads columns to the widest cell and trims line ends', () => {
    expect(
      table(
        ['task', 'read'],
        [
          ['accounts@usmf', '60'],
          ['products@usmf', ''],
        ],
      ),
    ).toBe(['task           read', 'accounts@usmf  60', 'products@usmf'].join('\n'));
  });

  test('csv quotes only cells that need it and doubles inner quotes', () => {
    expect(
      csv(
        ['key', 'message'],
        [
          ['C-1', 'plain'],
          ['C-2', 'name "Contoso, Ltd" is\ntoo long'],
        ],
      ),
    ).toBe('key,message\nC-1,plain\nC-2,"name ""Contoso, Ltd"" is\ntoo long"');
  });

  test.each([
    [950, '950ms'],
    [1000, '1s'],
    [59_400, '59s'],
    [75_000, '1m15s'],
    [2 * 3600_000 + 3 * 60_000, '2h03m'],
    [-1, ''],
  ])('duration(%d) = %s', (ms, text) => expect(duration(ms)).toBe(text));

  test.each([
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['', undefined],
    ['0m', undefined],
    ['15', undefined],
    ['15 minutes', undefined],
  ])('parseInterval(%p) = %p', (text, ms) => expect(parseInterval(text)).toBe(ms));

  test('rate, ETA and bar', () => {
    expect(rate(50, 10_000)).toBe('5.0/s');
    expect(rate(1200, 10_000)).toBe('120/s');
    expect(rate(10, 0)).toBe('0/s');
    expect(eta(1, 4, 30_000)).toBe('1m30s');
    expect(eta(4, 4, 30_000)).toBe('0s');
    expect(eta(0, 4, 30_000)).toBe('');
    expect(eta(3, undefined, 30_000)).toBe('');
    expect(bar(0.5, 10)).toBe('[#####.....]');
    expect(bar(2, 4)).toBe('[####]');
  });

  test('a printed connection URL shows no password', () => {
    expect(withoutPassword('postgres://u:p@127.0.0.1:1/db')).toBe('postgres://u:***@127.0.0.1:1/db');
    expect(withoutPassword('postgresql://p2c:s3cr%40t/x@db.internal:5432/p2c?sslmode=require')).toBe(
      'postgresql://p2c:***@db.internal:5432/p2c?sslmode=require',
    );
    expect(withoutPassword('postgres://u@127.0.0.1/db')).toBe('postgres://u@127.0.0.1/db');
    expect(withoutPassword('postgres://127.0.0.1:5432/db?user=a@b')).toBe('postgres://127.0.0.1:5432/db?user=a@b');
    expect(withoutPassword('.p2c/checkpoints.sqlite')).toBe('.p2c/checkpoints.sqlite');
  });
});

describe('CLI decisions', () => {
  test('outcomes map to exit codes scripts can branch on', () => {
    expect(exitCodeOf('Completed')).toBe(0);
    expect(exitCodeOf('CompletedWithWarnings')).toBe(2);
    expect(exitCodeOf('Failed')).toBe(3);
    expect(exitCodeOf('Skipped')).toBe(3);
    expect(exitCodeOf('Canceled')).toBe(4);
    expect(EXIT.usage).toBe(1);
  });

  test('retry keys: distinct keys per task, optionally only the chosen ones', () => {
    const at = '2026-11-25T10:00:00Z';
    const failures = [
      { task: 'accounts', sourceKey: 'A-1', code: 'value-too-long', message: '', at },
      { task: 'accounts', sourceKey: 'A-1', code: 'missing-lookup', message: '', at },
      { task: 'accounts', sourceKey: 'A-2', code: 'value-too-long', message: '', at },
      { task: 'products', sourceKey: 'P-9', code: 'unmapped-unit', message: '', at },
    ];
    expect(keysByTask(failures, []).onlyKeys).toEqual({ accounts: ['A-1', 'A-2'], products: ['P-9'] });
    expect(keysByTask(failures, [], ['A-2']).onlyKeys).toEqual({ accounts: ['A-2'] });
    expect(keysByTask(failures, [], []).onlyKeys).toEqual({ accounts: ['A-1', 'A-2'], products: ['P-9'] });
  });

  test('schedule ids are per project, with an optional name that also names their runs', () => {
    expect(scheduleIdOf('p2c-demo')).toBe('p2c/p2c-demo');
    expect(scheduleIdOf('p2c-demo', 'nightly')).toBe('p2c/p2c-demo/nightly');
    expect(scheduledWorkflowId('p2c-demo')).toBe('p2c/p2c-demo/scheduled');
    expect(scheduledWorkflowId('p2c-demo', 'nightly')).toBe('p2c/p2c-demo/scheduled-nightly');
  });
});
