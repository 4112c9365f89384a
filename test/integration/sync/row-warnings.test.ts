/**
 * Row warnings in a real run (dev server, worker, both emulators): an account memo and a quote's delivery street
 * longer than F&O takes are written truncated, and the run shows it — the task results count the warnings, the
 * checkpoint store lists them apart from the failures, `p2c failures --warnings` prints them, and the rows' trace
 * entries name them. The task outcomes stay what the failures make them.
 */
import { resolveTasks, sourceKeyOf, type Project } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import { QUOTE_STATES } from '../../../emulators/seed/documents';
import type { StoredWarning } from '../../../common/checkpoint-store';
import { expectedRows } from '../../support/expectations';
import { EXAMPLE_PROJECT, startE2E, taskResult, type E2E } from '../../support/e2e';
import { cliEnv, json, runP2c } from '../cli/p2c';

const COMPANY = { dataAreaId: 'usmf', businessUnit: 'USMF', currency: 'USD' };
const TASKS = ['products', 'accounts', 'contactsToCustomers', 'quoteHeaders', 'quoteLines'];
const MEMO_LIMIT = 1000;
const STREET_LIMIT = 250;

describe('row warnings of a real run', () => {
  let e2e: E2E;
  let project: Project;

  beforeAll(async () => {
    project = { ...loadProject(EXAMPLE_PROJECT), partitions: [{ dataAreaId: 'usmf', businessUnit: 'USMF' }] };
    e2e = await startE2E(
      { seed: { accounts: 40, products: 40, quotes: 12, orders: 0, companies: [COMPANY] }, serviceProtection: false },
      project,
    );
  });
  afterAll(async () => {
    await e2e?.close();
  });

  test('truncated values are written, counted and listed as warnings, never as failures', async () => {
    const sales = e2e.stack.emulators.dataverse.store;
    const tasks = new Map(resolveTasks(project).map((t) => [t.name, t]));
    // An account that maps cleanly, given a memo longer than F&O's SalesMemo.
    const [valid] = await expectedRows(e2e.stack.clients, tasks.get('accounts')!, project.partitions[0]);
    const accounts = sales.table('accounts');
    const account = [...accounts.rows()].find((row) => row.accountnumber === valid.sourceKey)!;
    accounts.replace(account.accountid, { ...account, description: 'm'.repeat(MEMO_LIMIT + 200) });
    // Every active quote gets a delivery street longer than F&O's; each one that lands must say so.
    const quotes = sales.table('quotes');
    const active = [...quotes.rows()].filter((q) => q.statecode === QUOTE_STATES.active.statecode);
    for (const quote of active)
      quotes.replace(quote.quoteid, { ...quote, shipto_line1: 's'.repeat(STREET_LIMIT + 50) });

    const { workflowId, summary } = await e2e.run({ tasks: TASKS, mode: 'full' });
    const store = e2e.stack.store;
    const warnings = await store.listWarnings(workflowId);
    const failures = await store.listFailures(workflowId);

    // The account: written with its memo cut to the limit, one warning, no failure.
    const customer = await e2e.stack.clients.fno.getByKey('CustomersV2', valid.key);
    expect(String(customer?.SalesMemo)).toHaveLength(MEMO_LIMIT);
    const accountWarnings = warnings.filter((w) => w.task === 'accounts' && w.sourceKey === valid.sourceKey);
    expect(accountWarnings.map((w) => [w.code, w.field])).toEqual([['value-truncated', 'description']]);
    expect(failures.filter((f) => f.sourceKey === valid.sourceKey)).toEqual([]);
    const accountTrace = (await store.trace('accounts', valid.sourceKey)).filter((t) => t.runId === workflowId);
    expect(accountTrace).toEqual([
      expect.objectContaining({ outcome: 'created', detail: expect.stringMatching(/^warnings: value-truncated: /) }),
    ]);

    // The quotes: each one that landed has its warning; one that did not lands none (its failure says why).
    const quoteHeaders = tasks.get('quoteHeaders')!;
    const landed: string[] = [];
    for (const quote of active) {
      const key = sourceKeyOf(quoteHeaders, quote);
      const [entry] = (await store.trace('quoteHeaders', key)).filter((t) => t.runId === workflowId);
      const quoteWarnings = warnings.filter((w) => w.task === 'quoteHeaders' && w.sourceKey === key);
      if (entry?.outcome === 'created') {
        landed.push(key);
        expect(quoteWarnings.map((w) => [w.code, w.field])).toEqual([['value-truncated', 'shipto_line1']]);
        expect(entry.detail).toMatch(/; warnings: value-truncated: /);
      } else {
        expect(quoteWarnings).toEqual([]);
      }
    }
    expect(landed.length).toBeGreaterThan(0);

    // Counted per task (a document's by its header task, its lines' included); the seed plants a few more. The
    // outcome is the failures' alone, and no warning is a failure.
    const ofTasks = (...names: string[]) => warnings.filter((w) => names.includes(w.task)).length;
    expect(taskResult(summary, 'accounts').counters.warnings).toBe(ofTasks('accounts'));
    expect(taskResult(summary, 'quoteHeaders').counters.warnings).toBe(ofTasks('quoteHeaders', 'quoteLines'));
    expect(ofTasks('quoteHeaders')).toBeGreaterThanOrEqual(landed.length);
    for (const name of ['accounts', 'quoteHeaders']) {
      const result = taskResult(summary, name);
      expect(result.outcome).toBe(result.counters.failed > 0 ? 'CompletedWithWarnings' : 'Completed');
    }
    expect(failures.filter((f) => f.code === 'value-truncated')).toEqual([]);

    // The CLI lists them apart from the failures.
    const env = cliEnv(e2e, EXAMPLE_PROJECT);
    const listed = json<{ run: string; warnings: StoredWarning[] }>(
      await runP2c(['failures', workflowId, '--warnings', '--json'], env),
    );
    expect(listed.warnings).toEqual(warnings);
    const table = await runP2c(['failures', workflowId, '--warnings'], env);
    expect(table.stdout).toContain(valid.sourceKey);
    expect(table.stdout).toContain(`${warnings.length} warnings on rows that were written`);
  });
});
