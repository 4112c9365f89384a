/**
 * `p2c retry-failed` for documents: a quote that failed on one of its lines is re-read through its header task, whose
 * saga writes the header and every line, against the shared dev server, a real worker and both emulators. So is one
 * whose lines failed in a run of the line task alone, where each failure names its line rather than its document.
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

/** The quote seeded with lines in a unit F&O does not know, and a fix in Sales: each line takes its product's unit. */
function unitUnmappedQuote(e2e: E2E) {
  const bad = e2e.stack.emulators.manifest!.badRows.find((b) => b.kind === 'quote-unit-unmapped');
  if (!bad) throw new Error('the seed has no quote-unit-unmapped row');
  const store = e2e.stack.emulators.dataverse.store;
  const quote = [...store.table('quotes').rows()].find((q) => q.quotenumber === bad.key)!;
  const lines = store.table('quotedetails');
  const linesOfQuote = () => [...lines.rows()].filter((l) => l._quoteid_value === quote.quoteid);
  return {
    quoteNumber: bad.key,
    dataAreaId: bad.dataAreaId,
    linesOfQuote,
    fix() {
      const dozen = [...store.table('uoms').rows()].find((u) => u.name === 'dozen')!;
      const wrong = linesOfQuote().filter((l) => l._uomid_value === dozen.uomid);
      expect(wrong.length).toBeGreaterThan(0);
      for (const line of wrong) {
        const product = store.table('products').get(line._productid_value)!;
        lines.replace(line.quotedetailid, { ...line, _uomid_value: product._defaultuomid_value });
      }
    },
  };
}

/**
 * For the describe block that calls it: a project of its own named `<name>-<pid>`, and a stack seeded with quotes
 * started before its tests and closed after them. `e2e` is there once the tests run.
 */
function quoteStack(name: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `p2c-${name}-`));
  const projectName = `${name}-${process.pid}`;
  const projectFile = writeProject(dir, projectName);
  let e2e: E2E;
  let env: Record<string, string>;

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
  return {
    projectName,
    get e2e() {
      return e2e;
    },
    p2c: (...args: string[]) => runP2c(args, env),
  };
}

describe('p2c retry-failed with documents', () => {
  const stack = quoteStack('cli-retry');

  test('a quote refused for one line is retried through quoteHeaders and lands whole once fixed', async () => {
    const { projectName, e2e, p2c } = stack;
    const first = json<{ workflowId: string; summary: ProjectRunSummary }>(
      await p2c('sync', '--full', '--task', ...TASKS, '--wait', '--json'),
    );
    const bad = unitUnmappedQuote(e2e);
    const quoteNumber = bad.quoteNumber;
    const failures = await e2e.stack.store.listFailures(first.workflowId, { sourceKey: quoteNumber });
    // The line is at fault: the failure is the line task's, under the document's key.
    expect(failures.map((f) => [f.task, f.code])).toEqual([['quoteLines', 'unmapped-unit']]);
    expect(quotation(e2e.stack.emulators, bad.dataAreaId, quoteNumber)).toEqual({ header: null, lines: [] });
    // The header task's workflow id lists the failures its sagas raised, its line task's included.
    const headerTaskRun = taskWorkflowId(projectName, 'quoteHeaders', first.workflowId.split('/').pop()!);
    const listed = json<{ run: string; failures: StoredFailure[] }>(await p2c('failures', headerTaskRun, '--json'));
    expect(listed.run).toBe(first.workflowId);
    expect(listed.failures).toEqual(
      expect.arrayContaining([expect.objectContaining({ task: 'quoteLines', sourceKey: quoteNumber })]),
    );
    expect(listed.failures.filter((f) => f.task !== 'quoteHeaders' && f.task !== 'quoteLines')).toEqual([]);

    // Fix the line in Sales: the unit of its product instead of one F&O does not know.
    bad.fix();

    const result = await p2c('retry-failed', first.workflowId, '--key', quoteNumber, '--wait', '--json');
    const out = json<{ onlyKeys: Record<string, string[]>; summary: ProjectRunSummary }>(result);
    expect(out.onlyKeys).toEqual({ quoteHeaders: [quoteNumber] });
    expect(result.code).toBe(0);
    expect(out.summary.tasks.map((t) => t.task)).toEqual(['quoteHeaders']);
    expect(taskResult(out.summary, 'quoteHeaders').counters).toMatchObject({ read: 1, created: 1, failed: 0 });
    const landed = quotation(e2e.stack.emulators, bad.dataAreaId, quoteNumber);
    expect(landed.header).not.toBeNull();
    expect(landed.lines.length).toBe(bad.linesOfQuote().length);
  });
});

describe('p2c retry-failed of a run of a line task alone', () => {
  const stack = quoteStack('cli-retry-lines');

  test('lines that failed under their own keys are retried as their documents, through quoteHeaders', async () => {
    const { e2e, p2c } = stack;
    await p2c('sync', '--full', '--task', ...TASKS, '--wait', '--json');
    const bad = unitUnmappedQuote(e2e);
    const linesRun = json<{ workflowId: string; summary: ProjectRunSummary }>(
      await p2c('sync', '--full', '--task', 'quoteLines', '--wait', '--json'),
    );
    expect(linesRun.summary.tasks.map((t) => t.task)).toEqual(['quoteLines']);
    const failures = await e2e.stack.store.listFailures(linesRun.workflowId, { task: 'quoteLines' });
    // Run alone, the line task names each failed line by its own key: the document number, then the line's number.
    const lineFailures = failures.filter((f) => f.sourceKey.startsWith(`${bad.quoteNumber}/`));
    expect(lineFailures.map((f) => f.code)).toContain('unmapped-unit');
    bad.fix();

    // The admin retries one of the lines `p2c failures` lists; its whole document is re-read and written.
    const result = await p2c(
      'retry-failed',
      linesRun.workflowId,
      '--key',
      lineFailures[0].sourceKey,
      '--wait',
      '--json',
    );
    const out = json<{ onlyKeys: Record<string, string[]>; summary: ProjectRunSummary }>(result);
    expect(out.onlyKeys).toEqual({ quoteHeaders: [bad.quoteNumber] });
    expect(result.code).toBe(0);
    expect(out.summary.tasks.map((t) => t.task)).toEqual(['quoteHeaders']);
    expect(taskResult(out.summary, 'quoteHeaders').counters).toMatchObject({ read: 1, created: 1, failed: 0 });
    const landed = quotation(e2e.stack.emulators, bad.dataAreaId, bad.quoteNumber);
    expect(landed.header).not.toBeNull();
    expect(landed.lines.length).toBe(bad.linesOfQuote().length);

    // Without --key every failed document of the run is retried, each once, by its document number.
    const all = json<{ onlyKeys: Record<string, string[]> }>(
      await p2c('retry-failed', linesRun.workflowId, '--wait', '--json'),
    );
    const documents = [...new Set(failures.map((f) => f.sourceKey.slice(0, f.sourceKey.lastIndexOf('/'))))];
    expect(all.onlyKeys).toEqual({ quoteHeaders: documents });
  });
});
