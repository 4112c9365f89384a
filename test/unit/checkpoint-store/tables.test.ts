import { lastWinsByKey, onConflictUpdate, RUN_FAILURES } from '../../../common/checkpoint-store/tables';

const row = (source_key: string, code: string, message: string) => ({
  run_id: 'r1',
  task: 't',
  source_key,
  code,
  message,
});

describe('lastWinsByKey', () => {
  test('keeps the first position and the last values of each key', () => {
    const rows = [row('A', 'X', 'a1'), row('B', 'X', 'b1'), row('A', 'X', 'a2'), row('A', 'Y', 'a3')];
    expect(lastWinsByKey(RUN_FAILURES, rows)).toEqual([row('A', 'X', 'a2'), row('B', 'X', 'b1'), row('A', 'Y', 'a3')]);
  });

  test('does not confuse composite keys whose parts contain the separator', () => {
    const rows = [row('A|B', 'C', 'first'), row('A', 'B|C', 'second')];
    expect(lastWinsByKey(RUN_FAILURES, rows)).toEqual(rows);
  });

  test('collapses a batch of one repeated key to its last row', () => {
    expect(lastWinsByKey(RUN_FAILURES, [row('A', 'X', '1'), row('A', 'X', '2'), row('A', 'X', '3')])).toEqual([
      row('A', 'X', '3'),
    ]);
  });
});

test('onConflictUpdate updates every column outside the key', () => {
  expect(onConflictUpdate(RUN_FAILURES)).toBe(
    'ON CONFLICT (run_id, task, source_key, code) DO UPDATE SET field = excluded.field, message = excluded.message, ' +
      'attempt = excluded.attempt, retryable = excluded.retryable, at = excluded.at, at_ms = excluded.at_ms',
  );
});
