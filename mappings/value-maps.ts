/**
 * Named value maps shared by several templates. A template step refers to one by name (`map: 'salesUnits'`),
 * so a project overrides it once for every task that uses it. Sales→F&O tasks use the inverse of a map that is
 * defined F&O→Sales (`inverse: true`), built from the same entries.
 */
import type { ValueMapEntry } from './schema';

/** Option values of msdynce_processingstatus added by the P2C Sales solution. */
export const PROCESSING_STATUS = {
  active: 647390000,
  confirmed: 647390001,
  packingSlip: 647390002,
  invoiced: 647390003,
  picked: 647390004,
  partiallyPicked: 647390005,
  partiallyPacked: 647390006,
  shipped: 647390007,
  partiallyShipped: 647390008,
  partiallyInvoiced: 647390009,
  cancelled: 647390010,
  draft: 647390011,
} as const;

/** Defaults the P2C templates ship with (spec §6); each is overridable per project. */
export const TEMPLATE_DEFAULTS = {
  customerGroup: '10',
  siteId: '1',
  warehouseId: '13',
  languageId: 'en-us',
  unitGroup: 'Default unit',
  blankCountryIso2: 'US',
  usdPriceList: 'CRM Service USA (sample)',
} as const;

const entries = (pairs: Array<[ValueMapEntry['from'], ValueMapEntry['to']]>): ValueMapEntry[] =>
  pairs.map(([from, to]) => ({ from, to }));

export const NAMED_VALUE_MAPS: Record<string, ValueMapEntry[]> = {
  /**
   * F&O sales unit symbol → Sales unit name. Empty: units are named alike in both systems unless a project says
   * otherwise (e.g. `{ from: ea, to: Each }`); the unit must exist in the Sales unit group either way.
   */
  salesUnits: [],
  /** F&O EcoResProductType → Sales producttypecode (1 Sales Inventory, 3 Services). */
  productTypes: entries([
    ['Item', 1],
    ['Service', 3],
  ]),
  /** F&O NoYes → Dataverse boolean. */
  noYes: entries([
    ['Yes', true],
    ['No', false],
  ]),
  /** F&O SalesOrderProcessingStatus → msdynce_processingstatus. */
  processingStatus: entries([
    ['Active', PROCESSING_STATUS.active],
    ['Confirmed', PROCESSING_STATUS.confirmed],
    ['Picked', PROCESSING_STATUS.picked],
    ['PartiallyDelivered', PROCESSING_STATUS.partiallyShipped],
    ['Delivered', PROCESSING_STATUS.shipped],
    ['PartiallyInvoiced', PROCESSING_STATUS.partiallyInvoiced],
    ['DeliveredPartiallyInvoiced', PROCESSING_STATUS.partiallyInvoiced],
    ['Invoiced', PROCESSING_STATUS.invoiced],
    ['Canceled', PROCESSING_STATUS.cancelled],
  ]),
  /** F&O currency → Sales price list name, for orders and invoices coming from F&O. */
  priceListsByCurrency: entries([['USD', TEMPLATE_DEFAULTS.usdPriceList]]),
  /**
   * Sales gendercode → F&O Gender. The blank entry is what a field that clears empties writes; the contact-persons
   * template does not write empties, so a contact without a gender keeps the one F&O has.
   */
  genders: entries([
    ['', 'Unknown'],
    [1, 'Male'],
    [2, 'Female'],
  ]),
  /** Sales familystatuscode → F&O DirPersonMaritalStatus; the blank entry as for genders. */
  maritalStatuses: entries([
    ['', 'None'],
    [1, 'Single'],
    [2, 'Married'],
    [3, 'Divorced'],
    [4, 'Widowed'],
  ]),
  /**
   * Sales state/province text → F&O state id (at most 10 characters, e.g. "Île-de-France" → "IDF"). Values
   * without an entry pass through unchanged.
   */
  states: [],
  /** Extra country spellings → ISO alpha-2 code, consulted before the built-in country table. */
  countries: [],
};

/** Normalised lookup key of a value-map source value: case and surrounding blanks are not significant. */
export function valueMapKey(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).trim().toLowerCase();
}

/** Later entries win: template entries, then project entries, then run-time overrides. */
export function mergeValueMapEntries(...lists: Array<ValueMapEntry[] | undefined>): ValueMapEntry[] {
  const merged = new Map<string, ValueMapEntry>();
  for (const list of lists) {
    for (const entry of list ?? []) merged.set(valueMapKey(entry.from), entry);
  }
  return [...merged.values()];
}

/** Swaps from and to; the first entry wins when several sources share a target. */
export function invertValueMapEntries(list: ValueMapEntry[]): ValueMapEntry[] {
  const inverted = new Map<string, ValueMapEntry>();
  for (const { from, to } of list) {
    if (to === null || typeof to === 'boolean' || from === '') continue;
    const key = valueMapKey(to);
    if (!inverted.has(key)) inverted.set(key, { from: to, to: from });
  }
  return [...inverted.values()];
}
