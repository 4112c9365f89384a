import type { BadRowKind, EdgeCaseKind, SeedBadRow, SeedEdgeCase } from './types';

interface KindSpec {
  system: 'dataverse' | 'fno';
  entitySet: string;
  task: string;
  field: string;
  code: string;
}

/** What each kind of bad row is, where the sync meets it, and the failure code it must report. */
export const BAD_ROW_KINDS: Record<BadRowKind, KindSpec> = {
  'account-name-too-long': {
    system: 'dataverse',
    entitySet: 'accounts',
    task: 'Accounts - Customers',
    field: 'name',
    code: 'value-too-long',
  },
  'account-missing-number': {
    system: 'dataverse',
    entitySet: 'accounts',
    task: 'Accounts - Customers',
    field: 'accountnumber',
    code: 'missing-business-key',
  },
  'contact-parent-missing': {
    system: 'dataverse',
    entitySet: 'contacts',
    task: 'Contacts',
    field: 'parentcustomerid',
    code: 'missing-parent-account',
  },
  'product-unit-unmapped': {
    system: 'fno',
    entitySet: 'SellableReleasedProducts',
    task: 'Products',
    field: 'SalesUnitSymbol',
    code: 'unmapped-unit',
  },
  'product-currency-no-price-list': {
    system: 'fno',
    entitySet: 'SellableReleasedProducts',
    task: 'Products',
    field: 'CurrencyCode',
    code: 'missing-price-list',
  },
  'quote-write-in-product': {
    system: 'dataverse',
    entitySet: 'quotes',
    task: 'QuoteHeader',
    field: 'productid',
    code: 'write-in-product',
  },
  'quote-product-missing-in-fno': {
    system: 'dataverse',
    entitySet: 'quotes',
    task: 'QuoteLine',
    field: 'productid',
    code: 'missing-product',
  },
  'quote-unit-unmapped': {
    system: 'dataverse',
    entitySet: 'quotes',
    task: 'QuoteLine',
    field: 'uomid',
    code: 'unmapped-unit',
  },
  'quote-customer-not-synced': {
    system: 'dataverse',
    entitySet: 'quotes',
    task: 'QuoteHeader',
    field: 'customerid',
    code: 'customer-not-synced',
  },
};

export const EDGE_CASE_KINDS: Record<EdgeCaseKind, KindSpec> = {
  'account-blank-country': {
    system: 'dataverse',
    entitySet: 'accounts',
    task: 'Accounts - Customers',
    field: 'address1_country',
    code: 'country-defaulted',
  },
};

export function badRow(kind: BadRowKind, key: string, dataAreaId: string): SeedBadRow {
  const spec = BAD_ROW_KINDS[kind];
  return {
    system: spec.system,
    entitySet: spec.entitySet,
    key,
    kind,
    task: spec.task,
    field: spec.field,
    expectedError: spec.code,
    dataAreaId,
  };
}

export function edgeCase(kind: EdgeCaseKind, key: string, dataAreaId: string): SeedEdgeCase {
  const spec = EDGE_CASE_KINDS[kind];
  return {
    system: spec.system,
    entitySet: spec.entitySet,
    key,
    kind,
    task: spec.task,
    field: spec.field,
    expectation: spec.code,
    dataAreaId,
  };
}

/**
 * Spreads the bad rows of one population evenly over its index range (so they land on many pages) and deals the
 * kinds out in turn. Each kind gets its share of `share × population`, at least one row while the population
 * still keeps a good row; a share of 0 plants nothing. Returns index → kind.
 */
export function planBadRows<K extends string>(population: number, share: number, kinds: readonly K[]): Map<number, K> {
  const plan = new Map<number, K>();
  if (share <= 0 || population < 2 || kinds.length === 0) return plan;
  const perKind = Math.max(1, Math.round((share * population) / kinds.length));
  const total = Math.min(perKind * kinds.length, population - 1);
  for (let j = 0; j < total; j++) {
    const index = Math.floor(((j + 0.5) * population) / total);
    plan.set(index, kinds[j % kinds.length]);
  }
  return plan;
}
