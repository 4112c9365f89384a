/**
 * Sales-order lifecycle steps that in F&O are user or batch actions rather than OData writes: confirming an
 * order (status Confirmed, totals calculated as by the "Calculate sales totals" job) and invoicing it (posted
 * invoice header and lines; the P2C invoice entities show them when the customer is externally maintained).
 * Exposed as admin endpoints so end-to-end tests can drive an order through F&O.
 */
import type { FastifyInstance } from 'fastify';
import type { TableStore } from '../common/store';
import { EMPTY_DATETIME } from './entities';
import { formatDateTime, type FnoEngine, type RequestContext } from './engine';
import { FnoError } from './errors';
import type { Row } from './model';
import { sendError, toFnoError } from './routes';

const ORDER_HEADERS = 'CDSSalesOrderHeaders';
const INVOICE_HEADERS = 'SalesInvoiceHeadersV2';
const INVOICE_LINES = 'SalesInvoiceV2Lines';
const CLOSED_STATUSES = new Set(['Invoiced', 'Canceled']);

export interface InvoiceResult {
  invoice: Row;
  lines: Row[];
}

function orderTables(engine: FnoEngine) {
  return { header: engine.tables.get('SalesTable')!, line: engine.tables.get('SalesLine')! };
}

function loadOrder(engine: FnoEngine, dataAreaId: string, salesOrderNumber: string) {
  const entity = engine.entity(ORDER_HEADERS);
  const header = engine.findByKey(entity, { dataAreaId, SalesOrderNumber: salesOrderNumber });
  if (!header)
    throw new FnoError('not-found', `Sales order '${salesOrderNumber}' does not exist in company '${dataAreaId}'.`);
  const lines = engine.childrenOf(orderTables(engine).line, header);
  if (lines.length === 0) {
    throw new FnoError('request', `Sales order '${salesOrderNumber}' in company '${dataAreaId}' has no lines.`);
  }
  return { entity, header, lines };
}

function confirmNow(engine: FnoEngine, header: Row, today: string): Row {
  const { header: headerTable, line: lineTable } = orderTables(engine);
  const filled = (value: unknown) => (value && value !== EMPTY_DATETIME ? value : today);
  return engine.rollUpTotals(lineTable, headerTable, header, {
    SalesOrderProcessingStatus:
      header.SalesOrderProcessingStatus === 'Active' ? 'Confirmed' : header.SalesOrderProcessingStatus,
    ConfirmedShippingDate: filled(header.RequestedShippingDate),
    ConfirmedReceiptDate: filled(header.RequestedReceiptDate),
  });
}

function todayUtc(now: Date): string {
  return formatDateTime(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())));
}

/** Confirms an order: processing status Confirmed, AreTotalsUpdated Yes, header totals summed from the lines. */
export function confirmSalesOrder(
  engine: FnoEngine,
  store: TableStore,
  dataAreaId: string,
  salesOrderNumber: string,
  now: Date = new Date(),
): Promise<Row> {
  return store.atomically(async () => {
    const { entity, header } = loadOrder(engine, dataAreaId.toLowerCase(), salesOrderNumber);
    if (CLOSED_STATUSES.has(String(header.SalesOrderProcessingStatus))) {
      throw new FnoError(
        'request',
        `Sales order '${salesOrderNumber}' is ${String(header.SalesOrderProcessingStatus)} and cannot be confirmed.`,
      );
    }
    return engine.project(entity, confirmNow(engine, header, todayUtc(now)));
  });
}

/** Posts the invoice of a whole order (confirming it first when needed) and marks the order Invoiced. */
export function invoiceSalesOrder(
  engine: FnoEngine,
  store: TableStore,
  dataAreaId: string,
  salesOrderNumber: string,
  options: { invoiceDate?: string; now?: Date } = {},
): Promise<InvoiceResult> {
  return store.atomically(async () => {
    const company = dataAreaId.toLowerCase();
    const loaded = loadOrder(engine, company, salesOrderNumber);
    let header = loaded.header;
    if (CLOSED_STATUSES.has(String(header.SalesOrderProcessingStatus))) {
      throw new FnoError(
        'request',
        `Sales order '${salesOrderNumber}' is ${String(header.SalesOrderProcessingStatus)} and cannot be invoiced.`,
      );
    }
    const today = todayUtc(options.now ?? new Date());
    if (header.AreTotalsUpdated !== 'Yes' || header.SalesOrderProcessingStatus === 'Active') {
      header = confirmNow(engine, header, today);
    }
    const ctx: RequestContext = { defaultCompany: company, internal: true };
    const invoiceDate = options.invoiceDate ?? today;
    const invoiceHeader = engine.create(
      INVOICE_HEADERS,
      {
        dataAreaId: company,
        InvoiceDate: invoiceDate,
        SalesOrderNumber: header.SalesOrderNumber,
        SalesOrderOriginCode: header.SalesOrderOriginCode,
        InvoiceCustomerAccountNumber: header.InvoiceCustomerAccountNumber,
        ContactPersonId: header.ContactPersonId,
        CurrencyCode: header.CurrencyCode,
        CustomersOrderReference: header.CustomersOrderReference,
        PaymentTermsName: header.PaymentTermsName,
        DeliveryModeCode: header.DeliveryModeCode,
        DeliveryTermsCode: header.DeliveryTermsCode,
        InvoiceAddressStreet: header.InvoiceAddressStreet,
        InvoiceAddressStreetNumber: header.InvoiceAddressStreetNumber,
        InvoiceAddressCity: header.InvoiceAddressCity,
        InvoiceAddressState: header.InvoiceAddressStateId,
        InvoiceAddressZipCode: header.InvoiceAddressZipCode,
        InvoiceAddressCountryRegionId: header.InvoiceAddressCountryRegionId,
        InvoiceAddressCountryRegionISOCode: header.InvoiceAddressCountryRegionISOCode,
        TotalInvoiceAmount: header.OrderTotalAmount,
        TotalDiscountAmount: header.OrderTotalDiscountAmount,
        TotalChargeAmount: header.OrderTotalChargesAmount,
        TotalTaxAmount: header.OrderTotalTaxAmount,
        InvoiceHeaderTaxAmount: header.OrderHeaderTaxAmount,
      },
      ctx,
    );
    const invoiceTable = engine.tables.get('CustInvoiceJour')!;
    const posted = engine.patchInternal(invoiceTable, invoiceHeader, {
      SalesOrderOriginType: header.SalesOrderOriginType,
    });
    const { header: orderTable, line: lineTable } = orderTables(engine);
    const invoiceLines = loaded.lines.map((line) => {
      const created = engine.create(
        INVOICE_LINES,
        {
          dataAreaId: company,
          InvoiceNumber: posted.InvoiceNumber,
          InvoiceDate: posted.InvoiceDate,
          LedgerVoucher: posted.LedgerVoucher,
          LineCreationSequenceNumber: line.LineCreationSequenceNumber,
          ProductNumber: line.ProductNumber,
          ProductName: line.ProductName,
          ProductDescription: line.LineDescription,
          InvoicedQuantity: line.OrderedSalesQuantity,
          SalesUnitSymbol: line.SalesUnitSymbol,
          SalesPrice: line.SalesPrice,
          LineAmount: line.LineAmount,
          LineTotalDiscountAmount: line.TotalDiscountAmount,
          LineTotalChargeAmount: line.FixedPriceCharges,
          LineTotalTaxAmount: line.TotalTaxAmount,
          CurrencyCode: line.CurrencyCode,
          ConfirmedShippingDate: header.ConfirmedShippingDate,
          InventorySiteId: line.ShippingSiteId,
          InventoryWarehouseId: line.ShippingWarehouseId,
        },
        ctx,
      );
      engine.patchInternal(lineTable, line, { SalesOrderLineStatus: 'Invoiced' });
      return engine.project(engine.entity(INVOICE_LINES), created);
    });
    engine.patchInternal(orderTable, header, { SalesOrderProcessingStatus: 'Invoiced', SalesOrderStatus: 'Invoiced' });
    return { invoice: engine.project(engine.entity(INVOICE_HEADERS), posted), lines: invoiceLines };
  });
}

/** `POST /_admin/salesorders/:dataAreaId/:number/confirm` and `…/invoice` (body: `{ invoiceDate? }`). */
export function registerLifecycleRoutes(app: FastifyInstance, engine: FnoEngine, store: TableStore): void {
  type Params = { dataAreaId: string; number: string };
  app.post<{ Params: Params }>('/_admin/salesorders/:dataAreaId/:number/confirm', async (request, reply) => {
    try {
      return reply.send(await confirmSalesOrder(engine, store, request.params.dataAreaId, request.params.number));
    } catch (error) {
      return sendError(reply, toFnoError(error));
    }
  });
  app.post<{ Params: Params; Body: { invoiceDate?: unknown } | undefined }>(
    '/_admin/salesorders/:dataAreaId/:number/invoice',
    async (request, reply) => {
      try {
        const invoiceDate = request.body?.invoiceDate;
        if (invoiceDate !== undefined && (typeof invoiceDate !== 'string' || Number.isNaN(Date.parse(invoiceDate)))) {
          throw new FnoError(
            'request',
            `invoiceDate must be an ISO 8601 date-time, got ${JSON.stringify(invoiceDate)}.`,
          );
        }
        const result = await invoiceSalesOrder(engine, store, request.params.dataAreaId, request.params.number, {
          invoiceDate: invoiceDate === undefined ? undefined : formatDateTime(new Date(invoiceDate)),
        });
        return reply.code(201).send(result);
      } catch (error) {
        return sendError(reply, toFnoError(error));
      }
    },
  );
}
