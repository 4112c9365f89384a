import { z } from 'zod';

/** One row as the emulator loads it: a Web API / OData create body including the primary id column. */
export type SeedRow = Record<string, unknown>;
/** Entity set → rows. Structurally the same as the emulators' DataverseSeed and FnoSeed. */
export type SeedTables = Record<string, SeedRow[]>;

const companySchema = z.object({
  dataAreaId: z
    .string()
    .regex(/^[a-z0-9]{1,4}$/, 'dataAreaId must be 1–4 lower-case letters or digits, as F&O company ids are'),
  businessUnit: z.string().min(1).max(160),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as USD'),
});

const count = z.number().int().nonnegative();

export const seedOptionsSchema = z.object({
  seed: z.number().int().optional(),
  accounts: count,
  contacts: count.optional(),
  products: count.optional(),
  quotes: count.optional(),
  orders: count.optional(),
  badRowShare: z.number().min(0).max(0.5).optional(),
  companies: z
    .array(companySchema)
    .min(1)
    .refine((list) => new Set(list.map((c) => c.dataAreaId)).size === list.length, 'dataAreaId values must be unique')
    .refine(
      (list) => new Set(list.map((c) => c.businessUnit.toLowerCase())).size === list.length,
      'businessUnit names must be unique',
    )
    .optional(),
});

export type SeedCompany = z.infer<typeof companySchema>;
export type SeedOptions = z.infer<typeof seedOptionsSchema>;

/** SeedOptions with every default applied; echoed in the manifest. */
export interface ResolvedSeedOptions {
  seed: number;
  accounts: number;
  contacts: number;
  products: number;
  quotes: number;
  orders: number;
  badRowShare: number;
  companies: SeedCompany[];
}

export type BadRowKind =
  | 'account-name-too-long'
  | 'account-missing-number'
  | 'contact-parent-missing'
  | 'product-unit-unmapped'
  | 'product-currency-no-price-list'
  | 'quote-write-in-product'
  | 'quote-product-missing-in-fno'
  | 'quote-unit-unmapped'
  | 'quote-customer-not-synced';

export type EdgeCaseKind = 'account-blank-country';

/** A seeded row the sync must reject, and the failure it must report. */
export interface SeedBadRow {
  system: 'dataverse' | 'fno';
  entitySet: string;
  /** The business key the failure names (account/contact/quote/product number); the row GUID when that is missing. */
  key: string;
  kind: BadRowKind;
  /** The P2C task whose run reports it. */
  task: string;
  /** Source column at fault. */
  field: string;
  /** Short failure code, e.g. 'missing-price-list'. */
  expectedError: string;
  /** Company (dataAreaId) of the partition whose run sees the row. */
  dataAreaId: string;
}

/** A seeded row that looks wrong but must sync, with a documented default filling the gap. */
export interface SeedEdgeCase {
  system: 'dataverse' | 'fno';
  entitySet: string;
  key: string;
  kind: EdgeCaseKind;
  task: string;
  field: string;
  /** Short code of the expected handling, e.g. 'country-defaulted'. */
  expectation: string;
  dataAreaId: string;
}

/** Counts of rows the P2C task filters select (spec/entities.md §6), so tests can check totals of a run. */
export interface SeedSubsets {
  /** Accounts with an account number (source rows of "Accounts - Customers"). */
  accountsWithNumber: number;
  /** Contacts of an account that are not customers themselves ("Contacts" task). */
  contactPersons: number;
  /** Contacts flagged as active customers ("ContactToCustomer" task). */
  contactCustomers: number;
  /** F&O products per company ("Products" task). */
  sellableProducts: number;
  /** Active quotes whose products are all externally maintained ("QuoteHeader" task) and their lines. */
  activeQuotes: number;
  activeQuoteLines: number;
  /** Activated Sales-originated orders ("OrderHeader" Sales → F&O) and their submitted lines. */
  activatedOrders: number;
  activatedOrderLines: number;
}

export interface SeedManifest {
  options: ResolvedSeedOptions;
  counts: { dataverse: Record<string, number>; fno: Record<string, number> };
  subsets: SeedSubsets;
  badRows: SeedBadRow[];
  edgeCases: SeedEdgeCase[];
  /**
   * Sales values that F&O accepts only through a value map (not bad rows: a project that maps them syncs them),
   * e.g. French region names longer than F&O's 10-character state id. Sorted, distinct.
   */
  needsValueMap: { states: string[] };
}

export interface GeneratedSeed {
  dataverse: SeedTables;
  fno: SeedTables;
  expected: SeedManifest;
}
