/**
 * The document saga's write path on the real dev server and both emulators: a quote costs two activities and a
 * number of F&O requests that does not grow with its lines; a line refused for good undoes the lines written in the
 * same batch; transient line failures past the connector's own retries retry the write activity; an identical
 * re-run writes nothing; and every document leaves trace entries that `p2c trace` shows.
 */
import { resolveTasks, type Project } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import { QUOTE_STATES } from '../../../emulators/seed/documents';
import type { SourceRow } from '../../../common/types';
import { EXAMPLE_PROJECT, startE2E, taskResult, type E2E } from '../../support/e2e';
import { cliEnv, json, runP2c } from '../cli/p2c';
import { activitiesOf, activityAttempts, QUOTE_HEADERS, quotation, rowVersions, sagaWorkflowId } from './support';

const COMPANY = { dataAreaId: 'usmf', businessUnit: 'USMF', currency: 'USD' };
const PREREQUISITES = ['products', 'accounts', 'contactsToCustomers'];
const QUOTE_TASKS = ['quoteHeaders', 'quoteLines'];
/** The line of one new quote that F&O refuses on the first run. */
const REFUSED_LINE = 2;

interface SalesQuote {
  quoteNumber: string;
  quoteid: string;
  lines: SourceRow[];
}

describe('document saga: batched writes, unchanged documents, trace entries', () => {
  let e2e: E2E;
  let project: Project;
  let quotes: SalesQuote[];
  let refused: SalesQuote;
  let firstRun: Awaited<ReturnType<E2E['run']>>;
  const dataAreaId = COMPANY.dataAreaId;
  const used = new Set<string>();

  const sales = () => e2e.stack.emulators.dataverse.store;
  const fno = () => e2e.stack.emulators.fno;
  const landed = (q: SalesQuote) => quotation(e2e.stack.emulators, dataAreaId, q.quoteNumber);
  const runQuote = (q: SalesQuote) =>
    e2e.run({ tasks: QUOTE_TASKS, mode: 'full', onlyKeys: { quoteHeaders: [q.quoteNumber] } });
  const traceOf = async (q: SalesQuote) => await e2e.stack.store.trace('quoteHeaders', q.quoteNumber);

  /** A quote that landed complete in the first run, with `minLines` lines or more, not used by another test. */
  function landedQuote(minLines: number, pick: (a: SalesQuote, b: SalesQuote) => number = () => 0): SalesQuote {
    const found = quotes
      .filter((q) => !used.has(q.quoteNumber) && q !== refused && q.lines.length >= minLines)
      .filter((q) => landed(q).lines.length === q.lines.length)
      .sort(pick)[0];
    if (!found) throw new Error(`no landed quote with ${minLines} lines in the seed`);
    used.add(found.quoteNumber);
    return found;
  }

  /** Changes a quote in the Sales store; a full run limited to its key reads it whatever its modifiedon. */
  function edit(q: SalesQuote, header: SourceRow, lines: Record<number, SourceRow> = {}): void {
    const quoteTable = sales().table('quotes');
    quoteTable.replace(q.quoteid, { ...quoteTable.get(q.quoteid)!, ...header });
    const lineTable = sales().table('quotedetails');
    for (const line of q.lines) {
      const change = lines[Number(line.sequencenumber)];
      if (change) lineTable.replace(line.quotedetailid, { ...lineTable.get(line.quotedetailid)!, ...change });
    }
  }

  const sagaHistory = (runWorkflowId: string, q: SalesQuote) =>
    e2e.client.workflow
      .getHandle(sagaWorkflowId(project.name, runWorkflowId, 'quoteHeaders', q.quoteNumber))
      .fetchHistory();

  beforeAll(async () => {
    const example = loadProject(EXAMPLE_PROJECT);
    project = { ...example, partitions: [{ dataAreaId, businessUnit: COMPANY.businessUnit }] };
    e2e = await startE2E(
      {
        seed: { accounts: 120, products: 100, quotes: 40, orders: 0, companies: [COMPANY] },
        serviceProtection: false,
      },
      project,
    );
    expect(resolveTasks(project).find((t) => t.name === 'quoteHeaders')?.children).toBe('quoteLines');
    const bad = new Set(
      e2e.stack.emulators.manifest!.badRows.filter((b) => b.entitySet === 'quotes').map((b) => b.key),
    );
    const details = [...sales().table('quotedetails').rows()];
    quotes = [...sales().table('quotes').rows()]
      .filter((q) => q.statecode === QUOTE_STATES.active.statecode && !bad.has(String(q.quotenumber)))
      .map((q) => ({
        quoteNumber: String(q.quotenumber),
        quoteid: String(q.quoteid),
        lines: details.filter((l) => l._quoteid_value === q.quoteid),
      }));
    // A quote never synced before whose second line F&O refuses: its header and other lines do get written first.
    refused = quotes.find((q) => q.lines.length >= 3)!;
    const marker = `refused line of ${refused.quoteNumber}`;
    edit(refused, {}, { [REFUSED_LINE]: { description: marker } });
    fno().faults.configure({ failWritesForKeys: [marker] });
    firstRun = await e2e.run({ tasks: [...PREREQUISITES, ...QUOTE_TASKS], mode: 'full' });
    fno().faults.reset();
  }, 600_000);
  afterAll(async () => {
    await e2e?.close();
  });
  afterEach(() => fno().faults.reset());

  test('a line refused for good undoes the new quotation, lines written in the same batch included', async () => {
    expect(landed(refused)).toEqual({ header: null, lines: [] });
    const failures = (await e2e.stack.store.listFailures(firstRun.workflowId)).filter(
      (f) => f.sourceKey === refused.quoteNumber,
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ task: 'quoteLines' });
    expect(failures[0].message).toContain(`line ${refused.quoteNumber}/${REFUSED_LINE}:`);

    // The header and every other line had landed: the undo deleted all of them.
    const [entry] = await traceOf(refused);
    expect(entry).toMatchObject({ outcome: 'failed', workflowId: expect.stringContaining(refused.quoteNumber) });
    expect(entry.detail).toContain(`line ${refused.quoteNumber}/${REFUSED_LINE}`);
    expect(entry.detail).toContain(`compensated: ${refused.lines.length} rows deleted or restored`);
    expect(activitiesOf(await sagaHistory(firstRun.workflowId, refused))).toEqual([
      'planDocument',
      'writeDocument',
      'compensateDocument',
    ]);

    // The failed write stored no hash, so the next run writes the quote whole instead of calling it unchanged.
    const again = await runQuote(refused);
    expect(taskResult(again.summary, 'quoteHeaders').counters).toMatchObject({ read: 1, created: 1, failed: 0 });
    const sequence = refused.lines.map((l) => Number(l.sequencenumber)).sort((a, b) => a - b);
    expect(landed(refused).lines.map((l) => l.LineCreationSequenceNumber)).toEqual(sequence);
    expect((await traceOf(refused)).map((t) => t.outcome)).toEqual(['failed', 'created']);
  });

  test('a quote costs two activities, and its F&O requests do not grow with its lines', async () => {
    const fewest = landedQuote(1, (a, b) => a.lines.length - b.lines.length);
    const most = landedQuote(1, (a, b) => b.lines.length - a.lines.length);
    expect(most.lines.length).toBeGreaterThanOrEqual(fewest.lines.length + 4);
    const requests: number[] = [];
    for (const q of [fewest, most]) {
      edit(q, { name: `Re-sent ${q.quoteNumber}` }, { 1: { quantity: 11 } });
      const before = fno().stats().requests;
      const { workflowId, summary } = await runQuote(q);
      requests.push(fno().stats().requests - before);
      expect(taskResult(summary, 'quoteHeaders').counters).toMatchObject({ read: 1, updated: 1, failed: 0 });
      expect(activitiesOf(await sagaHistory(workflowId, q))).toEqual(['planDocument', 'writeDocument']);
      expect(landed(q).lines.find((l) => l.LineCreationSequenceNumber === 1)?.RequestedSalesQuantity).toBe(11);
    }
    expect({ fewest: fewest.lines.length, requests: requests[1] }).toEqual({
      fewest: fewest.lines.length,
      requests: requests[0],
    });
  });

  test('creating a quotation the snapshot found missing costs no more F&O requests than updating it', async () => {
    const q = landedQuote(3);
    const { fno: fnoClient } = e2e.stack.clients;
    const requestsOf = async () => {
      const before = fno().stats().requests;
      const { summary } = await runQuote(q);
      return { requests: fno().stats().requests - before, counters: taskResult(summary, 'quoteHeaders').counters };
    };
    edit(q, { name: `Updated ${q.quoteNumber}` });
    const updated = await requestsOf();
    expect(updated.counters).toMatchObject({ updated: 1, failed: 0 });

    // Gone from F&O: the snapshot finds no header, so header and lines are POSTed without a PATCH that misses.
    for (const line of landed(q).lines) {
      await fnoClient.deleteByKey('CDSSalesQuotationLines', {
        dataAreaId,
        SalesQuotationNumber: q.quoteNumber,
        LineCreationSequenceNumber: Number(line.LineCreationSequenceNumber),
      });
    }
    await fnoClient.deleteByKey(QUOTE_HEADERS, { dataAreaId, SalesQuotationNumber: q.quoteNumber });
    expect(landed(q)).toEqual({ header: null, lines: [] });
    edit(q, { name: `Created again ${q.quoteNumber}` });
    const created = await requestsOf();
    expect(created.counters).toMatchObject({ created: 1, failed: 0 });
    expect(landed(q).lines).toHaveLength(q.lines.length);
    expect(created.requests).toBe(updated.requests);
  });

  test('line failures past the connector’s own retries retry the write activity: complete, no line twice', async () => {
    const q = landedQuote(3);
    const name = `Retried ${q.quoteNumber}`;
    edit(q, { name }, { 2: { quantity: 23 } });
    // Every line is refused on the first try and on both inline retries; the activity's second attempt lands.
    const refusals = 3 * q.lines.length;
    const failedBefore = fno().stats().faults.failedWrites;
    fno().faults.configure({ latencyMs: 150 });
    const armed = (async () => {
      for (let i = 0; i < 3000; i++) {
        if (landed(q).header?.SalesQuotationName === name) {
          fno().faults.configure({ latencyMs: 150, failNextWrites: { count: refusals, status: 503 } });
          return true;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return false;
    })();
    const { workflowId, summary } = await runQuote(q);
    expect(await armed).toBe(true);
    expect(fno().faults.current().failNextWrites).toBeUndefined();
    expect(fno().stats().faults.failedWrites - failedBefore).toBe(refusals);
    expect(taskResult(summary, 'quoteHeaders').counters).toMatchObject({ read: 1, updated: 1, failed: 0 });

    const sequence = q.lines.map((l) => Number(l.sequencenumber)).sort((a, b) => a - b);
    const after = landed(q);
    expect(after.lines.map((l) => l.LineCreationSequenceNumber)).toEqual(sequence);
    expect(after.lines.find((l) => l.LineCreationSequenceNumber === 2)?.RequestedSalesQuantity).toBe(23);
    // The attempt that completed each activity: the write needed a second one, the plan did not.
    expect(activityAttempts(await sagaHistory(workflowId, q))).toEqual({ planDocument: 1, writeDocument: 2 });
  });

  test('an identical re-run writes no quote and traces each one unchanged; p2c trace shows it', async () => {
    const complete = quotes.filter((q) => q !== refused && landed(q).lines.length === q.lines.length);
    const versions = new Map(
      complete.map((q) => [q.quoteNumber, rowVersions(e2e.stack.emulators, dataAreaId, q.quoteNumber)]),
    );
    const { summary } = await e2e.run({ tasks: QUOTE_TASKS, mode: 'full' });
    expect(taskResult(summary, 'quoteHeaders').counters).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: complete.length + 1,
    });
    for (const q of complete) {
      expect({ quote: q.quoteNumber, versions: rowVersions(e2e.stack.emulators, dataAreaId, q.quoteNumber) }).toEqual({
        quote: q.quoteNumber,
        versions: versions.get(q.quoteNumber),
      });
    }

    const untouched = complete.find((q) => !used.has(q.quoteNumber))!;
    const cli = await runP2c(['trace', 'quoteHeaders', untouched.quoteNumber, '--json'], cliEnv(e2e, EXAMPLE_PROJECT));
    expect(cli.code).toBe(0);
    const traced = json<{ runs: Array<{ steps: Array<{ outcome: string; detail?: string }> }> }>(cli);
    expect(traced.runs.flatMap((r) => r.steps.map((s) => s.outcome))).toEqual(['created', 'unchanged']);
    expect(traced.runs[0].steps[0].detail).toBe(`header and ${untouched.lines.length} lines`);
  });
});
