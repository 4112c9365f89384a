import path from 'node:path';
import type { StoredFailure } from '../../../common/checkpoint-store';
import { keysByTask } from '../../../client/cli/retry-failed';
import { MISSING_BUSINESS_KEY } from '../../../mappings';
import { resolveTasks } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';

const tasks = resolveTasks(loadProject(path.resolve(__dirname, '../../../examples/project.yaml')));
const at = '2026-11-25T10:00:00Z';
const failure = (task: string, sourceKey: string, code = 'unmapped-unit'): StoredFailure => ({
  task,
  sourceKey,
  code,
  message: '',
  at,
});

describe('retry-failed: which rows a retry re-reads, and through which task', () => {
  test("a line task's failures are retried through its header task, whose sagas write the whole document", () => {
    const failures = [
      failure('quoteLines', 'QUO-1'),
      failure('quoteHeaders', 'QUO-2', 'customer-not-synced'),
      failure('quoteLines', 'QUO-2'),
      failure('salesOrderLinesToFno', 'ORD-7', 'missing-product'),
      failure('accounts', 'A-1', 'value-too-long'),
    ];
    expect(keysByTask(failures, tasks).onlyKeys).toEqual({
      quoteHeaders: ['QUO-1', 'QUO-2'],
      salesOrdersToFno: ['ORD-7'],
      accounts: ['A-1'],
    });
    expect(keysByTask(failures, tasks, ['QUO-1']).onlyKeys).toEqual({ quoteHeaders: ['QUO-1'] });
  });

  test('rows without a business key are left out and counted; a line names its document, which can be read', () => {
    const failures = [
      failure('accounts', '6f1c2a34-0000-0000-0000-000000000001', MISSING_BUSINESS_KEY),
      failure('accounts', '6f1c2a34-0000-0000-0000-000000000002', MISSING_BUSINESS_KEY),
      failure('accounts', 'A-1', 'value-too-long'),
      failure('quoteLines', 'QUO-3', MISSING_BUSINESS_KEY),
    ];
    expect(keysByTask(failures, tasks)).toEqual({
      onlyKeys: { accounts: ['A-1'], quoteHeaders: ['QUO-3'] },
      withoutBusinessKey: 2,
    });
    expect(keysByTask(failures, tasks, ['6f1c2a34-0000-0000-0000-000000000001'])).toEqual({
      onlyKeys: {},
      withoutBusinessKey: 1,
    });
  });
});
