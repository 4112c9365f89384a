import {
  CURRENCIES,
  CUSTOMER_GROUPS,
  FNO_ONLY_UNIT,
  LEGAL_ENTITY_NAMES,
  PRICE_LIST_LESS_CANDIDATES,
  SALES_BASE_UNIT,
  SALES_ONLY_UNIT,
  SALES_UNIT_ALIASES,
  SHARED_UNITS,
  type CurrencyInfo,
} from './catalog';
import { divideAmount, multiplyAmounts } from '../../mappings/money';
import { TEMPLATE_DEFAULTS } from '../../mappings/value-maps';
import { bindById, seedDate, type SeedContext } from './context';

/** The price list the F&O → Sales order and invoice templates name by default (spec/entities.md §6.8). */
const SAMPLE_PRICE_LIST = { name: TEMPLATE_DEFAULTS.usdPriceList, currency: 'USD' } as const;

export interface ReferenceData {
  currencies: Map<string, CurrencyInfo & { bind: string }>;
  /** Currency → the price list Sales adds new products of that currency to (alphabetically first). */
  defaultPriceList: Map<string, string>;
  /** A Sales currency with no price list at all. */
  priceListLessCurrency: string;
  /** Per company (same order as options.companies): `@odata.bind` of its business unit. */
  businessUnits: string[];
  unitGroup: string;
  /** Sales unit name → `@odata.bind`. */
  units: Map<string, string>;
}

/** An amount in currency `from` converted to `to` at the catalogue rates, rounded to the precision of `to`. */
export function convertAmount(ref: ReferenceData, amount: number, from: string, to: string): number {
  const source = ref.currencies.get(from)!;
  const target = ref.currencies.get(to)!;
  return divideAmount(multiplyAmounts(amount, target.perUsd), source.perUsd, target.precision);
}

function currencyInfo(code: string): CurrencyInfo {
  return CURRENCIES.find((c) => c.code === code) ?? { code, name: code, symbol: code, perUsd: 1, precision: 2 };
}

export function buildReferenceData(ctx: SeedContext): ReferenceData {
  const { companies } = ctx.options;
  const companyCurrencies = new Set(companies.map((c) => c.currency));
  const codes = [...CURRENCIES.map((c) => c.code)];
  for (const code of companyCurrencies) if (!codes.includes(code)) codes.push(code);
  const priceListLessCurrency = PRICE_LIST_LESS_CANDIDATES.find((code) => !companyCurrencies.has(code));
  if (!priceListLessCurrency) {
    throw new Error(
      `seed: every currency in [${PRICE_LIST_LESS_CANDIDATES.join(', ')}] is a company currency; ` +
        'one must stay without a price list',
    );
  }

  const currencies = new Map<string, CurrencyInfo & { bind: string }>();
  const currencyRows = ctx.dataverseTable('transactioncurrencies');
  codes.forEach((code, index) => {
    const info = currencyInfo(code);
    const id = ctx.id('transactioncurrencies', index);
    currencyRows.push({
      transactioncurrencyid: id,
      isocurrencycode: code,
      currencyname: info.name,
      currencysymbol: info.symbol,
      exchangerate: info.perUsd,
      currencyprecision: info.precision,
    });
    currencies.set(code, { ...info, bind: bindById('transactioncurrencies', id) });
  });

  const businessUnitRows = ctx.dataverseTable('businessunits');
  const businessUnits = companies.map((company, index) => {
    const id = ctx.id('businessunits', index);
    businessUnitRows.push({ businessunitid: id, name: company.businessUnit });
    return bindById('businessunits', id);
  });

  const unitGroupId = ctx.id('uomschedules', 0);
  const unitGroup = bindById('uomschedules', unitGroupId);
  ctx.dataverseTable('uomschedules').push({
    uomscheduleid: unitGroupId,
    name: TEMPLATE_DEFAULTS.unitGroup,
    baseuomname: SALES_BASE_UNIT,
  });
  const units = new Map<string, string>();
  const unitRows = ctx.dataverseTable('uoms');
  const baseUnitId = ctx.id('uoms', 0);
  const salesUnitNames = [
    SALES_BASE_UNIT,
    ...SHARED_UNITS.map((u) => u.symbol),
    ...SALES_UNIT_ALIASES,
    SALES_ONLY_UNIT,
  ];
  salesUnitNames.forEach((name, index) => {
    const id = ctx.id('uoms', index);
    unitRows.push({
      uomid: id,
      name,
      quantity: 1,
      isschedulebaseuom: index === 0,
      'uomscheduleid@odata.bind': unitGroup,
      'baseuom@odata.bind': bindById('uoms', baseUnitId),
    });
    units.set(name, bindById('uoms', id));
  });

  const priceListNames: Array<{ name: string; currency: string }> = [SAMPLE_PRICE_LIST];
  for (const code of codes)
    if (code !== priceListLessCurrency) priceListNames.push({ name: `Standard ${code}`, currency: code });
  const defaultPriceList = new Map<string, string>();
  const firstName = new Map<string, string>();
  const priceListRows = ctx.dataverseTable('pricelevels');
  priceListNames.forEach(({ name, currency }, index) => {
    const id = ctx.id('pricelevels', index);
    priceListRows.push({
      pricelevelid: id,
      name,
      begindate: seedDate(-365),
      'transactioncurrencyid@odata.bind': currencies.get(currency)!.bind,
    });
    // Sales files a new product under the alphabetically first price list of its currency.
    const first = firstName.get(currency);
    if (first === undefined || name < first) {
      firstName.set(currency, name);
      defaultPriceList.set(currency, bindById('pricelevels', id));
    }
  });

  buildFnoReference(ctx, codes);
  return { currencies, defaultPriceList, priceListLessCurrency, businessUnits, unitGroup, units };
}

function buildFnoReference(ctx: SeedContext, currencyCodes: string[]): void {
  ctx.fnoTable('LegalEntities').push(
    ...ctx.options.companies.map((company) => ({
      LegalEntityId: company.dataAreaId,
      Name: LEGAL_ENTITY_NAMES[company.dataAreaId] ?? `Company ${company.dataAreaId.toUpperCase()}`,
      AccountingCurrencyCode: company.currency,
    })),
  );
  ctx.fnoTable('Currencies').push(
    ...currencyCodes.map((code) => {
      const info = currencyInfo(code);
      return { CurrencyCode: code, Name: info.name };
    }),
  );
  ctx.fnoTable('UnitsOfMeasure').push(
    ...[...SHARED_UNITS, FNO_ONLY_UNIT].map((unit) => ({
      UnitSymbol: unit.symbol,
      UnitDescription: unit.description,
      DecimalPrecision: unit.decimals,
    })),
  );
  const groups = ctx.fnoTable('CustomerGroups');
  const sites = ctx.fnoTable('OperationalSites');
  const warehouses = ctx.fnoTable('Warehouses');
  for (const { dataAreaId } of ctx.options.companies) {
    for (const group of CUSTOMER_GROUPS) {
      groups.push({
        dataAreaId,
        CustomerGroupId: group.id,
        Description: group.description,
        IsSalesTaxIncludedInPrice: 'No',
      });
    }
    sites.push({ dataAreaId, SiteId: TEMPLATE_DEFAULTS.siteId, SiteName: 'Main site' });
    warehouses.push({
      dataAreaId,
      WarehouseId: TEMPLATE_DEFAULTS.warehouseId,
      WarehouseName: 'Central warehouse',
      OperationalSiteId: TEMPLATE_DEFAULTS.siteId,
    });
  }
}
