import { ChildWorkflowFailure, RetryState, TerminatedFailure } from '@temporalio/common';
import { abnormalEndResult, emptyCounters } from '../../../common/sync-types';

describe('abnormalEndResult', () => {
  const partition = { dataAreaId: 'usmf', businessUnit: 'USMF' };
  const at = '2026-11-26T03:00:00.000Z';

  test("a terminated child is a failed task carrying the termination's reason, nothing counted", () => {
    const err = new ChildWorkflowFailure(
      'default',
      { workflowId: 'p2c/demo/accounts/x', runId: 'r' },
      'entitySync',
      RetryState.NON_RETRYABLE_FAILURE,
      new TerminatedFailure('operator stopped it'),
    );
    expect(abnormalEndResult('accounts', partition, err, at)).toEqual({
      task: 'accounts',
      partition,
      outcome: 'Failed',
      counters: emptyCounters(),
      failureSample: [],
      failureCount: 0,
      reason: 'operator stopped it',
      startedAt: at,
      endedAt: at,
    });
  });

  test('an error without a cause gives its own message; anything else its text', () => {
    expect(abnormalEndResult('accounts', partition, new Error('timed out'), at).reason).toBe('timed out');
    expect(abnormalEndResult('accounts', partition, 'gone', at).reason).toBe('gone');
  });
});
