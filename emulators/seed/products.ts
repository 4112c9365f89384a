import { NAMED_VALUE_MAPS } from '../../mappings/value-maps';
import { FNO_ONLY_UNIT, PRODUCT_LINES, PRODUCT_LINE_WEIGHTS, SHARED_UNITS, type ProductLine } from './catalog';
import { badRow, planBadRows } from './bad-rows';
import { bindById, type SeedContext } from './context';
import { convertAmount, type ReferenceData } from './reference';

/** Share of good F&O products already synced to Sales; the rest are new in F&O and wait for the next run. */
const SYNCED_PRODUCT_SHARE = 0.9;
/** Sales-created ("write-in") products and Sales products whose F&O item is gone, relative to F&O products. */
const WRITE_IN_SHARE = 0.02;
const ORPHAN_SHARE = 0.01;
export const WRITE_IN_PREFIX = 'SP';
export const ORPHAN_PREFIX = 'X';

/** F&O product type → Sales producttypecode, as the Products template maps it. */
const SALES_PRODUCT_TYPE = new Map(NAMED_VALUE_MAPS.productTypes.map((entry) => [entry.from, entry.to]));
/** Dataverse productpricelevel pricingmethodcode 1 = Currency Amount; quantitysellingcode 1 = No Control. */
const PRICING_METHOD_CURRENCY_AMOUNT = 1;
const QUANTITY_SELLING_NO_CONTROL = 1;

export interface SalesProduct {
  id: string;
  bind: string;
  productNumber: string;
  unitName: string;
  unitDecimals: number;
  /** List price in `currency`. */
  price: number;
  currency: string;
  externallyMaintained: boolean;
}

export interface Products {
  /** Per company: Sales products that are externally maintained and exist in that company's F&O catalogue. */
  quotable: SalesProduct[][];
  writeIns: SalesProduct[];
  /** Externally maintained in Sales but missing from F&O (deleted or never released there). */
  orphans: SalesProduct[];
}

function unitDecimals(symbol: string): number {
  return (SHARED_UNITS.find((u) => u.symbol === symbol) ?? FNO_ONLY_UNIT).decimals;
}

export function generateProducts(ctx: SeedContext, ref: ReferenceData): Products {
  const rng = ctx.rng('products');
  const { companies, products: productCount, badRowShare } = ctx.options;
  const fnoRows = ctx.fnoTable('SellableReleasedProducts');
  const salesRows = ctx.dataverseTable('products');
  const priceRows = ctx.dataverseTable('productpricelevels');
  const result: Products = { quotable: companies.map(() => []), writeIns: [], orphans: [] };
  const plan = planBadRows(productCount, badRowShare, [
    'product-unit-unmapped',
    'product-currency-no-price-list',
  ] as const);

  const addSalesProduct = (
    fields: { number: string; name: string; description: string | null; line: ProductLine; currency: string },
    price: number,
    cost: number,
    externallyMaintained: boolean,
  ): SalesProduct => {
    const index = salesRows.length;
    const id = ctx.id('products', index);
    const bind = bindById('products', id);
    const unitBind = ref.units.get(fields.line.unit)!;
    const currencyBind = ref.currencies.get(fields.currency)!.bind;
    const priceList = ref.defaultPriceList.get(fields.currency)!;
    salesRows.push({
      productid: id,
      productnumber: fields.number,
      name: fields.name,
      description: fields.description,
      producttypecode: SALES_PRODUCT_TYPE.get(fields.line.type),
      quantitydecimal: unitDecimals(fields.line.unit),
      isstockitem: fields.line.type === 'Item',
      price,
      currentcost: cost,
      statecode: 0,
      msdynce_ismaintainedexternally: externallyMaintained,
      'defaultuomscheduleid@odata.bind': ref.unitGroup,
      'defaultuomid@odata.bind': unitBind,
      'pricelevelid@odata.bind': priceList,
      'transactioncurrencyid@odata.bind': currencyBind,
    });
    priceRows.push({
      productpricelevelid: ctx.id('productpricelevels', priceRows.length),
      amount: price,
      pricingmethodcode: PRICING_METHOD_CURRENCY_AMOUNT,
      quantitysellingcode: QUANTITY_SELLING_NO_CONTROL,
      'pricelevelid@odata.bind': priceList,
      'productid@odata.bind': bind,
      'uomid@odata.bind': unitBind,
      'transactioncurrencyid@odata.bind': currencyBind,
    });
    return {
      id,
      bind,
      productNumber: fields.number,
      unitName: fields.line.unit,
      unitDecimals: unitDecimals(fields.line.unit),
      price,
      currency: fields.currency,
      externallyMaintained,
    };
  };

  const priceIn = (usd: number, currency: string): number => convertAmount(ref, usd, 'USD', currency);

  const describe = (line: ProductLine) => {
    const name = `${rng.pick(line.names)} ${rng.pick(line.variants)}`;
    const usd = rng.amount(line.price[0], line.price[1]);
    const costShare = 0.45 + rng.next() * 0.3;
    return { name, usd, costShare, description: rng.chance(0.4) ? `${name} from the ${line.prefix} range.` : null };
  };

  for (let i = 0; i < productCount; i++) {
    const company = i % companies.length;
    const { dataAreaId, currency: companyCurrency } = companies[company];
    const line = rng.weighted(PRODUCT_LINES, PRODUCT_LINE_WEIGHTS);
    const { name, usd, costShare, description } = describe(line);
    const productNumber = `${line.prefix}${String(i + 1).padStart(5, '0')}`;
    const kind = plan.get(i);
    const currency = kind === 'product-currency-no-price-list' ? ref.priceListLessCurrency : companyCurrency;
    const unit = kind === 'product-unit-unmapped' ? FNO_ONLY_UNIT.symbol : line.unit;
    const price = priceIn(usd, currency);
    const cost = priceIn(usd * costShare, currency);
    fnoRows.push({
      dataAreaId,
      ProductNumber: productNumber,
      ProductName: name,
      ProductDescription: description ?? '',
      ProductType: line.type,
      SalesUnitSymbol: unit,
      SalesUnitDecimalPrecision: unitDecimals(unit),
      SalesPrice: price,
      UnitCost: cost,
      CurrencyCode: currency,
      InventoryUnitSymbol: unit,
      InventoryUnitDecimalPrecision: unitDecimals(unit),
      IsSalesStopped: 'No',
      IsStockedProduct: line.type === 'Item' ? 'Yes' : 'No',
    });
    if (kind) {
      ctx.badRows.push(badRow(kind, productNumber, dataAreaId));
    } else if (rng.chance(SYNCED_PRODUCT_SHARE)) {
      const fields = { number: productNumber, name, description, line, currency };
      result.quotable[company].push(addSalesProduct(fields, price, cost, true));
    }
  }

  const salesLines = PRODUCT_LINES.filter((line) => line.type === 'Item');
  const baseCurrency = companies[0].currency;
  const extra = (share: number, minimum: number): number => Math.max(minimum, Math.round(productCount * share));
  for (let i = 0; i < extra(WRITE_IN_SHARE, 3); i++) {
    const line = rng.pick(salesLines);
    const { name, usd, costShare } = describe(line);
    const fields = {
      number: `${WRITE_IN_PREFIX}-${String(i + 1).padStart(4, '0')}`,
      name: `${name} (special order)`,
      description: 'Created in Sales for a one-off deal.',
      line,
      currency: baseCurrency,
    };
    const price = priceIn(usd, baseCurrency);
    result.writeIns.push(addSalesProduct(fields, price, priceIn(usd * costShare, baseCurrency), false));
  }
  for (let i = 0; i < extra(ORPHAN_SHARE, 2); i++) {
    const line = rng.pick(salesLines);
    const { name, usd, costShare, description } = describe(line);
    const fields = {
      number: `${ORPHAN_PREFIX}${String(productCount + i + 1).padStart(5, '0')}`,
      name,
      description,
      line,
      currency: baseCurrency,
    };
    const price = priceIn(usd, baseCurrency);
    result.orphans.push(addSalesProduct(fields, price, priceIn(usd * costShare, baseCurrency), true));
  }
  return result;
}
