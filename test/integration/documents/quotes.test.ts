/**
 * Quotes end to end on the real dev server and both emulators: a seeded dataset lands whole
 * (every field, totals to the cent), bad quotes leave nothing behind in F&O and name the line at fault, transient
 * line failures are retried without duplicates, and a rejected line on an edited quotation restores it exactly.
 */
import { resolveTasks, sourceKeyOf, type Project, type TaskDefinition } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import { MISSING_PRODUCT_LINE, QUOTE_STATES } from '../../../emulators/seed/documents';
import { ORPHAN_PREFIX } from '../../../emulators/seed/products';
import type { SourceRow, TargetRow } from '../../../common/types';
import { differences, expectedRows, readAllSource } from '../../support/expectations';
import { EXAMPLE_PROJECT, startE2E, taskResult, type E2E } from '../../support/e2e';
import { cents, quotation } from './support';

/** CI size; P2C_DOCUMENT_QUOTES=600 seeds the full dataset (about 300 active quotes of 1–20 lines). */
const SEEDED_QUOTES = Number(process.env.P2C_DOCUMENT_QUOTES ?? 60);
/** Two companies, so totals are checked in two currencies, each quote in its own business unit's company. */
const COMPANIES = [
  { dataAreaId: 'usmf', businessUnit: 'USMF', currency: 'USD' },
  { dataAreaId: 'demf', businessUnit: 'DEMF', currency: 'EUR' },
];
const PREREQUISITES = ['products', 'accounts', 'contactsToCustomers'];
const QUOTE_TASKS = ['quoteHeaders', 'quoteLines'];

const valueAt = (row: SourceRow, path: string): unknown =>
  path.split('.').reduce<unknown>((value, step) => (value as Record<string, unknown> | null)?.[step], row);

interface SalesQuote {
  dataAreaId: string;
  quoteNumber: string;
  lines: SourceRow[];
}

describe('quotes (quoteSync saga)', () => {
  let e2e: E2E;
  let tasks: Map<string, TaskDefinition>;
  let project: Project;
  const quotesByNumber = new Map<string, SalesQuote>();
  const expectedHeaders = new Map<string, TargetRow>();
  const expectedLines = new Map<string, TargetRow[]>();

  beforeAll(async () => {
    const example = loadProject(EXAMPLE_PROJECT);
    project = {
      ...example,
      partitions: COMPANIES.map(({ dataAreaId, businessUnit }) => ({ dataAreaId, businessUnit })),
    };
    e2e = await startE2E(
      {
        seed: { accounts: 200, products: 150, quotes: SEEDED_QUOTES, orders: 0, companies: COMPANIES },
        // Correctness, not service protection, is under test here; throttling has its own tests.
        serviceProtection: false,
      },
      project,
    );
    tasks = new Map(resolveTasks(project).map((t) => [t.name, t]));
  });
  afterAll(async () => {
    await e2e?.close();
  });

  /** Active quotes of every partition with their Sales lines, and the F&O rows the templates make of them. */
  async function readSalesQuotes(): Promise<void> {
    const clients = e2e.stack.clients;
    for (const partition of project.partitions) {
      const headerTask = tasks.get('quoteHeaders')!;
      const lineTask = tasks.get('quoteLines')!;
      // Lines have no business unit of their own: they belong to the partition of their quote.
      const own = new Set<string>();
      for (const row of await readAllSource(clients, headerTask, partition)) {
        const quoteNumber = sourceKeyOf(headerTask, row);
        own.add(quoteNumber);
        quotesByNumber.set(quoteNumber, { dataAreaId: partition.dataAreaId, quoteNumber, lines: [] });
      }
      for (const line of await readAllSource(clients, lineTask, partition)) {
        const quoteNumber = String(valueAt(line, 'quoteid.quotenumber'));
        if (own.has(quoteNumber)) quotesByNumber.get(quoteNumber)!.lines.push(line);
      }
      for (const header of await expectedRows(clients, headerTask, partition)) {
        expectedHeaders.set(header.sourceKey, header);
      }
      for (const line of await expectedRows(clients, lineTask, partition)) {
        const number = String(line.key.SalesQuotationNumber);
        if (own.has(number)) expectedLines.set(number, [...(expectedLines.get(number) ?? []), line]);
      }
    }
  }

  /** A good quote that landed, with at least `minLines` lines, not yet used by another test. */
  const used = new Set<string>();
  function landedQuote(minLines: number): SalesQuote {
    const quote = [...quotesByNumber.values()].find(
      (q) =>
        !used.has(q.quoteNumber) &&
        q.lines.length >= minLines &&
        quotation(e2e.stack.emulators, q.dataAreaId, q.quoteNumber).lines.length === q.lines.length,
    );
    if (!quote) throw new Error(`no landed quote with ${minLines} lines in the seed`);
    used.add(quote.quoteNumber);
    return quote;
  }

  /**
   * Revises a quote the way Sales allows: back to draft, header columns changed through the Web API (so its
   * modifiedon moves and the next run reads it), line columns in the emulator's store, then activated again.
   */
  async function reviseQuote(quote: SalesQuote, header: SourceRow, lines: Record<number, SourceRow> = {}) {
    const write = async (fields: SourceRow) => {
      const [outcome] = await e2e.stack.clients.dataverse.upsertBatch(
        [{ sourceKey: quote.quoteNumber, entitySet: 'quotes', key: { quotenumber: quote.quoteNumber }, fields }],
        { continueOnError: true },
      );
      expect({ status: outcome.status, message: outcome.message }).toEqual({ status: 'updated', message: undefined });
    };
    await write({ ...QUOTE_STATES.draft });
    await write(header);
    const table = e2e.stack.emulators.dataverse.store.table('quotedetails');
    for (const line of quote.lines) {
      const change = lines[Number(line.sequencenumber)];
      if (change) table.replace(line.quotedetailid, { ...table.get(line.quotedetailid)!, ...change });
    }
    await write({ ...QUOTE_STATES.active });
  }

  const quoteRun = () => e2e.run({ tasks: QUOTE_TASKS });

  test('a seeded dataset lands whole; bad quotes leave nothing in F&O and name the line', async () => {
    const { workflowId, summary } = await e2e.run({ tasks: [...PREREQUISITES, ...QUOTE_TASKS], mode: 'full' });
    for (const result of summary.tasks.filter((t) => t.task === 'quoteHeaders')) {
      expect(['Completed', 'CompletedWithWarnings']).toContain(result.outcome);
    }
    await readSalesQuotes();
    const manifest = e2e.stack.emulators.manifest!;
    const badQuotes = new Map(manifest.badRows.filter((b) => b.entitySet === 'quotes').map((b) => [b.key, b]));
    const failures = await e2e.stack.store.listFailures(workflowId);

    // Must-show 1: the quote whose third line names a product F&O does not have: nothing of it in F&O, and the
    // failure names that line and that product.
    const missingProduct = [...badQuotes.values()].filter((b) => b.kind === 'quote-product-missing-in-fno');
    expect(missingProduct.length).toBeGreaterThan(0);
    for (const bad of missingProduct) {
      expect(quotation(e2e.stack.emulators, bad.dataAreaId, bad.key)).toEqual({ header: null, lines: [] });
      const line = quotesByNumber.get(bad.key)!.lines.find((l) => l.sequencenumber === MISSING_PRODUCT_LINE)!;
      const product = String(valueAt(line, 'productid.productnumber'));
      const failure = failures.find(
        (f) => f.sourceKey === bad.key && f.message.startsWith(`line ${bad.key}/${MISSING_PRODUCT_LINE}:`),
      );
      expect({ quote: bad.key, all: failures.filter((f) => f.sourceKey === bad.key).map((f) => f.message) }).toEqual({
        quote: bad.key,
        all: expect.arrayContaining([expect.stringContaining(product)]),
      });
      expect(failure?.code).toBe('missing-product');
      expect(failure?.message).toContain(product);
    }
    // Every other planted bad quote is reported with its code and leaves nothing in F&O either.
    for (const bad of badQuotes.values()) {
      expect(failures.some((f) => f.sourceKey === bad.key && f.code === bad.expectedError)).toBe(true);
      expect(quotation(e2e.stack.emulators, bad.dataAreaId, bad.key)).toEqual({ header: null, lines: [] });
    }

    // Every other active quote landed complete: header and every line field for field, no extra line, and
    // (must-show 4) the F&O header total equals the sum of the Sales lines after discounts, to the cent.
    const good = [...quotesByNumber.values()].filter((q) => !badQuotes.has(q.quoteNumber));
    expect(good.length).toBeGreaterThan(SEEDED_QUOTES / 3);
    const expected: TargetRow[] = [];
    const totals: Array<{ quote: string; fno: number; sales: number }> = [];
    for (const quote of good) {
      const lines = expectedLines.get(quote.quoteNumber) ?? [];
      expect({ quote: quote.quoteNumber, lines: lines.length }).toEqual({
        quote: quote.quoteNumber,
        lines: quote.lines.length,
      });
      expected.push(expectedHeaders.get(quote.quoteNumber)!, ...lines);
      const landed = quotation(e2e.stack.emulators, quote.dataAreaId, quote.quoteNumber);
      expect({ quote: quote.quoteNumber, lines: landed.lines.length }).toEqual({
        quote: quote.quoteNumber,
        lines: quote.lines.length,
      });
      // What Sales holds for each line after its discount (extendedamount), summed in cents.
      const salesLines = e2e.stack.emulators.dataverse.store.table('quotedetails');
      const sales = quote.lines.reduce((sum, l) => sum + cents(salesLines.get(l.quotedetailid)!.extendedamount), 0);
      totals.push({ quote: quote.quoteNumber, fno: cents(landed.header?.QuotationTotalAmount), sales });
    }
    expect(totals.filter((t) => t.fno !== t.sales)).toEqual([]);
    // Good quotes of both companies, so both currencies, were checked.
    expect(new Set(good.map((q) => q.dataAreaId))).toEqual(new Set(COMPANIES.map((c) => c.dataAreaId)));
    expect(await differences(e2e.stack.clients, expected)).toEqual([]);
    const created = summary.tasks
      .filter((t) => t.task === 'quoteHeaders')
      .reduce((sum, t) => sum + t.counters.created, 0);
    expect(created).toBe(good.length);
    expect(taskResult(summary, 'accounts').outcome).not.toBe('Failed');
  }, 600_000);

  test('a line write refused with 503 three times is retried: the quote lands complete, no line twice', async () => {
    const quote = landedQuote(3);
    const fno = e2e.stack.emulators.fno;
    await reviseQuote(quote, { name: `Revised ${quote.quoteNumber}` }, { 2: { quantity: 42 } });
    const failedBefore = fno.faults.stats().failedWrites;
    // Slow every request a little so the fault is armed after the header write and before the first line write.
    fno.faults.configure({ latencyMs: 150 });
    const armed = (async () => {
      for (let i = 0; i < 3000; i++) {
        const state = quotation(e2e.stack.emulators, quote.dataAreaId, quote.quoteNumber);
        if (state.header?.SalesQuotationName === `Revised ${quote.quoteNumber}`) {
          fno.faults.configure({ latencyMs: 150, failNextWrites: { count: 3, status: 503 } });
          return true;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return false;
    })();
    const { summary } = await quoteRun();
    expect(await armed).toBe(true);
    // All three refusals were served (the rule is used up), and they hit the quote's lines, not its header.
    expect(fno.faults.current().failNextWrites).toBeUndefined();
    expect(fno.faults.stats().failedWrites - failedBefore).toBe(3);
    fno.faults.reset();
    expect(taskResult(summary, 'quoteHeaders').counters).toMatchObject({ read: 1, updated: 1, failed: 0 });

    const landed = quotation(e2e.stack.emulators, quote.dataAreaId, quote.quoteNumber);
    const sequence = quote.lines.map((l) => Number(l.sequencenumber)).sort((a, b) => a - b);
    expect(landed.lines.map((l) => l.LineCreationSequenceNumber)).toEqual(sequence);
    expect(landed.lines.find((l) => l.LineCreationSequenceNumber === 2)?.RequestedSalesQuantity).toBe(42);
  });

  describe('a line rejected at write time on a quotation synced before and then revised', () => {
    let quote: SalesQuote;
    let before: ReturnType<typeof quotation>;
    const rejected = () => `rejected line of ${quote.quoteNumber}`;

    beforeAll(() => {
      quote = landedQuote(3);
      before = quotation(e2e.stack.emulators, quote.dataAreaId, quote.quoteNumber);
    });
    afterEach(() => e2e.stack.emulators.fno.faults.reset());

    test('compensation restores the F&O quotation exactly: header and every line as they were', async () => {
      await reviseQuote(
        quote,
        { name: `Revised ${quote.quoteNumber}` },
        { 1: { quantity: 17 }, 2: { description: 'changed then undone' }, 3: { description: rejected() } },
      );
      e2e.stack.emulators.fno.faults.configure({ failWritesForKeys: [rejected()] });
      const { workflowId, summary } = await quoteRun();
      expect(taskResult(summary, 'quoteHeaders').counters).toMatchObject({ failed: 1 });

      expect(quotation(e2e.stack.emulators, quote.dataAreaId, quote.quoteNumber)).toEqual(before);
      const failures = (await e2e.stack.store.listFailures(workflowId)).filter(
        (f) => f.sourceKey === quote.quoteNumber,
      );
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ task: 'quoteLines' });
      expect(failures[0].message).toContain(`line ${quote.quoteNumber}/3`);
    });

    test('an undo that fails is reported as compensation-failed, and the other undos still run', async () => {
      // The header's restore carries its old name: refusing that write makes one undo step fail.
      const oldName = String(before.header!.SalesQuotationName);
      await reviseQuote(quote, { name: `Revised again ${quote.quoteNumber}` });
      e2e.stack.emulators.fno.faults.configure({ failWritesForKeys: [rejected(), oldName] });
      const { workflowId } = await quoteRun();

      const failures = (await e2e.stack.store.listFailures(workflowId)).filter(
        (f) => f.sourceKey === quote.quoteNumber,
      );
      expect(failures.map((f) => f.code).sort()).toEqual(['compensation-failed', expect.any(String)].sort());
      const compensation = failures.find((f) => f.code === 'compensation-failed')!;
      expect(compensation.message).toContain('CDSSalesQuotationHeaders');
      expect(compensation.message).toContain(quote.quoteNumber);
      const after = quotation(e2e.stack.emulators, quote.dataAreaId, quote.quoteNumber);
      // The lines were restored; the header keeps the revision the failed undo could not take back.
      expect(after.lines).toEqual(before.lines);
      expect(after.header?.SalesQuotationName).toBe(`Revised again ${quote.quoteNumber}`);
    });
  });

  test('a quotation synced before whose third line now names an unsynced product keeps its previous state', async () => {
    const quote = landedQuote(MISSING_PRODUCT_LINE);
    const before = quotation(e2e.stack.emulators, quote.dataAreaId, quote.quoteNumber);
    const products = e2e.stack.emulators.dataverse.store.table('products');
    const orphan = [...products.rows()].find(
      (p) => String(p.productnumber).startsWith(ORPHAN_PREFIX) && p.msdynce_ismaintainedexternally === true,
    )!;
    expect(orphan).toBeDefined();
    await reviseQuote(
      quote,
      { name: `Revised with an unsynced product ${quote.quoteNumber}` },
      { 1: { quantity: 5 }, [MISSING_PRODUCT_LINE]: { _productid_value: orphan.productid } },
    );
    const { workflowId } = await quoteRun();

    expect(quotation(e2e.stack.emulators, quote.dataAreaId, quote.quoteNumber)).toEqual(before);
    const failures = (await e2e.stack.store.listFailures(workflowId)).filter((f) => f.sourceKey === quote.quoteNumber);
    expect(failures).toHaveLength(1);
    expect(failures[0].code).toBe('missing-product');
    expect(failures[0].message).toContain(`line ${quote.quoteNumber}/${MISSING_PRODUCT_LINE}`);
    expect(failures[0].message).toContain(String(orphan.productnumber));
  });
});
