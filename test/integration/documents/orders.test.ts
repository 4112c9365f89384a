/**
 * Orders and invoices round trip on the real dev server and both emulators: an order activated in Sales reaches
 * F&O with its lines, is confirmed there and comes back to Sales as confirmed; its posted invoice then reaches
 * Sales linked to the order's account and to the order, with a line per order line.
 */
import { resolveTasks, sourceKeyOf, type TaskDefinition } from '../../../mappings';
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

  beforeAll(async () => {
    e2e = await startE2E({
      seed: { accounts: 120, products: 80, quotes: 0, orders: 24 },
      serviceProtection: false,
    });
    tasks = new Map(resolveTasks(e2e.project).map((t) => [t.name, t]));
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
});
