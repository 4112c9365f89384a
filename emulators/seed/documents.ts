import { addAmounts, divideAmount, multiplyAmounts, roundAmount, subtractAmounts } from '../../mappings/money';
import { PROCESSING_STATUS } from '../../mappings/value-maps';
import { FIELD_TYPES } from '../fno/catalog';
import { SALES_ONLY_UNIT } from './catalog';
import { badRow, planBadRows } from './bad-rows';
import { autoNumber, bindById, metadataMaxLength, seedDate, type SeedContext, type TaggedSet } from './context';
import type { Parties } from './parties';
import { addressOf } from './people';
import type { Products, SalesProduct } from './products';
import { convertAmount, type ReferenceData } from './reference';
import type { Rng } from './prng';
import type { BadRowKind, SeedRow, SeedSubsets } from './types';

export const QUOTE_NUMBER_PREFIX = 'QUO';
export const ORDER_NUMBER_PREFIX = 'ORD';
const MAX_LINES = 20;
/** Sales line and header amounts carry two decimals. */
const SALES_MONEY_DECIMALS = 2;
/** The "product missing in F&O" quote breaks on this line, after two good ones were written (saga rollback). */
export const MISSING_PRODUCT_LINE = 3;

/** Quote statecode / statuscode pairs: Draft/In Progress, Active/Open, Won/Won, Closed/Lost or Canceled. */
export const QUOTE_STATES = {
  draft: { statecode: 0, statuscode: 1 },
  active: { statecode: 1, statuscode: 3 },
  won: { statecode: 2, statuscode: 4 },
  lost: { statecode: 3, statuscode: 5 },
  canceled: { statecode: 3, statuscode: 6 },
} as const;
const QUOTE_STATE_NAMES = ['draft', 'active', 'won', 'lost', 'canceled'] as const;
const QUOTE_STATE_WEIGHTS = [20, 50, 15, 10, 5] as const;

/** Sales order statecode 0 Active; statuscode 1 New (draft), 2 Pending (activated, waiting for F&O). */
const ORDER_STATUS_REASON = { draft: 1, activated: 2 } as const;
const ACTIVATED_ORDER_SHARE = 0.7;
const DRAFT_ORDER_WRITE_IN_SHARE = 0.1;

const QUOTE_TOPICS = [
  'Showroom fit-out',
  'Conference room audio',
  'Annual cable replenishment',
  'Home cinema package',
  'Store refresh',
  'Service contract renewal',
  'Warehouse spares',
] as const;

interface Customer {
  bindProperty: 'customerid_account@odata.bind' | 'customerid_contact@odata.bind';
  bind: string;
  name: string;
  company: number;
  /** The account or contact row; its address1_* columns become the ship-to address. */
  row: SeedRow;
}

interface LineSpec {
  product: SalesProduct;
  unitName: string;
}

interface DocumentTotals {
  lines: number;
  amount: number;
}

type QuoteKind = Extract<BadRowKind, `quote-${string}`>;

function customerPicker(parties: Parties) {
  const accounts = parties.syncedAccounts.flat();
  const contacts = parties.customerContacts.flat();
  const accountCustomer = (index: number): Customer => {
    const row = parties.accounts[index];
    return {
      bindProperty: 'customerid_account@odata.bind',
      bind: parties.accountBinds[index],
      name: String(row.name),
      company: parties.accountCompany[index],
      row,
    };
  };
  return {
    available: accounts.length + contacts.length > 0,
    unsynced: parties.unsyncableAccounts.flat(),
    accountCustomer,
    pick(rng: Rng): Customer {
      if (contacts.length > 0 && (accounts.length === 0 || rng.chance(0.2))) {
        const index = contacts[rng.int(0, contacts.length - 1)];
        const row = parties.contacts[index];
        return {
          bindProperty: 'customerid_contact@odata.bind',
          bind: bindById('contacts', String(row.contactid)),
          name: `${String(row.firstname)} ${String(row.lastname)}`,
          company: parties.contactCompany[index],
          row,
        };
      }
      return accountCustomer(accounts[rng.int(0, accounts.length - 1)]);
    },
  };
}

/**
 * Topic plus customer, cut to what the F&O document name takes: a quote or order name is not a planted bad row,
 * so it must fit SalesQuotationName and SalesOrderName.
 */
const DOCUMENT_NAME_MAX = Math.min(
  metadataMaxLength('F&O SalesQuotationName', FIELD_TYPES.SalesQuotationName),
  metadataMaxLength('F&O SalesOrderName', FIELD_TYPES.SalesOrderName),
);

function documentName(rng: Rng, customer: Customer): string {
  return `${rng.pick(QUOTE_TOPICS)} – ${customer.name}`.slice(0, DOCUMENT_NAME_MAX).trimEnd();
}

/** Columns quotes and orders share: ship-to address, P2C flags, customer, currency, price list and owner. */
function documentColumns(ref: ReferenceData, customer: Customer, currency: string, externalOnly: boolean): SeedRow {
  return {
    ...shipTo(customer),
    msdynce_hasexternallymaintainedproductsonly: externalOnly,
    msdynce_ismaintainedexternally: false,
    [customer.bindProperty]: customer.bind,
    'transactioncurrencyid@odata.bind': ref.currencies.get(currency)!.bind,
    'pricelevelid@odata.bind': ref.defaultPriceList.get(currency)!,
    'owningbusinessunit@odata.bind': ref.businessUnits[customer.company],
  };
}

function shipTo(customer: Customer): SeedRow {
  const address = addressOf(customer.row);
  return {
    shipto_name: customer.name,
    shipto_line1: address.line1,
    shipto_line2: address.line2,
    shipto_city: address.city,
    shipto_stateorprovince: address.state,
    shipto_postalcode: address.postalCode,
    shipto_country: address.country,
  };
}

/** Most quotes are short; a few run to the 20-line maximum. */
function lineCount(rng: Rng, minimum: number): number {
  const drawn = 1 + Math.floor(rng.next() ** 2 * MAX_LINES);
  return Math.min(MAX_LINES, Math.max(minimum, drawn));
}

function quantityFor(rng: Rng, decimals: number): number {
  return decimals === 0 ? rng.int(1, 50) : rng.amount(0.5, 120, Math.min(decimals, 2));
}

/**
 * Writes the lines of one quote or order and returns its totals. Discounts are whole-line amounts in Sales,
 * so many of them do not divide evenly by the quantity — the rounding case of spec/entities.md §7.2.
 */
function writeLines(
  ctx: SeedContext,
  ref: ReferenceData,
  rng: Rng,
  target: {
    set: TaggedSet;
    idColumn: string;
    parentProperty: string;
    parentBind: string;
    /** Receives the line totals. */
    header: SeedRow;
    currency: string;
  },
  lines: LineSpec[],
  /** Adds the columns specific to quote or order lines. */
  decorate: (row: SeedRow, line: LineSpec) => void,
): DocumentTotals {
  const rows = ctx.dataverseTable(target.set);
  const extendedAmounts: number[] = [];
  lines.forEach((line, index) => {
    const quantity = quantityFor(rng, line.product.unitDecimals);
    const priceperunit = convertAmount(ref, line.product.price, line.product.currency, target.currency);
    // Sales computes in decimals: the amount before discount is rounded, then the discount taken off it.
    const baseamount = roundAmount(multiplyAmounts(quantity, priceperunit), SALES_MONEY_DECIMALS);
    const discountPercent = rng.chance(0.3) ? rng.int(2, 15) : 0;
    const manualdiscountamount = divideAmount(multiplyAmounts(baseamount, discountPercent), 100, SALES_MONEY_DECIMALS);
    const extendedamount = subtractAmounts(baseamount, manualdiscountamount);
    extendedAmounts.push(extendedamount);
    const row: SeedRow = {
      [target.idColumn]: ctx.id(target.set, rows.length),
      sequencenumber: index + 1,
      quantity,
      priceperunit,
      manualdiscountamount,
      baseamount,
      extendedamount,
      ispriceoverridden: false,
      [target.parentProperty]: target.parentBind,
      'productid@odata.bind': line.product.bind,
      'uomid@odata.bind': ref.units.get(line.unitName)!,
    };
    decorate(row, line);
    rows.push(row);
  });
  const total = addAmounts(...extendedAmounts);
  target.header.totallineitemamount = total;
  target.header.totalamount = total;
  return { lines: lines.length, amount: total };
}

function pickLines(rng: Rng, catalogue: SalesProduct[], count: number): LineSpec[] {
  const lines: LineSpec[] = [];
  for (let i = 0; i < count; i++) {
    const product = catalogue[rng.int(0, catalogue.length - 1)];
    lines.push({ product, unitName: product.unitName });
  }
  return lines;
}

function requireCatalogue(ctx: SeedContext, products: Products, company: number, what: string): SalesProduct[] {
  const catalogue = products.quotable[company];
  if (catalogue.length === 0) {
    const { dataAreaId } = ctx.options.companies[company];
    throw new Error(
      `seed: company ${dataAreaId} has no synced products to put on ${what}; ` +
        `raise products (now ${ctx.options.products}) or lower badRowShare`,
    );
  }
  return catalogue;
}

export function generateQuotes(
  ctx: SeedContext,
  ref: ReferenceData,
  parties: Parties,
  products: Products,
  subsets: SeedSubsets,
): void {
  if (ctx.options.quotes === 0) return;
  const rng = ctx.rng('quotes');
  const customers = customerPicker(parties);
  if (!customers.available) throw new Error('seed: quotes need customers; raise accounts or contacts');
  const kinds: QuoteKind[] = ['quote-write-in-product', 'quote-product-missing-in-fno', 'quote-unit-unmapped'];
  if (customers.unsynced.length > 0) kinds.push('quote-customer-not-synced');
  const plan = planBadRows(ctx.options.quotes, ctx.options.badRowShare, kinds);
  const rows = ctx.dataverseTable('quotes');

  for (let q = 0; q < ctx.options.quotes; q++) {
    const kind = plan.get(q);
    const customer =
      kind === 'quote-customer-not-synced'
        ? customers.accountCustomer(customers.unsynced[q % customers.unsynced.length])
        : customers.pick(rng);
    const { dataAreaId, currency } = ctx.options.companies[customer.company];
    const catalogue = requireCatalogue(ctx, products, customer.company, 'quotes');
    const minimum = kind === 'quote-product-missing-in-fno' ? MISSING_PRODUCT_LINE : 1;
    const lines = pickLines(rng, catalogue, lineCount(rng, minimum));
    if (kind === 'quote-write-in-product') {
      const product = products.writeIns[q % products.writeIns.length];
      lines[rng.int(0, lines.length - 1)] = { product, unitName: product.unitName };
    } else if (kind === 'quote-product-missing-in-fno') {
      const product = products.orphans[q % products.orphans.length];
      lines[MISSING_PRODUCT_LINE - 1] = { product, unitName: product.unitName };
    } else if (kind === 'quote-unit-unmapped') {
      lines[rng.int(0, lines.length - 1)].unitName = SALES_ONLY_UNIT;
    }
    const externalOnly = kind !== 'quote-write-in-product';
    const state = kind ? 'active' : rng.weighted(QUOTE_STATE_NAMES, QUOTE_STATE_WEIGHTS);
    const quoteNumber = autoNumber(rng, QUOTE_NUMBER_PREFIX, q);
    const id = ctx.id('quotes', q);
    const start = rng.int(-120, 30);
    const header: SeedRow = {
      quoteid: id,
      quotenumber: quoteNumber,
      name: documentName(rng, customer),
      revisionnumber: 0,
      ...QUOTE_STATES[state],
      effectivefrom: seedDate(start),
      effectiveto: seedDate(start + 30),
      requestdeliveryby: seedDate(start + rng.int(14, 60)),
      ...documentColumns(ref, customer, currency, externalOnly),
    };
    rows.push(header);
    const totals = writeLines(
      ctx,
      ref,
      rng,
      {
        set: 'quotedetails',
        idColumn: 'quotedetailid',
        parentProperty: 'quoteid@odata.bind',
        parentBind: bindById('quotes', id),
        header,
        currency,
      },
      lines,
      (row, line) => {
        row.msdynce_quotehasexternalmaintainedproductsonly = externalOnly;
        row.msdynce_ismaintainedexternally = line.product.externallyMaintained;
        row.msdynce_quoterevisionnumber = 0;
      },
    );
    if (kind) ctx.badRows.push(badRow(kind, quoteNumber, dataAreaId));
    if (state === 'active' && externalOnly) {
      subsets.activeQuotes++;
      subsets.activeQuoteLines += totals.lines;
    }
  }
}

export function generateOrders(
  ctx: SeedContext,
  ref: ReferenceData,
  parties: Parties,
  products: Products,
  subsets: SeedSubsets,
): void {
  if (ctx.options.orders === 0) return;
  const rng = ctx.rng('orders');
  const customers = customerPicker(parties);
  if (!customers.available) throw new Error('seed: orders need customers; raise accounts or contacts');
  const rows = ctx.dataverseTable('salesorders');

  for (let o = 0; o < ctx.options.orders; o++) {
    const customer = customers.pick(rng);
    const { currency } = ctx.options.companies[customer.company];
    const catalogue = requireCatalogue(ctx, products, customer.company, 'orders');
    const lines = pickLines(rng, catalogue, lineCount(rng, 1));
    const activated = rng.chance(ACTIVATED_ORDER_SHARE);
    // Orders with a write-in product cannot be activated (spec/entities.md §7.4), so they stay drafts.
    if (!activated && rng.chance(DRAFT_ORDER_WRITE_IN_SHARE)) {
      lines[rng.int(0, lines.length - 1)] = { product: products.writeIns[0], unitName: products.writeIns[0].unitName };
    }
    const externalOnly = lines.every((line) => line.product.externallyMaintained);
    const orderNumber = autoNumber(rng, ORDER_NUMBER_PREFIX, o);
    const id = ctx.id('salesorders', o);
    const submitted = rng.int(-90, 0);
    const header: SeedRow = {
      salesorderid: id,
      ordernumber: orderNumber,
      name: documentName(rng, customer),
      statecode: 0,
      statuscode: activated ? ORDER_STATUS_REASON.activated : ORDER_STATUS_REASON.draft,
      msdynce_processingstatus: activated ? PROCESSING_STATUS.active : PROCESSING_STATUS.draft,
      submitdate: activated ? seedDate(submitted) : null,
      requestdeliveryby: seedDate(submitted + rng.int(7, 45)),
      ...documentColumns(ref, customer, currency, externalOnly),
    };
    rows.push(header);
    const totals = writeLines(
      ctx,
      ref,
      rng,
      {
        set: 'salesorderdetails',
        idColumn: 'salesorderdetailid',
        parentProperty: 'salesorderid@odata.bind',
        parentBind: bindById('salesorders', id),
        header,
        currency,
      },
      lines,
      (row, line) => {
        row.msdynce_orderissubmitted = activated;
        row.msdynce_orderhasexternalmaintainedproductsonly = externalOnly;
        row.msdynce_ismaintainedexternally = line.product.externallyMaintained;
        row.msdynce_ismisctax = false;
        row.msdynce_ordernumber = orderNumber;
      },
    );
    if (activated && externalOnly) {
      subsets.activatedOrders++;
      subsets.activatedOrderLines += totals.lines;
    }
  }
}
