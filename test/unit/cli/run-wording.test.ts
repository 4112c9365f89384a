import type { Client } from '@temporalio/client';
import { counted, withArticle } from '../../../client/cli/format';
import { replaySummary } from '../../../client/cli/replay';
import { describeRun } from '../../../client/cli/runs';

/** A client whose every workflow describes itself as a workflow of `type`. */
function clientDescribing(type: string): Client {
  const describe = async () => ({ type, status: { name: 'COMPLETED' }, runId: 'r1', startTime: new Date() });
  return { workflow: { getHandle: () => ({ describe }) } } as unknown as Client;
}

describe('wording of run messages', () => {
  test('a count takes the singular for one and the plural otherwise', () => {
    expect(counted(1, 'history', 'histories')).toBe('1 history');
    expect(counted(0, 'history', 'histories')).toBe('0 histories');
    expect(counted(2, 'warning')).toBe('2 warnings');
  });

  test('a workflow type takes the article its first letter calls for', () => {
    expect(withArticle('entitySync')).toBe('an entitySync');
    expect(withArticle('quoteSyncV3')).toBe('a quoteSyncV3');
  });

  test('a task workflow given where a project run is expected is named with the right article', async () => {
    const id = 'p2c/p2c-demo/accounts/20261125T091500.000Z';
    await expect(describeRun(clientDescribing('entitySync'), id)).rejects.toThrow(
      `${id} is an entitySync workflow, not a project run (prospectToCash)`,
    );
    await expect(describeRun(clientDescribing('quoteSyncV3'), id)).rejects.toThrow(
      `${id} is a quoteSyncV3 workflow, not a project run (prospectToCash)`,
    );
  });

  test('the replay summary counts one history in the singular', () => {
    expect(replaySummary(1, 0, 'workflows/index.ts')).toBe('1 history replays cleanly against workflows/index.ts');
    expect(replaySummary(3, 0, 'workflows/index.ts')).toBe('3 histories replay cleanly against workflows/index.ts');
    expect(replaySummary(1, 1, 'w.ts')).toBe('1 of 1 history does not replay against w.ts');
    expect(replaySummary(3, 1, 'w.ts')).toBe('1 of 3 histories does not replay against w.ts');
    expect(replaySummary(3, 2, 'w.ts')).toBe('2 of 3 histories do not replay against w.ts');
  });
});
