/**
 * Seed loading. Rows are given per entity set as OData create bodies and go through the same engine as POSTs
 * (defaults, validation, lookups), in dependency order, without HTTP. Reference data every P2C setup needs
 * (legal entities, currencies, units, customer groups, sites, warehouses) is built in and can be turned off.
 */
import type { TableStore } from '../common/store';
import { TABLES } from './entities';
import type { FnoEngine } from './engine';
import { FnoError } from './errors';

/** Rows per entity set, as OData create bodies (company-specific rows carry dataAreaId). */
export type FnoSeed = Record<string, Array<Record<string, unknown>>>;

/** Accounting currency of the well-known demo companies; others default to USD. */
const COMPANY_CURRENCIES: Record<string, string> = { usmf: 'USD', usrt: 'USD', usp2: 'USD', demf: 'EUR', gbsi: 'GBP' };
const FALLBACK_CURRENCY = 'USD';

const CURRENCIES: Array<[string, string]> = [
  ['USD', 'US Dollar'],
  ['EUR', 'Euro'],
  ['GBP', 'Pound sterling'],
  ['CAD', 'Canadian Dollar'],
  ['DKK', 'Danish Krone'],
  ['JPY', 'Japanese Yen'],
];

const UNITS: Array<[string, string, number]> = [
  ['ea', 'Each', 0],
  ['pcs', 'Pieces', 0],
  ['box', 'Box', 0],
  ['kg', 'Kilogram', 3],
  ['hr', 'Hours', 2],
];

/** Customer groups, sites and warehouses of every company; P2C defaults are group 10, site 1, warehouse 13. */
const CUSTOMER_GROUPS: Array<[string, string]> = [
  ['10', 'Wholesale customers'],
  ['20', 'Major customers'],
  ['30', 'Retail customers'],
  ['80', 'Other customers'],
];
const SITES: Array<[string, string]> = [
  ['1', 'Central site'],
  ['2', 'East site'],
];
const WAREHOUSES: Array<[string, string, string]> = [
  ['11', 'Main warehouse', '1'],
  ['13', 'Distribution warehouse', '1'],
  ['21', 'East warehouse', '2'],
];

export function referenceSeed(companies: string[]): FnoSeed {
  const perCompany = <T>(items: T[], toRow: (item: T, company: string) => Record<string, unknown>) =>
    companies.flatMap((company) => items.map((item) => toRow(item, company)));
  return {
    LegalEntities: companies.map((company) => ({
      LegalEntityId: company,
      Name: `Company ${company.toUpperCase()}`,
      AccountingCurrencyCode: COMPANY_CURRENCIES[company] ?? FALLBACK_CURRENCY,
    })),
    Currencies: CURRENCIES.map(([CurrencyCode, Name]) => ({ CurrencyCode, Name })),
    UnitsOfMeasure: UNITS.map(([UnitSymbol, UnitDescription, DecimalPrecision]) => ({
      UnitSymbol,
      UnitDescription,
      DecimalPrecision,
    })),
    CustomerGroups: perCompany(CUSTOMER_GROUPS, ([CustomerGroupId, Description], dataAreaId) => ({
      dataAreaId,
      CustomerGroupId,
      Description,
    })),
    OperationalSites: perCompany(SITES, ([SiteId, SiteName], dataAreaId) => ({ dataAreaId, SiteId, SiteName })),
    Warehouses: perCompany(WAREHOUSES, ([WarehouseId, WarehouseName, OperationalSiteId], dataAreaId) => ({
      dataAreaId,
      WarehouseId,
      WarehouseName,
      OperationalSiteId,
    })),
  };
}

/**
 * Loads seed rows through the engine in table dependency order, all in one transaction: a bad row aborts the
 * whole load with an error naming the entity set, the row's position and the reason.
 */
export async function loadSeed(
  engine: FnoEngine,
  store: TableStore,
  seeds: FnoSeed[],
  defaultCompany: string,
): Promise<number> {
  const tableOrder = new Map(TABLES.map((table, index) => [table.name, index]));
  const batches = seeds.flatMap((seed) => Object.entries(seed));
  for (const [set] of batches) engine.entity(set);
  batches.sort(
    ([a], [b]) => tableOrder.get(engine.entity(a).table.def.name)! - tableOrder.get(engine.entity(b).table.def.name)!,
  );
  let loaded = 0;
  await store.atomically(async () => {
    for (const [set, rows] of batches) {
      rows.forEach((row, index) => {
        try {
          engine.create(set, row, { defaultCompany, internal: true });
        } catch (error) {
          const reason = error instanceof FnoError ? error.message : String(error);
          throw new Error(`seed ${set}[${index}]: ${reason}`);
        }
        loaded += 1;
      });
    }
  });
  return loaded;
}
