import { AUTO_NUMBER_START, AUTO_NUMBER_SUFFIX_LENGTH, formatAutoNumber } from '../dataverse/metadata';
import { createRng, seededGuid, type Rng } from './prng';
import type { ResolvedSeedOptions, SeedBadRow, SeedEdgeCase, SeedRow, SeedTables } from './types';

/** Per-entity-set GUID tags: written into every seeded id, so ids are unique across sets by construction. */
export const ID_TAGS = {
  transactioncurrencies: 0x0c01,
  businessunits: 0x0b01,
  uomschedules: 0x0d01,
  uoms: 0x0d02,
  pricelevels: 0x0e01,
  productpricelevels: 0x0e02,
  accounts: 0x0a01,
  contacts: 0x0a02,
  products: 0x0f01,
  quotes: 0x0901,
  quotedetails: 0x0902,
  salesorders: 0x0903,
  salesorderdetails: 0x0904,
} as const;

export type TaggedSet = keyof typeof ID_TAGS;

/** Seeded dates count from this day, never from the clock, so reruns give the same rows. */
export const SEED_EPOCH_MS = Date.UTC(2026, 0, 5);
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` for date-only columns, `offsetDays` after the seed epoch. */
export function seedDate(offsetDays: number): string {
  return new Date(SEED_EPOCH_MS + offsetDays * DAY_MS).toISOString().slice(0, 10);
}

/** The `index`-th seeded number in the format of Sales auto-numbers (`ACC-01000-BVRCPS`), with a random suffix. */
export function autoNumber(rng: Rng, prefix: string, index: number): string {
  return formatAutoNumber(prefix, AUTO_NUMBER_START + index, rng.upperLetters(AUTO_NUMBER_SUFFIX_LENGTH));
}

/** `@odata.bind` value addressing a row by its GUID. */
export function bindById(entitySet: string, id: string): string {
  return `/${entitySet}(${id})`;
}

/** Entity sets in load order: every row's lookups point at sets listed before it (or at its own set). */
export const DATAVERSE_SETS = [
  'transactioncurrencies',
  'businessunits',
  'uomschedules',
  'uoms',
  'pricelevels',
  'products',
  'productpricelevels',
  'accounts',
  'contacts',
  'quotes',
  'quotedetails',
  'salesorders',
  'salesorderdetails',
] as const;
export const FNO_SETS = [
  'LegalEntities',
  'Currencies',
  'UnitsOfMeasure',
  'CustomerGroups',
  'OperationalSites',
  'Warehouses',
  'SellableReleasedProducts',
] as const;

export class SeedContext {
  readonly dataverse: SeedTables = {};
  readonly fno: SeedTables = {};
  readonly badRows: SeedBadRow[] = [];
  readonly edgeCases: SeedEdgeCase[] = [];

  constructor(readonly options: ResolvedSeedOptions) {
    for (const set of DATAVERSE_SETS) this.dataverse[set] = [];
    for (const set of FNO_SETS) this.fno[set] = [];
  }

  rng(stream: string): Rng {
    return createRng(this.options.seed, stream);
  }

  id(entitySet: TaggedSet, index: number): string {
    return seededGuid(this.options.seed, ID_TAGS[entitySet], index);
  }

  dataverseTable(entitySet: (typeof DATAVERSE_SETS)[number]): SeedRow[] {
    return this.dataverse[entitySet];
  }

  fnoTable(entitySet: (typeof FNO_SETS)[number]): SeedRow[] {
    return this.fno[entitySet];
  }
}

/** A column's maximum length from emulator metadata; fails loudly if the metadata stops declaring it. */
export function metadataMaxLength(where: string, type: object | undefined): number {
  const limit = type && 'maxLength' in type ? type.maxLength : undefined;
  if (typeof limit !== 'number') throw new Error(`seed: the emulator metadata gives no max length for ${where}`);
  return limit;
}
