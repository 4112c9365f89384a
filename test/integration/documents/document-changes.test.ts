/**
 * Documents edited between runs, on the real dev server and both emulators: a quote whose lines were added,
 * removed, changed and renumbered in Sales lands in F&O with exactly the Sales lines; an order created in F&O
 * reaches Sales and follows F&O's later edits line for line.
 */
import { randomUUID } from 'node:crypto';
import { resolveTasks, type Project } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import { QUOTE_STATES } from '../../../emulators/seed/documents';
import type { SourceRow } from '../../../common/types';
import { EXAMPLE_PROJECT, startE2E, taskResult, type E2E } from '../../support/e2e';
import { quotation, rowVersions } from './support';

const COMPANY = { dataAreaId: 'usmf', businessUnit: 'USMF', currency: 'USD' };
const PREREQUISITES = ['products', 'accounts', 'contactsToCustomers'];
const QUOTE_TASKS = ['quoteHeaders', 'quoteLines'];

interface SalesQuote {
  quoteNumber: string;
  quoteid: string;
}

describe('documents edited between runs', () => {
  let e2e: E2E;
  let project: Project;
  let quotes: SalesQuote[];
  const dataAreaId = COMPANY.dataAreaId;
  const used = new Set<string>();

  const sales = () => e2e.stack.emulators.dataverse.store;
  const landed = (q: SalesQuote) => quotation(e2e.stack.emulators, dataAreaId, q.quoteNumber);
  const linesOf = (q: SalesQuote) =>
    [...sales().table('quotedetails').rows()]
      .filter((l) => l._quoteid_value === q.quoteid)
      .sort((a, b) => Number(a.sequencenumber) - Number(b.sequencenumber));
  const runQuote = (q: SalesQuote) =>
    e2e.run({ tasks: QUOTE_TASKS, mode: 'full', onlyKeys: { quoteHeaders: [q.quoteNumber] } });

  function landedQuote(minLines: number): SalesQuote {
    const found = quotes.find(
      (q) => !used.has(q.quoteNumber) && linesOf(q).length >= minLines && landed(q).lines.length === linesOf(q).length,
    );
    if (!found) throw new Error(`no landed quote with ${minLines} lines in the seed`);
    used.add(found.quoteNumber);
    return found;
  }

  function changeLine(line: SourceRow, change: SourceRow): void {
    const table = sales().table('quotedetails');
    table.replace(line.quotedetailid, { ...table.get(line.quotedetailid)!, ...change });
  }

  /** Sales lines as F&O should hold them: sequence, quantity and price. */
  const expectedLines = (q: SalesQuote) =>
    linesOf(q).map((l) => ({
      sequence: Number(l.sequencenumber),
      quantity: Number(l.quantity),
      price: Number(l.priceperunit),
    }));
  const fnoLines = (q: SalesQuote) =>
    landed(q)
      .lines.map((l) => ({
        sequence: Number(l.LineCreationSequenceNumber),
        quantity: Number(l.RequestedSalesQuantity),
        price: Number(l.SalesPrice),
      }))
      .sort((a, b) => a.sequence - b.sequence);

  beforeAll(async () => {
    const example = loadProject(EXAMPLE_PROJECT);
    project = { ...example, partitions: [{ dataAreaId, businessUnit: COMPANY.businessUnit }] };
    e2e = await startE2E(
      {
        seed: { accounts: 60, products: 60, quotes: 20, orders: 0, companies: [COMPANY] },
        serviceProtection: false,
      },
      project,
    );
    expect(resolveTasks(project).find((t) => t.name === 'quoteHeaders')?.children).toBe('quoteLines');
    quotes = [...sales().table('quotes').rows()]
      .filter((q) => q.statecode === QUOTE_STATES.active.statecode)
      .map((q) => ({ quoteNumber: String(q.quotenumber), quoteid: String(q.quoteid) }));
    await e2e.run({ tasks: [...PREREQUISITES, ...QUOTE_TASKS], mode: 'full' });
  }, 600_000);
  afterAll(async () => {
    await e2e?.close();
  });

  test('a line removed in Sales is removed from the F&O quotation', async () => {
    const q = landedQuote(3);
    const [first, second, third] = linesOf(q);
    sales().table('quotedetails').delete(second.quotedetailid);
    changeLine(first, { quantity: Number(first.quantity) + 2 });
    changeLine(third, { priceperunit: Number(third.priceperunit) + 1.5 });
    const { summary } = await runQuote(q);
    expect(taskResult(summary, 'quoteHeaders').counters).toMatchObject({ read: 1, updated: 1, failed: 0 });
    expect(fnoLines(q)).toEqual(expectedLines(q));
  });

  test('a line added and lines renumbered in Sales land in F&O as Sales numbers them', async () => {
    const q = landedQuote(2);
    const lines = linesOf(q);
    const last = lines[lines.length - 1];
    sales()
      .table('quotedetails')
      .insert({ ...last, quotedetailid: randomUUID(), sequencenumber: Number(last.sequencenumber) + 1, quantity: 7 });
    // Swap the first two lines' positions.
    changeLine(lines[0], { sequencenumber: 1000 });
    changeLine(lines[1], { sequencenumber: Number(lines[0].sequencenumber) });
    changeLine(lines[0], { sequencenumber: Number(lines[1].sequencenumber) });
    const { summary } = await runQuote(q);
    expect(taskResult(summary, 'quoteHeaders').counters).toMatchObject({ read: 1, updated: 1, failed: 0 });
    expect(fnoLines(q)).toEqual(expectedLines(q));
  });

  test('a removed line F&O refuses to delete undoes the quote: lines deleted before it come back', async () => {
    const q = landedQuote(4);
    const before = landed(q);
    const lines = linesOf(q);
    changeLine(lines[0], { quantity: Number(lines[0].quantity) + 1 });
    sales().table('quotedetails').delete(lines[1].quotedetailid);
    sales().table('quotedetails').delete(lines[3].quotedetailid);
    const refused = `SalesQuotationNumber='${q.quoteNumber}',LineCreationSequenceNumber=${Number(lines[3].sequencenumber)}`;
    e2e.stack.emulators.fno.faults.configure({ failWritesForKeys: [refused] });
    let run;
    try {
      run = await runQuote(q);
    } finally {
      e2e.stack.emulators.fno.faults.reset();
    }
    expect(taskResult(run.summary, 'quoteHeaders').counters).toMatchObject({ read: 1, failed: 1 });
    const failures = await e2e.stack.store.listFailures(run.workflowId);
    expect(failures).toEqual([
      expect.objectContaining({
        task: 'quoteLines',
        sourceKey: q.quoteNumber,
        code: 'line-not-removed',
        message: expect.stringContaining(`line ${q.quoteNumber}/${Number(lines[3].sequencenumber)}: no longer in`),
      }),
    ]);
    // The second line had been deleted and the first changed: both are back as they were.
    expect(landed(q)).toEqual(before);

    // Once F&O lets the line go, the quote lands with the Sales lines only.
    const again = await runQuote(q);
    expect(taskResult(again.summary, 'quoteHeaders').counters).toMatchObject({ read: 1, updated: 1, failed: 0 });
    expect(fnoLines(q)).toEqual(expectedLines(q));
    const [last] = await e2e.stack.store.trace('quoteHeaders', q.quoteNumber).then((t) => t.slice(-1));
    expect(last).toMatchObject({ outcome: 'updated', detail: `header and ${lines.length - 2} lines, 2 removed` });
  });

  test('a quote whose lines were all removed keeps its header and loses every line in F&O', async () => {
    const q = landedQuote(1);
    for (const line of linesOf(q)) sales().table('quotedetails').delete(line.quotedetailid);
    const { summary } = await runQuote(q);
    expect(taskResult(summary, 'quoteHeaders').counters).toMatchObject({ read: 1, updated: 1, failed: 0 });
    expect(landed(q)).toMatchObject({ header: { SalesQuotationNumber: q.quoteNumber }, lines: [] });
  });

  test('an unchanged quote re-run is unchanged and writes nothing', async () => {
    const q = landedQuote(2);
    const versions = rowVersions(e2e.stack.emulators, dataAreaId, q.quoteNumber);
    const { summary } = await runQuote(q);
    expect(taskResult(summary, 'quoteHeaders').counters).toMatchObject({ read: 1, unchanged: 1, failed: 0 });
    expect(rowVersions(e2e.stack.emulators, dataAreaId, q.quoteNumber)).toEqual(versions);
  });
});
