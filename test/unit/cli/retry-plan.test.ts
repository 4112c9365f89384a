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

  describe('a line task that ran alone (p2c sync --task quoteLines) names each failed line by its own key', () => {
    const alone = ['quoteLines', 'salesOrderLinesFromFno', 'invoiceLines'];

    test('its failures are retried as their documents, through the header task', () => {
      const failures = [
        failure('quoteLines', 'QUO-1/1'),
        failure('quoteLines', 'QUO-1/2', 'missing-product'),
        failure('quoteLines', 'QUO-2/1'),
        failure('salesOrderLinesFromFno', 'SO-9/3'),
        failure('invoiceLines', 'INV-4/2'),
        failure('accounts', 'A-1', 'value-too-long'),
      ];
      expect(keysByTask(failures, tasks, undefined, alone)).toEqual({
        onlyKeys: {
          quoteHeaders: ['QUO-1', 'QUO-2'],
          salesOrdersFromFno: ['SO-9'],
          invoiceHeaders: ['INV-4'],
          accounts: ['A-1'],
        },
        withoutBusinessKey: 0,
      });
      // `p2c failures` lists the line's key, which is what --key takes.
      expect(keysByTask(failures, tasks, ['QUO-1/2'], alone).onlyKeys).toEqual({ quoteHeaders: ['QUO-1'] });
    });

    test("a document number holding the key separator stays whole; only the line's number is dropped", () => {
      expect(keysByTask([failure('quoteLines', 'QUO/2026/7/3')], tasks, undefined, alone).onlyKeys).toEqual({
        quoteHeaders: ['QUO/2026/7'],
      });
    });

    test('a line without a line number still names its document; one without a document number is left out', () => {
      const failures = [
        failure('quoteLines', 'QUO-5/?', MISSING_BUSINESS_KEY),
        failure('quoteLines', '?/2', MISSING_BUSINESS_KEY),
        failure('quoteLines', '6f1c2a34-0000-0000-0000-000000000003', MISSING_BUSINESS_KEY),
      ];
      expect(keysByTask(failures, tasks, undefined, alone)).toEqual({
        onlyKeys: { quoteHeaders: ['QUO-5'] },
        withoutBusinessKey: 2,
      });
    });

    test('a line key that does not begin with its document key is refused, saying why', () => {
      const reordered = tasks.map((t) =>
        t.name === 'quoteLines'
          ? { ...t, source: { ...t.source, keyFields: ['sequencenumber', 'quoteid.quotenumber'] } }
          : t,
      );
      expect(() => keysByTask([failure('quoteLines', '3/QUO-1')], reordered, undefined, alone)).toThrow(
        'cannot retry the quoteLines rows of a run of quoteLines alone: its key (sequencenumber, quoteid.quotenumber) does not begin with the key of its quoteHeaders documents (quotenumber), so a failed line does not name its document',
      );
    });

    test("the same failures from a document saga already carry the document's key", () => {
      expect(keysByTask([failure('quoteLines', 'QUO-1')], tasks).onlyKeys).toEqual({ quoteHeaders: ['QUO-1'] });
    });
  });
});
