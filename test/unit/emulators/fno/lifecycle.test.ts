import { errorOf, SAMPLE_SEED, startHarness, type FnoHarness } from './helpers';

const quote = (n: string) => `CDSSalesQuotationHeaders(dataAreaId='usmf',SalesQuotationNumber='${n}')`;
const order = (n: string) => `CDSSalesOrderHeaders(dataAreaId='usmf',SalesOrderNumber='${n}')`;

/** Totals computed from lines, order confirmation and invoicing. */
describe('F&O sales documents', () => {
  let h: FnoHarness;
  beforeAll(async () => {
    h = await startHarness({ seed: SAMPLE_SEED });
  });
  afterAll(() => h.close());

  const addLine = (set: string, body: Record<string, unknown>) => h.api(set, { method: 'POST', body });

  test('quotation totals follow the lines to the cent: qty × price − qty × per-unit discount', async () => {
    await h.api('CDSSalesQuotationHeaders', {
      method: 'POST',
      body: { SalesQuotationNumber: 'Q-T', RequestingCustomerAccountNumber: 'US-001' },
    });
    expect(await h.json(quote('Q-T'))).toMatchObject({
      QuotationTotalAmount: 0,
      CurrencyCode: 'USD',
      DefaultShippingSiteId: '1',
    });
    // 3 × 219.99 − 3 × 3.33 = 649.98; 7 × 149.50 − 0 = 1046.50; 2.5 × 80 − 2.5 × 0.15 = 199.63 (199.625 rounded)
    const lines = [
      { LineCreationSequenceNumber: 1, ProductNumber: 'D0001', RequestedSalesQuantity: 3, LineDiscountAmount: 3.33 },
      { LineCreationSequenceNumber: 2, ProductNumber: 'D0002', RequestedSalesQuantity: 7 },
      { LineCreationSequenceNumber: 3, ProductNumber: 'S0001', RequestedSalesQuantity: 2.5, LineDiscountAmount: 0.15 },
    ];
    for (const line of lines)
      expect((await addLine('CDSSalesQuotationLines', { SalesQuotationNumber: 'Q-T', ...line })).status).toBe(201);
    const first = await h.json(
      "CDSSalesQuotationLines(dataAreaId='usmf',SalesQuotationNumber='Q-T',LineCreationSequenceNumber=1)",
    );
    expect(first).toMatchObject({
      LineAmount: 649.98,
      TotalDiscountAmount: 9.99,
      SalesPrice: 219.99,
      SalesUnitSymbol: 'ea',
      ShippingWarehouseId: '13',
    });
    const header = await h.json(quote('Q-T'));
    expect(header).toMatchObject({
      QuotationTotalAmount: 1896.11,
      QuotationTotalDiscountAmount: 10.37,
      AreTotalsCalculated: 'Yes',
    });

    await h.api("CDSSalesQuotationLines(dataAreaId='usmf',SalesQuotationNumber='Q-T',LineCreationSequenceNumber=2)", {
      method: 'PATCH',
      body: { RequestedSalesQuantity: 1 },
    });
    expect((await h.json(quote('Q-T'))).QuotationTotalAmount).toBe(999.11);
    await h.api("CDSSalesQuotationLines(dataAreaId='usmf',SalesQuotationNumber='Q-T',LineCreationSequenceNumber=3)", {
      method: 'DELETE',
    });
    expect((await h.json(quote('Q-T'))).QuotationTotalAmount).toBe(799.48);
  });

  test('line and header amounts are decimal: half-cent line amounts round away from zero', async () => {
    await h.api('CDSSalesQuotationHeaders', {
      method: 'POST',
      body: { SalesQuotationNumber: 'Q-R', RequestingCustomerAccountNumber: 'US-001' },
    });
    // Each net amount is exactly half a cent in decimals and just below it in binary floating point
    // (7.35 × 276.77 − 7.35 × 34.27 = 1782.375, as a float 1782.3749999999995).
    const lines = [
      { quantity: 7.35, price: 276.77, discount: 34.27, amount: 1782.38 },
      { quantity: 42.5, price: 830.74, discount: 31.25, amount: 33978.33 },
      { quantity: 9.1, price: 477.31, discount: 21.96, amount: 4143.69 },
      { quantity: 69.5, price: 13.19, discount: 0, amount: 916.71 },
      { quantity: -3, price: 1.115, discount: 0, amount: -3.35 },
      { quantity: 13.19, price: 69.5, discount: 6.95, amount: 825.03 },
      ...Array.from({ length: 14 }, () => ({ quantity: 1, price: 0.1, discount: 0, amount: 0.1 })),
    ];
    for (const [index, line] of lines.entries()) {
      const response = await addLine('CDSSalesQuotationLines', {
        SalesQuotationNumber: 'Q-R',
        LineCreationSequenceNumber: index + 1,
        ProductNumber: 'D0001',
        RequestedSalesQuantity: line.quantity,
        SalesPrice: line.price,
        LineDiscountAmount: line.discount,
      });
      expect(response.status).toBe(201);
      expect({ line: index + 1, amount: ((await response.json()) as { LineAmount: number }).LineAmount }).toEqual({
        line: index + 1,
        amount: line.amount,
      });
    }
    expect(await h.json(quote('Q-R'))).toMatchObject({ QuotationTotalAmount: 41644.19 });
  });

  test('deleting a quotation header deletes its lines', async () => {
    await h.api('CDSSalesQuotationHeaders', {
      method: 'POST',
      body: { SalesQuotationNumber: 'Q-D', RequestingCustomerAccountNumber: 'US-001' },
    });
    await addLine('CDSSalesQuotationLines', {
      SalesQuotationNumber: 'Q-D',
      ProductNumber: 'S0001',
      RequestedSalesQuantity: 1,
    });
    expect((await h.api(quote('Q-D'), { method: 'DELETE' })).status).toBe(204);
    expect(await (await h.api("CDSSalesQuotationLines/$count?$filter=SalesQuotationNumber eq 'Q-D'")).text()).toBe('0');
  });

  test('an order confirmed by the admin endpoint gets status Confirmed, AreTotalsUpdated Yes and totals from its lines', async () => {
    await h.api('CDSSalesOrderHeaders', {
      method: 'POST',
      body: { SalesOrderNumber: 'SO-1', OrderingCustomerAccountNumber: 'US-001' },
    });
    await addLine('CDSSalesOrderLines', {
      SalesOrderNumber: 'SO-1',
      ProductNumber: 'D0001',
      OrderedSalesQuantity: 2,
      LineDiscountAmount: 10,
    });
    await addLine('CDSSalesOrderLines', {
      SalesOrderNumber: 'SO-1',
      ProductNumber: 'S0001',
      OrderedSalesQuantity: 1.5,
    });
    const before = await h.json(order('SO-1'));
    expect(before).toMatchObject({
      SalesOrderProcessingStatus: 'Active',
      AreTotalsUpdated: 'No',
      OrderTotalAmount: 0,
      OrderingCustomerIsExternallyMaintained: 'Yes',
    });

    const confirmed = await fetch(`${h.emu.url}/_admin/salesorders/usmf/SO-1/confirm`, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    const after = await h.json(order('SO-1'));
    // 2 × 219.99 − 2 × 10 = 419.98; 1.5 × 80 = 120
    expect(after).toMatchObject({
      SalesOrderProcessingStatus: 'Confirmed',
      AreTotalsUpdated: 'Yes',
      OrderTotalAmount: 539.98,
      OrderTotalDiscountAmount: 20,
    });
    expect(after['@odata.etag']).not.toBe(before['@odata.etag']);
    // The generic entity names the same column AreTotalsCalculated; lines show the header's status.
    expect(await h.json("SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='SO-1')")).toMatchObject({
      AreTotalsCalculated: 'Yes',
    });
    const lines = await h.json(
      "CDSSalesOrderLines?$filter=SalesOrderNumber eq 'SO-1' and SalesOrderProcessingStatus eq Microsoft.Dynamics.DataEntities.SalesOrderProcessingStatus'Confirmed'",
    );
    expect(lines.value).toHaveLength(2);

    // A later line change makes the totals stale until the next confirmation.
    await addLine('CDSSalesOrderLines', { SalesOrderNumber: 'SO-1', ProductNumber: 'S0001', OrderedSalesQuantity: 1 });
    expect((await h.json(order('SO-1'))).AreTotalsUpdated).toBe('No');
  });

  test('invoicing an order of externally maintained customers shows in the P2C invoice entities; others only in the generic ones', async () => {
    for (const [number, customer] of [
      ['SO-EM', 'US-001'],
      ['SO-IN', 'US-002'],
    ]) {
      await h.api('CDSSalesOrderHeaders', {
        method: 'POST',
        body: { SalesOrderNumber: number, OrderingCustomerAccountNumber: customer, InvoiceAddressCity: 'San Diego' },
      });
      await addLine('CDSSalesOrderLines', {
        SalesOrderNumber: number,
        ProductNumber: 'D0002',
        OrderedSalesQuantity: 4,
        LineDiscountAmount: 1.25,
      });
    }
    const response = await fetch(`${h.emu.url}/_admin/salesorders/usmf/SO-EM/invoice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ invoiceDate: '2026-03-31T00:00:00Z' }),
    });
    expect(response.status).toBe(201);
    const posted = (await response.json()) as {
      invoice: Record<string, unknown>;
      lines: Array<Record<string, unknown>>;
    };
    // 4 × 149.50 − 4 × 1.25 = 593.00
    expect(posted.invoice).toMatchObject({
      SalesOrderNumber: 'SO-EM',
      InvoiceDate: '2026-03-31T00:00:00Z',
      TotalInvoiceAmount: 593,
      InvoiceAddressCity: 'San Diego',
    });
    expect(posted.invoice.InvoiceNumber).toMatch(/^CIV-\d{6}$/);
    expect(posted.lines).toEqual([
      expect.objectContaining({
        LineCreationSequenceNumber: 1,
        ProductNumber: 'D0002',
        InvoicedQuantity: 4,
        LineAmount: 593,
      }),
    ]);
    await h.emu.invoiceSalesOrder('usmf', 'SO-IN');

    const em = await h.json('ExternallyMaintainedCustomerSalesInvoiceHeaders?$select=SalesOrderNumber,InvoiceNumber');
    expect(em.value.map((r: { SalesOrderNumber: string }) => r.SalesOrderNumber)).toEqual(['SO-EM']);
    const emLines = await h.json('ExternallyMaintainedCustomerSalesInvoiceLines');
    expect(emLines.value).toHaveLength(1);
    const all = await h.json('SalesInvoiceHeadersV2?$select=SalesOrderNumber');
    expect(all.value.map((r: { SalesOrderNumber: string }) => r.SalesOrderNumber).sort()).toEqual(['SO-EM', 'SO-IN']);
    const key = `dataAreaId='usmf',InvoiceNumber='${String(posted.invoice.InvoiceNumber)}',InvoiceDate=2026-03-31T00:00:00Z,LedgerVoucher='${String(posted.invoice.LedgerVoucher)}'`;
    const byKey = await h.json(`ExternallyMaintainedCustomerSalesInvoiceHeaders(${key})?$expand=SalesInvoiceLines`);
    expect(byKey.SalesInvoiceLines).toHaveLength(1);

    expect(await h.json(order('SO-EM'))).toMatchObject({
      SalesOrderProcessingStatus: 'Invoiced',
      SalesOrderStatus: 'Invoiced',
      AreTotalsUpdated: 'Yes',
    });
    const again = await fetch(`${h.emu.url}/_admin/salesorders/usmf/SO-EM/invoice`, { method: 'POST' });
    expect(again.status).toBe(400);
    expect((await errorOf(again)).message).toMatch(/is Invoiced and cannot be invoiced/);
  });

  test('posted invoices are read-only through OData', async () => {
    const response = await h.api('SalesInvoiceHeadersV2', { method: 'POST', body: { SalesOrderNumber: 'X' } });
    expect(response.status).toBe(405);
  });

  test('confirming an unknown order is 404; an order without lines cannot be confirmed', async () => {
    expect((await fetch(`${h.emu.url}/_admin/salesorders/usmf/NOPE/confirm`, { method: 'POST' })).status).toBe(404);
    await h.api('CDSSalesOrderHeaders', {
      method: 'POST',
      body: { SalesOrderNumber: 'SO-E', OrderingCustomerAccountNumber: 'US-001' },
    });
    const empty = await fetch(`${h.emu.url}/_admin/salesorders/usmf/SO-E/confirm`, { method: 'POST' });
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).message).toMatch(/has no lines/);
  });
});
