/**
 * `p2c retry-failed` for documents: a quote that failed on one of its lines is re-read through its header task, whose
 * saga writes the header and every line, against the shared dev server, a real worker and both emulators.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StoredFailure } from '../../../common/checkpoint-store';
import type { ProjectRunSummary } from '../../../common/sync-types';
import { loadProject } from '../../../mappings/project-file';
import { taskWorkflowId } from '../../../workflows/ids';
import { startE2E, taskResult, type E2E } from '../../support/e2e';
import { quotation } from '../documents/support';
import { cliEnv, json, runP2c, writeProject } from './p2c';

const TASKS = ['products', 'accounts', 'contactsToCustomers', 'quoteHeaders'];

describe('p2c retry-failed with documents', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-cli-retry-'));
  const projectName = `cli-retry-${process.pid}`;
  const projectFile = writeProject(dir, projectName);
  let e2e: E2E;
  let env: Record<string, string>;
  const p2c = (...args: string[]) => runP2c(args, env);

  beforeAll(async () => {
    e2e = await startE2E(
      { seed: { accounts: 60, products: 60, quotes: 24, orders: 0 }, serviceProtection: false },
      loadProject(projectFile),
    );
    env = cliEnv(e2e, projectFile);
  });
  afterAll(async () => {
    await e2e?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a quote refused for one line is retried through quoteHeaders and lands whole once fixed', async () => {
    const first = json<{ workflowId: string; summary: ProjectRunSummary }>(
      await p2c('sync', '--full', '--task', ...TASKS, '--wait', '--json'),
    );
    const bad = e2e.stack.emulators.manifest!.badRows.find((b) => b.kind === 'quote-unit-unmapped');
    expect(bad).toBeDefined();
    const quoteNumber = bad!.key;
    const failures = await e2e.stack.store.listFailures(first.workflowId, { sourceKey: quoteNumber });
    // The line is at fault: the failure is the line task's, under the document's key.
    expect(failures.map((f) => [f.task, f.code])).toEqual([['quoteLines', 'unmapped-unit']]);
    expect(quotation(e2e.stack.emulators, bad!.dataAreaId, quoteNumber)).toEqual({ header: null, lines: [] });
    // The header task's workflow id lists the failures its sagas raised, its line task's included.
    const headerTaskRun = taskWorkflowId(projectName, 'quoteHeaders', first.workflowId.split('/').pop()!);
    const listed = json<{ run: string; failures: StoredFailure[] }>(await p2c('failures', headerTaskRun, '--json'));
    expect(listed.run).toBe(first.workflowId);
    expect(listed.failures).toEqual(
      expect.arrayContaining([expect.objectContaining({ task: 'quoteLines', sourceKey: quoteNumber })]),
    );
    expect(listed.failures.filter((f) => f.task !== 'quoteHeaders' && f.task !== 'quoteLines')).toEqual([]);

    // Fix the line in Sales: the unit of its product instead of one F&O does not know.
    const store = e2e.stack.emulators.dataverse.store;
    const quote = [...store.table('quotes').rows()].find((q) => q.quotenumber === quoteNumber)!;
    const dozen = [...store.table('uoms').rows()].find((u) => u.name === 'dozen')!;
    const lines = store.table('quotedetails');
    const wrong = [...lines.rows()].filter((l) => l._quoteid_value === quote.quoteid && l._uomid_value === dozen.uomid);
    expect(wrong.length).toBeGreaterThan(0);
    for (const line of wrong) {
      const product = store.table('products').get(line._productid_value)!;
      lines.replace(line.quotedetailid, { ...line, _uomid_value: product._defaultuomid_value });
    }

    const result = await p2c('retry-failed', first.workflowId, '--key', quoteNumber, '--wait', '--json');
    const out = json<{ onlyKeys: Record<string, string[]>; summary: ProjectRunSummary }>(result);
    expect(out.onlyKeys).toEqual({ quoteHeaders: [quoteNumber] });
    expect(result.code).toBe(0);
    expect(out.summary.tasks.map((t) => t.task)).toEqual(['quoteHeaders']);
    expect(taskResult(out.summary, 'quoteHeaders').counters).toMatchObject({ read: 1, created: 1, failed: 0 });
    const landed = quotation(e2e.stack.emulators, bad!.dataAreaId, quoteNumber);
    expect(landed.header).not.toBeNull();
    expect(landed.lines.length).toBe([...lines.rows()].filter((l) => l._quoteid_value === quote.quoteid).length);
  });
});
