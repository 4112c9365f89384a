/**
 * The document saga's undo (compensateDocument) against the F&O emulator: it brings a quotation back to its
 * snapshot whatever the write did, retries the activity while an undo fails transiently, and reports on the last
 * attempt what it could not undo instead of failing silently.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/activity';
import {
  createDocumentActivities,
  type CompensateDocumentInput,
  type DocumentCompensated,
  type DocumentSnapshot,
  type WriteDocumentInput,
} from '../../../activities/documents';
import { connectionToEmulators } from '../../../client/local-stack';
import { openCheckpointStore, type CheckpointStore } from '../../../common/checkpoint-store';
import type { TargetRow } from '../../../common/types';
import { startEmulators, type Emulators } from '../../../emulators';
import { createClients, type Clients } from '../../../worker/connections';
import { RETRYABLE } from '../../../workflows/activity-options';

const DATA_AREA = 'usmf';
const HEADERS = 'CDSSalesQuotationHeaders';
const LINES = 'CDSSalesQuotationLines';
const MAXIMUM_ATTEMPTS = 10;
/** F&O refuses a quotation without an existing customer; the test writes this one first. */
const CUSTOMER = 'C-UNDO';

describe('compensateDocument', () => {
  let emulators: Emulators;
  let clients: Clients;
  let store: CheckpointStore;
  let activities: ReturnType<typeof createDocumentActivities>;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-saga-undo-'));
  let quotes = 0;
  /** What F&O needs on a stocked line: a released product and where it ships from. */
  let stock: Record<string, string>;

  beforeAll(async () => {
    emulators = await startEmulators({ seed: { accounts: 4, contacts: 0, products: 3, quotes: 0, orders: 3 } });
    clients = createClients(connectionToEmulators(emulators.connection));
    store = await openCheckpointStore({ kind: 'sqlite', file: path.join(tmp, 'checkpoints.sqlite') });
    activities = createDocumentActivities({ ...clients, store });
    const first = (entity: string) => [...emulators.fno.engine.scan(emulators.fno.engine.entity(entity))][0];
    stock = {
      ProductNumber: String(first('SellableReleasedProducts').ProductNumber),
      ShippingSiteId: String(first('OperationalSites').SiteId),
      ShippingWarehouseId: String(first('Warehouses').WarehouseId),
    };
    await write([
      {
        sourceKey: CUSTOMER,
        entitySet: 'CustomersV3',
        key: { dataAreaId: DATA_AREA, CustomerAccount: CUSTOMER },
        fields: {
          OrganizationName: 'Undo Ltd',
          CustomerGroupId: '10',
          SalesCurrencyCode: 'USD',
        },
      },
    ]);
  });
  afterAll(async () => {
    await store?.close();
    await clients?.close();
    await emulators?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  afterEach(() => emulators.fno.faults.reset());

  const header = (number: string, name: string): TargetRow => ({
    sourceKey: number,
    entitySet: HEADERS,
    key: { dataAreaId: DATA_AREA, SalesQuotationNumber: number },
    fields: {
      dataAreaId: DATA_AREA,
      SalesQuotationNumber: number,
      SalesQuotationName: name,
      RequestingCustomerAccountNumber: CUSTOMER,
      CurrencyCode: 'USD',
    },
  });
  const line = (number: string, sequence: number, quantity: number): TargetRow => {
    const key = { dataAreaId: DATA_AREA, SalesQuotationNumber: number, LineCreationSequenceNumber: sequence };
    return {
      sourceKey: `${number}/${sequence}`,
      entitySet: LINES,
      key,
      fields: { ...key, ...stock, RequestedSalesQuantity: quantity },
    };
  };

  async function write(rows: TargetRow[]): Promise<void> {
    const outcomes = await clients.fno.upsertBatch(rows, { continueOnError: true });
    expect(outcomes.filter((o) => o.status === 'failed')).toEqual([]);
  }

  async function state(number: string) {
    const rows = await clients.fno.readPages(LINES, {
      filter: `SalesQuotationNumber eq '${number}'`,
      pageSize: 100,
      dataAreaId: DATA_AREA,
    });
    const lines: Array<[unknown, unknown]> = [];
    for await (const page of rows)
      for (const row of page.rows) lines.push([row.LineCreationSequenceNumber, row.RequestedSalesQuantity]);
    const head = await clients.fno.getByKey(HEADERS, { dataAreaId: DATA_AREA, SalesQuotationNumber: number });
    return { name: head?.SalesQuotationName ?? null, lines: lines.sort((a, b) => Number(a[0]) - Number(b[0])) };
  }

  /** A quotation with one line as it was, and the saga's write over it: new name, line 1 changed, line 2 added. */
  async function writtenOverSnapshot(): Promise<{ number: string; snapshot: DocumentSnapshot }> {
    const number = `QUO-UNDO-${++quotes}`;
    await write([header(number, 'Before')]);
    await write([line(number, 1, 1)]);
    const snapshot: DocumentSnapshot = {
      header: { entitySet: HEADERS, key: header(number, '').key, before: { SalesQuotationName: 'Before' } },
      lines: [
        { entitySet: LINES, key: line(number, 1, 0).key, before: { RequestedSalesQuantity: 1 } },
        { entitySet: LINES, key: line(number, 2, 0).key },
      ],
    };
    await write([header(number, 'After')]);
    await write([line(number, 1, 5), line(number, 2, 7)]);
    expect(await state(number)).toEqual({
      name: 'After',
      lines: [
        [1, 5],
        [2, 7],
      ],
    });
    return { number, snapshot };
  }

  /** The saga run a test's activities act for: one document of one task run. */
  const documentRef = (number: string) => ({
    ref: {
      project: 'undo',
      task: 'quoteHeaders',
      partition: { dataAreaId: DATA_AREA, businessUnit: 'USMF' },
      runId: 'run-1',
    },
    workflowId: `saga/${number}`,
    task: 'quoteHeaders',
    documentKey: number,
  });

  const compensate = (
    number: string,
    snapshot: DocumentSnapshot,
    attempt: number,
    system: CompensateDocumentInput['system'] = 'fno',
    sagaRunId = 'saga-run-0',
  ): Promise<DocumentCompensated> => {
    const input: CompensateDocumentInput = {
      ...documentRef(number),
      system,
      snapshot,
      reason: `line ${number}/3: refused`,
    };
    return new MockActivityEnvironment({
      attempt,
      retryPolicy: { maximumAttempts: MAXIMUM_ATTEMPTS },
      workflowExecution: { workflowId: `saga/${number}`, runId: sagaRunId },
    }).run(activities.compensateDocument, input);
  };

  test('restores changed rows, deletes created ones, and leaves matching rows alone', async () => {
    const { number, snapshot } = await writtenOverSnapshot();
    const result = await compensate(number, snapshot, 1);
    expect(result).toEqual({ undone: 3, compensationFailures: [] });
    expect(await state(number)).toEqual({ name: 'Before', lines: [[1, 1]] });
    const [trace] = await store.trace('quoteHeaders', number);
    expect(trace).toMatchObject({ outcome: 'failed', workflowId: `saga/${number}` });
    expect(trace.detail).toBe(
      `line ${number}/3: refused; compensated: 3 rows deleted or restored to their state before the run`,
    );

    // Run again (a retried activity): the quotation already matches its snapshot, so nothing is written, and the
    // run keeps one trace entry for the document.
    expect(await compensate(number, snapshot, 2)).toEqual({ undone: 0, compensationFailures: [] });
    expect(await state(number)).toEqual({ name: 'Before', lines: [[1, 1]] });
    expect(await store.trace('quoteHeaders', number)).toHaveLength(1);
  });

  test('an undo refused transiently fails the attempt so Temporal retries it; the retry finishes the job', async () => {
    const { number, snapshot } = await writtenOverSnapshot();
    // The restore of line 1 is refused on its first try and both inline retries; the other undos still run.
    emulators.fno.faults.configure({ failNextWrites: { count: 3, status: 503 } });
    const attempt = compensate(number, snapshot, 1);
    await expect(attempt).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(attempt).rejects.toMatchObject({
      type: RETRYABLE,
      message: expect.stringContaining(`"LineCreationSequenceNumber":1`),
    });
    expect(await state(number)).toEqual({ name: 'Before', lines: [[1, 5]] });

    expect(await compensate(number, snapshot, 2)).toEqual({ undone: 1, compensationFailures: [] });
    expect(await state(number)).toEqual({ name: 'Before', lines: [[1, 1]] });
  });

  test('on the last attempt a transient refusal is reported as a compensation failure, not swallowed', async () => {
    const { number, snapshot } = await writtenOverSnapshot();
    emulators.fno.faults.configure({ failNextWrites: { count: 3, status: 503 } });
    const result = await compensate(number, snapshot, MAXIMUM_ATTEMPTS);
    expect(result.undone).toBe(2);
    expect(result.compensationFailures).toEqual([
      expect.stringMatching(new RegExp(`^${LINES} .*"SalesQuotationNumber":"${number}".*restoring failed: .*503`)),
    ]);
    const [trace] = await store.trace('quoteHeaders', number);
    expect(trace.detail).toContain('compensation failed, the target may need attention');
  });

  test('a saga re-planned after its half write undoes to the snapshot journaled before its first write', async () => {
    const number = `QUO-UNDO-${++quotes}`;
    const sagaRunId = `saga-run-${number}`;
    // Line 2 names a product F&O does not have: every write of the document is refused there, after line 1 landed.
    const lines = [
      line(number, 1, 3),
      { ...line(number, 2, 4), fields: { ...line(number, 2, 4).fields, ProductNumber: 'NO-SUCH-ITEM' } },
    ];
    const writeAs = (snapshot: DocumentSnapshot, outcome: WriteDocumentInput['outcome']) =>
      new MockActivityEnvironment({ workflowExecution: { workflowId: `saga/${number}`, runId: sagaRunId } }).run(
        activities.writeDocument,
        {
          ...documentRef(number),
          system: 'fno' as const,
          lineTask: 'quoteLines',
          header: header(number, 'New'),
          lines,
          hash: 'h-new',
          outcome,
          snapshot,
        },
      );
    const absent: DocumentSnapshot = {
      header: { entitySet: HEADERS, key: header(number, '').key },
      lines: lines.map((l) => ({ entitySet: LINES, key: l.key })),
    };
    // The first attempt leaves the header and line 1; its worker dies before the saga records anything.
    expect(await writeAs(absent, 'created')).toMatchObject({ status: 'rejected', outcome: 'created' });
    expect(await state(number)).toEqual({ name: 'New', lines: [[1, 3]] });

    // Planned again, the saga's snapshot is of its own half write. The journal still holds the first one.
    const replanned: DocumentSnapshot = {
      header: { ...absent.header, before: { SalesQuotationName: 'New' } },
      lines: [{ ...absent.lines[0], before: { RequestedSalesQuantity: 3 } }, absent.lines[1]],
    };
    expect(await writeAs(replanned, 'updated')).toMatchObject({ status: 'rejected', outcome: 'created' });
    expect(await store.journaledSnapshot(sagaRunId)).toEqual(absent);

    // The undo goes back to what F&O held before the saga: no quotation at all.
    expect(await compensate(number, replanned, 1, 'fno', sagaRunId)).toEqual({ undone: 2, compensationFailures: [] });
    expect(await state(number)).toEqual({ name: null, lines: [] });
    expect(await store.journaledSnapshot(sagaRunId)).toBeUndefined();
  });

  test('Dataverse lines are found by the order number they carry; only the changed line is restored', async () => {
    const details = emulators.dataverse.store.table('salesorderdetails');
    const byOrder = new Map<string, Array<Record<string, unknown>>>();
    for (const row of details.rows()) {
      const number = String(row.msdynce_ordernumber);
      byOrder.set(number, [...(byOrder.get(number) ?? []), row]);
    }
    const [orderNumber, lines] = [...byOrder].find(([, rows]) => rows.length >= 2)!;
    const order = await clients.dataverse.getByKey('salesorders', { ordernumber: orderNumber });
    const snapshot: DocumentSnapshot = {
      header: { entitySet: 'salesorders', key: { ordernumber: orderNumber }, before: { name: order!.name } },
      lines: lines.map((l) => ({
        entitySet: 'salesorderdetails',
        key: { msdynce_ordernumber: orderNumber, sequencenumber: Number(l.sequencenumber) },
        before: { quantity: l.quantity },
      })),
    };
    const [changed, ...others] = lines;
    details.replace(changed.salesorderdetailid, { ...changed, quantity: Number(changed.quantity) + 3 });
    const versions = () => others.map((l) => details.get(l.salesorderdetailid)!.versionnumber);
    const untouched = versions();

    const result = await compensate(orderNumber, snapshot, 1, 'sales');
    expect(result).toEqual({ undone: 1, compensationFailures: [] });
    expect(details.get(changed.salesorderdetailid)!.quantity).toBe(changed.quantity);
    expect(versions()).toEqual(untouched);
  });
});
