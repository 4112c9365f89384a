/**
 * Orders and invoices round trip on the real dev server and both emulators: an order activated in Sales reaches
 * F&O with its lines, is confirmed there and comes back to Sales as confirmed; its posted invoice then reaches
 * Sales linked to the order's account and to the order, with a line per order line. Every order then makes the
 * round trip to the cent: discounts come back as they were and invoice lines add up to the invoice total.
 */
import { addAmounts, resolveTasks, sourceKeyOf, type TaskDefinition } from '../../../mappings';
import { PROCESSING_STATUS } from '../../../mappings/value-maps';
import type { SourceRow } from '../../../common/types';
import { differences, expectedRows, readAllSource } from '../../support/expectations';
import { startE2E, taskResult, type E2E } from '../../support/e2e';

const PREREQUISITES = ['products', 'accounts', 'contactsToCustomers'];
const TO_FNO = ['salesOrdersToFno', 'salesOrderLinesToFno'];
const FROM_FNO = ['salesOrdersFromFno', 'salesOrderLinesFromFno'];
const INVOICES = ['invoiceHeaders', 'invoiceLines'];

describe('orders and invoices round trip', () => {
  let e2e: E2E;
  let tasks: Map<string, TaskDefinition>;
  const partition = () => e2e.project.partitions[0];

  /** Sales order lines as seeded, by order number and sequence: what every round trip must give back. */
  const seededLines = new Map<string, SourceRow>();
  const lineId = (orderNumber: unknown, sequence: unknown) => `${String(orderNumber)}/${String(sequence)}`;

  beforeAll(async () => {
    e2e = await startE2E({
      seed: { accounts: 120, products: 80, quotes: 0, orders: 24 },
      serviceProtection: false,
    });
    tasks = new Map(resolveTasks(e2e.project).map((t) => [t.name, t]));
    for (const line of e2e.stack.emulators.dataverse.store.table('salesorderdetails').rows()) {
      seededLines.set(lineId(line.msdynce_ordernumber, line.sequencenumber), { ...line });
    }
  });
  afterAll(async () => {
    await e2e?.close();
  });

  test('a Sales order reaches F&O, is confirmed there, and its invoice comes back linked to account and order', async () => {
    const clients = e2e.stack.clients;
    const fno = e2e.stack.emulators.fno;
    const first = await e2e.run({ tasks: [...PREREQUISITES, ...TO_FNO], mode: 'full' });
    expect(taskResult(first.summary, 'salesOrdersToFno').counters.failed).toBe(0);

    // Every activated order landed in F&O field for field, lines included.
    const headerTask = tasks.get('salesOrdersToFno')!;
    const orders = await expectedRows(clients, headerTask, partition());
    const lines = await expectedRows(clients, tasks.get('salesOrderLinesToFno')!, partition());
    expect(orders.length).toBe(e2e.stack.emulators.manifest!.subsets.activatedOrders);
    expect(taskResult(first.summary, 'salesOrdersToFno').counters.created).toBe(orders.length);
    expect(await differences(clients, [...orders, ...lines])).toEqual([]);

    // An order of an account (not a contact) makes the round trip.
    const sourceOrders = await readAllSource(clients, headerTask, partition());
    const source = sourceOrders.find((row) => (row.customerid_account as SourceRow | null)?.accountnumber)!;
    expect(source).toBeDefined();
    const orderNumber = sourceKeyOf(headerTask, source);
    const accountNumber = String((source.customerid_account as SourceRow).accountnumber);
    const orderLines = lines.filter((l) => l.key.SalesOrderNumber === orderNumber);
    expect(orderLines.length).toBeGreaterThan(0);

    await fno.confirmSalesOrder(partition().dataAreaId, orderNumber);
    const back = await e2e.run({ tasks: FROM_FNO });
    expect(taskResult(back.summary, 'salesOrdersFromFno').counters).toMatchObject({ read: 1, updated: 1, failed: 0 });
    const salesOrder = await clients.dataverse.getByKey('salesorders', { ordernumber: orderNumber });
    const account = await clients.dataverse.getByKey('accounts', { accountnumber: accountNumber });
    expect(salesOrder).toMatchObject({
      msdynce_processingstatus: PROCESSING_STATUS.confirmed,
      msdynce_ismaintainedexternally: true,
      _customerid_value: account!.accountid,
    });
    const fromFno = await expectedRows(clients, tasks.get('salesOrderLinesFromFno')!, partition());
    expect(fromFno.filter((l) => l.key.msdynce_ordernumber === orderNumber)).toHaveLength(orderLines.length);
    expect(await differences(clients, fromFno)).toEqual([]);

    const posted = await fno.invoiceSalesOrder(partition().dataAreaId, orderNumber);
    const invoiced = await e2e.run({ tasks: INVOICES });
    expect(taskResult(invoiced.summary, 'invoiceHeaders').counters).toMatchObject({ read: 1, created: 1, failed: 0 });
    const invoiceNumber = String(posted.invoice.InvoiceNumber);
    const invoice = await clients.dataverse.getByKey('invoices', { invoicenumber: invoiceNumber });
    expect(invoice).toMatchObject({
      _customerid_value: account!.accountid,
      _salesorderid_value: salesOrder!.salesorderid,
      msdynce_ismaintainedexternally: true,
    });
    const invoiceLines = await expectedRows(clients, tasks.get('invoiceLines')!, partition());
    expect(invoiceLines).toHaveLength(orderLines.length);
    expect(
      await differences(clients, [
        ...(await expectedRows(clients, tasks.get('invoiceHeaders')!, partition())),
        ...invoiceLines,
      ]),
    ).toEqual([]);
    expect(Number(invoice!.totalamount)).toBe(Number(posted.invoice.TotalInvoiceAmount));
  }, 300_000);

  test('every order comes back from F&O and is invoiced to the cent: line discounts as they were, lines add up', async () => {
    const fno = e2e.stack.emulators.fno;
    const store = e2e.stack.emulators.dataverse.store;
    const company = partition().dataAreaId;
    const open = [...fno.engine.scan(fno.engine.entity('CDSSalesOrderHeaders'), new Set([company]))].filter(
      (order) => order.SalesOrderProcessingStatus !== 'Invoiced',
    );
    expect(open.length).toBeGreaterThan(5);
    const invoices = new Map<string, string>();
    for (const order of open) {
      const posted = await fno.invoiceSalesOrder(company, String(order.SalesOrderNumber));
      invoices.set(String(posted.invoice.InvoiceNumber), String(order.SalesOrderNumber));
    }
    const { summary } = await e2e.run({ tasks: [...FROM_FNO, ...INVOICES] });
    expect(summary.tasks.map((t) => ({ task: t.task, failed: t.counters.failed }))).toEqual([
      { task: 'salesOrdersFromFno', failed: 0 },
      { task: 'invoiceHeaders', failed: 0 },
    ]);

    // §7.2 round trip: each Sales order line holds the discount it was activated with, to the cent.
    const changed: string[] = [];
    let checked = 0;
    for (const line of store.table('salesorderdetails').rows()) {
      const seeded = seededLines.get(lineId(line.msdynce_ordernumber, line.sequencenumber));
      if (!seeded || !open.some((o) => o.SalesOrderNumber === line.msdynce_ordernumber)) continue;
      checked++;
      if (line.manualdiscountamount !== seeded.manualdiscountamount) {
        changed.push(
          `${lineId(line.msdynce_ordernumber, line.sequencenumber)}: ${String(seeded.manualdiscountamount)} → ${String(line.manualdiscountamount)}`,
        );
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(changed).toEqual([]);

    // Each Sales invoice: its lines carry the order lines' discount and extended amount, and add up to its total.
    const invoiceLines = [...store.table('invoicedetails').rows()];
    for (const [invoiceNumber, orderNumber] of invoices) {
      const invoice = [...store.table('invoices').rows()].find((i) => i.invoicenumber === invoiceNumber)!;
      const lines = invoiceLines.filter((l) => l.msdynce_invoicenumber === invoiceNumber);
      const amounts = lines.map((l) => ({
        line: l.sequencenumber,
        discount: l.manualdiscountamount,
        extended: l.extendedamount,
      }));
      const ordered = lines.map((l) => {
        const seeded = seededLines.get(lineId(orderNumber, l.sequencenumber))!;
        return { line: l.sequencenumber, discount: seeded.manualdiscountamount, extended: seeded.extendedamount };
      });
      expect({ invoiceNumber, amounts }).toEqual({ invoiceNumber, amounts: ordered });
      expect({ invoiceNumber, total: addAmounts(...lines.map((l) => Number(l.extendedamount))) }).toEqual({
        invoiceNumber,
        total: invoice.totalamount,
      });
    }
  }, 300_000);
});
