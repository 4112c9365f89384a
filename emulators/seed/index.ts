/**
 * Deterministic seed data for the two emulators: a Sales org and an F&O environment in the state a P2C project
 * finds before its first run — reference data on both sides, accounts/contacts/quotes/orders in Sales, released
 * products in F&O (most already mirrored in Sales), no customers in F&O — plus a share of deliberately bad rows
 * recorded in the manifest with the failure the sync must report for each.
 */
import { FIELD_TYPES } from '../fno/catalog';
import { metadataMaxLength, SeedContext } from './context';
import { generateOrders, generateQuotes } from './documents';
import { generateParties } from './parties';
import { generateProducts } from './products';
import { buildReferenceData } from './reference';
import {
  seedOptionsSchema,
  type GeneratedSeed,
  type ResolvedSeedOptions,
  type SeedOptions,
  type SeedSubsets,
  type SeedTables,
} from './types';

export * from './types';
export { BAD_ROW_KINDS, EDGE_CASE_KINDS } from './bad-rows';
export { ID_TAGS, SEED_EPOCH_MS } from './context';

export const DEFAULT_SEED = 1;
export const DEFAULT_BAD_ROW_SHARE = 0.02;
export const DEFAULT_COMPANIES = [{ dataAreaId: 'usmf', businessUnit: 'USMF', currency: 'USD' }] as const;
/** Default volumes relative to accounts (contacts ×1.5, products 10 % with a floor, quotes 10 %, orders 5 %). */
const CONTACTS_PER_ACCOUNT = 1.5;
const PRODUCTS_PER_ACCOUNT = 0.1;
const MIN_PRODUCTS = 20;
const QUOTES_PER_ACCOUNT = 0.1;
const ORDERS_PER_ACCOUNT = 0.05;

export function resolveSeedOptions(input: SeedOptions): ResolvedSeedOptions {
  const parsed = seedOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`);
    throw new Error(`seed: invalid options — ${problems.join('; ')}`);
  }
  const options = parsed.data;
  return {
    seed: options.seed ?? DEFAULT_SEED,
    accounts: options.accounts,
    contacts: options.contacts ?? Math.round(options.accounts * CONTACTS_PER_ACCOUNT),
    products: options.products ?? Math.max(MIN_PRODUCTS, Math.round(options.accounts * PRODUCTS_PER_ACCOUNT)),
    quotes: options.quotes ?? Math.round(options.accounts * QUOTES_PER_ACCOUNT),
    orders: options.orders ?? Math.round(options.accounts * ORDERS_PER_ACCOUNT),
    badRowShare: options.badRowShare ?? DEFAULT_BAD_ROW_SHARE,
    companies: (options.companies ?? DEFAULT_COMPANIES).map((company) => ({ ...company })),
  };
}

/** Longest F&O state id; every F&O address state field shares it. */
const FNO_STATE_MAX = metadataMaxLength('F&O AddressState', FIELD_TYPES.AddressState);

function statesNeedingValueMap(tables: SeedTables): string[] {
  const states = new Set<string>();
  for (const set of ['accounts', 'contacts'] as const) {
    for (const row of tables[set]) {
      const state = row.address1_stateorprovince;
      if (typeof state === 'string' && state.length > FNO_STATE_MAX) states.add(state);
    }
  }
  return [...states].sort();
}

function countRows(tables: SeedTables): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [entitySet, rows] of Object.entries(tables)) counts[entitySet] = rows.length;
  return counts;
}

export function generateSeed(input: SeedOptions): GeneratedSeed {
  const options = resolveSeedOptions(input);
  const ctx = new SeedContext(options);
  const subsets: SeedSubsets = {
    accountsWithNumber: 0,
    contactPersons: 0,
    contactCustomers: 0,
    sellableProducts: options.products,
    activeQuotes: 0,
    activeQuoteLines: 0,
    activatedOrders: 0,
    activatedOrderLines: 0,
  };
  const ref = buildReferenceData(ctx);
  const products = generateProducts(ctx, ref);
  const parties = generateParties(ctx, ref);
  for (const account of parties.accounts) if (account.accountnumber !== null) subsets.accountsWithNumber++;
  for (const contact of parties.contacts) {
    if (contact.msdynce_isactivecustomer) subsets.contactCustomers++;
    else if (contact.msdynce_iscompanyanaccount) subsets.contactPersons++;
  }
  generateQuotes(ctx, ref, parties, products, subsets);
  generateOrders(ctx, ref, parties, products, subsets);
  return {
    dataverse: ctx.dataverse,
    fno: ctx.fno,
    expected: {
      options,
      counts: { dataverse: countRows(ctx.dataverse), fno: countRows(ctx.fno) },
      subsets,
      badRows: ctx.badRows,
      edgeCases: ctx.edgeCases,
      needsValueMap: { states: statesNeedingValueMap(ctx.dataverse) },
    },
  };
}
