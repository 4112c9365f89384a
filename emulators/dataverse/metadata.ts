/**
 * The Dataverse tables of prospect to cash, as data: columns with types and maximum lengths, primary id and
 * name, alternate keys, lookups with their target sets, and state/status models. Includes the `msdynce_`
 * columns added by the Prospect to cash solution (spec/entities.md §2.3). The server, the seed loader and
 * `$metadata` are all driven by these definitions.
 */

export type ColumnType =
  | 'uniqueidentifier'
  | 'string'
  | 'memo'
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'money'
  | 'boolean'
  | 'datetime'
  | 'dateonly'
  | 'picklist'
  | 'state'
  | 'status';

export interface ColumnDef {
  type: ColumnType;
  maxLength?: number;
  /** Maintained by the server; writes are ignored. */
  readOnly?: boolean;
  /** Labels of choice values (picklist, state, status, boolean). */
  options?: Record<number, string>;
}

export interface LookupDef {
  /** Logical attribute name; read as `_<attribute>_value`. */
  attribute: string;
  /** Single-valued navigation property → target entity set. Two or more entries make it polymorphic. */
  navigations: Record<string, string>;
  /** Collection-valued navigation on the target (parent) side, whose rows are deleted with the parent. */
  parentalCollection?: string;
  /**
   * Collection-valued navigations on target sets whose rows outlive the target (the lookup is cleared when it is
   * deleted), by target set.
   */
  collections?: Record<string, string>;
}

export interface AlternateKeyDef {
  name: string;
  /** Stored column names; a lookup column is named `_<attribute>_value`. */
  columns: string[];
}

export interface StateDef {
  label: string;
  defaultStatus: number;
  statuses: Record<number, string>;
}

export interface EntityDef {
  logicalName: string;
  entitySet: string;
  primaryId: string;
  primaryName: string;
  columns: Record<string, ColumnDef>;
  lookups: LookupDef[];
  alternateKeys: AlternateKeyDef[];
  states?: Record<number, StateDef>;
  changeTracking: boolean;
  /** Columns the server derives from others on every write (e.g. contact `fullname`). */
  derive?: (row: Record<string, unknown>) => void;
  /** A number the P2C solution fills in when a row is created without one (spec entities.md §2.3, §7.1). */
  autoNumber?: { column: string; prefix: string };
}

/** Sales auto-numbers look like `ACC-01000-BVRCPS`: prefix, sequence of at least five digits, letter suffix. */
export const AUTO_NUMBER_START = 1000;
export const AUTO_NUMBER_SEQUENCE_DIGITS = 5;
export const AUTO_NUMBER_SUFFIX_LENGTH = 6;
export const ACCOUNT_NUMBER_PREFIX = 'ACC';
export const CONTACT_NUMBER_PREFIX = 'CON';

export function formatAutoNumber(prefix: string, sequence: number, suffix: string): string {
  return `${prefix}-${String(sequence).padStart(AUTO_NUMBER_SEQUENCE_DIGITS, '0')}-${suffix}`;
}

const str = (maxLength: number): ColumnDef => ({ type: 'string', maxLength });
const memo = (maxLength = 2000): ColumnDef => ({ type: 'memo', maxLength });
const MONEY: ColumnDef = { type: 'money' };
const DECIMAL: ColumnDef = { type: 'decimal' };
const INTEGER: ColumnDef = { type: 'integer' };
const DATEONLY: ColumnDef = { type: 'dateonly' };
const YES_NO: ColumnDef = { type: 'boolean', options: { 0: 'No', 1: 'Yes' } };
const choice = (options: Record<number, string>): ColumnDef => ({ type: 'picklist', options });

const lookup = (attribute: string, target: string, parentalCollection?: string): LookupDef => ({
  attribute,
  navigations: { [attribute]: target },
  ...(parentalCollection ? { parentalCollection } : {}),
});

const customerLookup = (attribute: string): LookupDef => ({
  attribute,
  navigations: { [`${attribute}_account`]: 'accounts', [`${attribute}_contact`]: 'contacts' },
});

export const lookupColumn = (attribute: string) => `_${attribute}_value`;

/** Columns every table has; the server maintains them. */
const SYSTEM_COLUMNS: Record<string, ColumnDef> = {
  createdon: { type: 'datetime', readOnly: true },
  modifiedon: { type: 'datetime', readOnly: true },
  versionnumber: { type: 'bigint', readOnly: true },
};

function address(prefix: string, withPhone = false): Record<string, ColumnDef> {
  const columns: Record<string, ColumnDef> = {
    [`${prefix}_name`]: str(200),
    [`${prefix}_line1`]: str(250),
    [`${prefix}_line2`]: str(250),
    [`${prefix}_line3`]: str(250),
    [`${prefix}_city`]: str(80),
    [`${prefix}_stateorprovince`]: str(50),
    [`${prefix}_postalcode`]: str(20),
    [`${prefix}_country`]: str(80),
  };
  if (prefix === 'address1') {
    columns.address1_county = str(50);
    columns.address1_freighttermscode = choice({ 1: 'FOB', 2: 'No Charge' });
    columns.address1_shippingmethodcode = choice({ 1: 'Airborne', 2: 'DHL', 3: 'FedEx', 4: 'UPS', 5: 'Postal Mail' });
  }
  if (withPhone) columns[`${prefix}_telephone`] = str(50);
  return columns;
}

const PAYMENT_TERMS = choice({ 1: 'Net 30', 2: '2% 10, Net 30', 3: 'Net 45', 4: 'Net 60' });

const ACTIVE_INACTIVE: Record<number, StateDef> = {
  0: { label: 'Active', defaultStatus: 1, statuses: { 1: 'Active' } },
  1: { label: 'Inactive', defaultStatus: 2, statuses: { 2: 'Inactive' } },
};

/** Document totals shared by quotes, orders and invoices. */
const DOCUMENT_TOTALS: Record<string, ColumnDef> = {
  totalamount: MONEY,
  totallineitemamount: MONEY,
  totaldiscountamount: MONEY,
  discountamount: MONEY,
  discountpercentage: DECIMAL,
  freightamount: MONEY,
  totaltax: MONEY,
  totalamountlessfreight: MONEY,
};

/** Line columns shared by quote, order and invoice products. */
const LINE_COLUMNS: Record<string, ColumnDef> = {
  sequencenumber: INTEGER,
  lineitemnumber: INTEGER,
  quantity: DECIMAL,
  priceperunit: MONEY,
  baseamount: MONEY,
  extendedamount: MONEY,
  manualdiscountamount: MONEY,
  volumediscountamount: MONEY,
  tax: MONEY,
  description: memo(2000),
  productdescription: str(500),
  isproductoverridden: YES_NO,
  ispriceoverridden: YES_NO,
  requestdeliveryby: DATEONLY,
  msdynce_ismaintainedexternally: YES_NO,
  ...address('shipto'),
};

const LINE_LOOKUPS = (): LookupDef[] => [
  lookup('productid', 'products'),
  lookup('uomid', 'uoms'),
  lookup('transactioncurrencyid', 'transactioncurrencies'),
];

const DOCUMENT_LOOKUPS = (): LookupDef[] => [
  customerLookup('customerid'),
  lookup('pricelevelid', 'pricelevels'),
  lookup('transactioncurrencyid', 'transactioncurrencies'),
  lookup('owningbusinessunit', 'businessunits'),
];

const ENTITY_LIST: EntityDef[] = [
  {
    logicalName: 'businessunit',
    entitySet: 'businessunits',
    primaryId: 'businessunitid',
    primaryName: 'name',
    columns: { name: str(160), divisionname: str(100), description: memo(2000), isdisabled: YES_NO },
    lookups: [lookup('parentbusinessunitid', 'businessunits')],
    alternateKeys: [{ name: 'businessunit_name', columns: ['name'] }],
    changeTracking: true,
  },
  {
    logicalName: 'transactioncurrency',
    entitySet: 'transactioncurrencies',
    primaryId: 'transactioncurrencyid',
    primaryName: 'currencyname',
    columns: {
      currencyname: str(100),
      isocurrencycode: str(5),
      currencysymbol: str(10),
      exchangerate: DECIMAL,
      currencyprecision: INTEGER,
    },
    lookups: [],
    alternateKeys: [{ name: 'transactioncurrency_isocurrencycode', columns: ['isocurrencycode'] }],
    states: ACTIVE_INACTIVE,
    changeTracking: true,
  },
  {
    logicalName: 'uomschedule',
    entitySet: 'uomschedules',
    primaryId: 'uomscheduleid',
    primaryName: 'name',
    columns: { name: str(200), baseuomname: str(100), description: memo(2000) },
    lookups: [],
    alternateKeys: [{ name: 'uomschedule_name', columns: ['name'] }],
    states: ACTIVE_INACTIVE,
    changeTracking: true,
  },
  {
    logicalName: 'uom',
    entitySet: 'uoms',
    primaryId: 'uomid',
    primaryName: 'name',
    columns: { name: str(100), quantity: DECIMAL, isschedulebaseuom: YES_NO },
    lookups: [lookup('uomscheduleid', 'uomschedules'), lookup('baseuom', 'uoms')],
    alternateKeys: [{ name: 'uom_name', columns: ['name'] }],
    changeTracking: true,
  },
  {
    logicalName: 'pricelevel',
    entitySet: 'pricelevels',
    primaryId: 'pricelevelid',
    primaryName: 'name',
    columns: { name: str(100), description: memo(2000), begindate: DATEONLY, enddate: DATEONLY },
    lookups: [lookup('transactioncurrencyid', 'transactioncurrencies')],
    alternateKeys: [{ name: 'pricelevel_name', columns: ['name'] }],
    states: ACTIVE_INACTIVE,
    changeTracking: true,
  },
  {
    logicalName: 'product',
    entitySet: 'products',
    primaryId: 'productid',
    primaryName: 'name',
    columns: {
      name: str(100),
      productnumber: str(100),
      description: memo(2000),
      price: MONEY,
      currentcost: MONEY,
      standardcost: MONEY,
      producttypecode: choice({ 1: 'Sales Inventory', 2: 'Miscellaneous Charges', 3: 'Services', 4: 'Flat Fees' }),
      quantitydecimal: INTEGER,
      isstockitem: YES_NO,
      msdynce_ismaintainedexternally: YES_NO,
    },
    lookups: [
      lookup('defaultuomid', 'uoms'),
      lookup('defaultuomscheduleid', 'uomschedules'),
      lookup('pricelevelid', 'pricelevels'),
      lookup('transactioncurrencyid', 'transactioncurrencies'),
    ],
    alternateKeys: [{ name: 'product_productnumber', columns: ['productnumber'] }],
    states: {
      0: { label: 'Active', defaultStatus: 1, statuses: { 1: 'Active' } },
      1: { label: 'Retired', defaultStatus: 2, statuses: { 2: 'Retired' } },
      2: { label: 'Draft', defaultStatus: 0, statuses: { 0: 'Draft' } },
      3: { label: 'Under Revision', defaultStatus: 3, statuses: { 3: 'Under Revision' } },
    },
    changeTracking: true,
  },
  {
    logicalName: 'productpricelevel',
    entitySet: 'productpricelevels',
    primaryId: 'productpricelevelid',
    primaryName: 'productnumber',
    columns: {
      productnumber: { type: 'string', maxLength: 100, readOnly: true },
      amount: MONEY,
      pricingmethodcode: choice({ 1: 'Currency Amount', 2: 'Percent of List', 3: 'Percent Markup - Current Cost' }),
      quantitysellingcode: choice({ 1: 'No Control', 2: 'Whole', 3: 'Whole and Fractional' }),
    },
    lookups: [
      lookup('pricelevelid', 'pricelevels', 'price_level_product_price_levels'),
      lookup('productid', 'products'),
      lookup('uomid', 'uoms'),
      lookup('transactioncurrencyid', 'transactioncurrencies'),
    ],
    alternateKeys: [
      {
        name: 'productpricelevel_pricelist_product_unit',
        columns: [lookupColumn('pricelevelid'), lookupColumn('productid'), lookupColumn('uomid')],
      },
    ],
    changeTracking: true,
  },
  {
    logicalName: 'account',
    entitySet: 'accounts',
    primaryId: 'accountid',
    primaryName: 'name',
    columns: {
      name: str(160),
      accountnumber: str(20),
      ...address('address1'),
      telephone1: str(50),
      emailaddress1: str(100),
      fax: str(50),
      websiteurl: str(200),
      creditlimit: MONEY,
      revenue: MONEY,
      description: memo(2000),
      paymenttermscode: PAYMENT_TERMS,
      customertypecode: choice({ 1: 'Competitor', 3: 'Customer', 11: 'Prospect', 12: 'Other' }),
    },
    lookups: [
      lookup('primarycontactid', 'contacts'),
      lookup('parentaccountid', 'accounts'),
      lookup('transactioncurrencyid', 'transactioncurrencies'),
      lookup('defaultpricelevelid', 'pricelevels'),
      lookup('owningbusinessunit', 'businessunits'),
    ],
    alternateKeys: [{ name: 'msdynce_accountnumber', columns: ['accountnumber'] }],
    states: ACTIVE_INACTIVE,
    changeTracking: true,
    autoNumber: { column: 'accountnumber', prefix: ACCOUNT_NUMBER_PREFIX },
  },
  {
    logicalName: 'contact',
    entitySet: 'contacts',
    primaryId: 'contactid',
    primaryName: 'fullname',
    columns: {
      firstname: str(50),
      middlename: str(50),
      lastname: str(50),
      fullname: { type: 'string', maxLength: 160, readOnly: true },
      jobtitle: str(100),
      department: str(100),
      ...address('address1'),
      telephone1: str(50),
      emailaddress1: str(100),
      fax: str(50),
      websiteurl: str(200),
      description: memo(2000),
      spousesname: str(100),
      governmentid: str(50),
      gendercode: choice({ 1: 'Male', 2: 'Female' }),
      familystatuscode: choice({ 1: 'Single', 2: 'Married', 3: 'Divorced', 4: 'Widowed' }),
      paymenttermscode: PAYMENT_TERMS,
      msdynce_contactnumber: str(20),
      msdynce_isactivecustomer: YES_NO,
      msdynce_iscompanyanaccount: YES_NO,
    },
    lookups: [
      { ...customerLookup('parentcustomerid'), collections: { accounts: 'contact_customer_accounts' } },
      lookup('transactioncurrencyid', 'transactioncurrencies'),
      lookup('defaultpricelevelid', 'pricelevels'),
      lookup('owningbusinessunit', 'businessunits'),
    ],
    alternateKeys: [{ name: 'msdynce_contactnumber', columns: ['msdynce_contactnumber'] }],
    states: ACTIVE_INACTIVE,
    changeTracking: true,
    autoNumber: { column: 'msdynce_contactnumber', prefix: CONTACT_NUMBER_PREFIX },
    derive: (row) => {
      const parts = [row.firstname, row.lastname].filter((p) => typeof p === 'string' && p.length > 0);
      row.fullname = parts.length ? parts.join(' ') : null;
    },
  },
  {
    logicalName: 'quote',
    entitySet: 'quotes',
    primaryId: 'quoteid',
    primaryName: 'name',
    columns: {
      name: str(300),
      quotenumber: str(100),
      revisionnumber: INTEGER,
      description: memo(2000),
      ...address('shipto'),
      ...address('billto'),
      requestdeliveryby: DATEONLY,
      effectivefrom: DATEONLY,
      effectiveto: DATEONLY,
      closedon: DATEONLY,
      ...DOCUMENT_TOTALS,
      paymenttermscode: PAYMENT_TERMS,
      freighttermscode: choice({ 1: 'FOB', 2: 'No Charge' }),
      shippingmethodcode: choice({ 1: 'Airborne', 2: 'DHL', 3: 'FedEx', 4: 'UPS', 5: 'Postal Mail' }),
      msdynce_hasexternallymaintainedproductsonly: YES_NO,
      msdynce_ismaintainedexternally: YES_NO,
    },
    lookups: DOCUMENT_LOOKUPS(),
    alternateKeys: [{ name: 'quote_quotenumber', columns: ['quotenumber'] }],
    states: {
      0: { label: 'Draft', defaultStatus: 1, statuses: { 1: 'In Progress' } },
      1: { label: 'Active', defaultStatus: 2, statuses: { 2: 'In Progress', 3: 'Open' } },
      2: { label: 'Won', defaultStatus: 4, statuses: { 4: 'Won' } },
      3: {
        label: 'Closed',
        defaultStatus: 5,
        statuses: { 5: 'Lost', 6: 'Canceled', 7: 'Revised', 647390000: 'Submitted' },
      },
    },
    changeTracking: true,
  },
  {
    logicalName: 'quotedetail',
    entitySet: 'quotedetails',
    primaryId: 'quotedetailid',
    primaryName: 'productdescription',
    columns: {
      ...LINE_COLUMNS,
      msdynce_quotehasexternalmaintainedproductsonly: YES_NO,
      msdynce_quoterevisionnumber: INTEGER,
    },
    lookups: [lookup('quoteid', 'quotes', 'quote_details'), ...LINE_LOOKUPS()],
    alternateKeys: [],
    changeTracking: true,
  },
  {
    logicalName: 'salesorder',
    entitySet: 'salesorders',
    primaryId: 'salesorderid',
    primaryName: 'name',
    columns: {
      name: str(300),
      ordernumber: str(100),
      description: memo(2000),
      ...address('shipto'),
      ...address('billto'),
      requestdeliveryby: DATEONLY,
      datefulfilled: DATEONLY,
      submitdate: DATEONLY,
      ...DOCUMENT_TOTALS,
      paymenttermscode: PAYMENT_TERMS,
      msdynce_ismaintainedexternally: YES_NO,
      msdynce_hasexternallymaintainedproductsonly: YES_NO,
      msdynce_processingstatus: choice({
        647390000: 'Active',
        647390001: 'Confirmed',
        647390002: 'Packing Slip',
        647390003: 'Invoiced',
        647390004: 'Picked',
        647390005: 'Partially Picked',
        647390006: 'Partially Packed',
        647390007: 'Shipped',
        647390008: 'Partially Shipped',
        647390009: 'Partially Invoiced',
        647390010: 'Cancelled',
        647390011: 'Draft',
      }),
      msdynce_misctax: MONEY,
    },
    lookups: [...DOCUMENT_LOOKUPS(), lookup('quoteid', 'quotes')],
    alternateKeys: [{ name: 'salesorder_ordernumber', columns: ['ordernumber'] }],
    states: {
      0: { label: 'Active', defaultStatus: 1, statuses: { 1: 'New', 2: 'Pending' } },
      1: { label: 'Submitted', defaultStatus: 3, statuses: { 3: 'In Progress' } },
      2: { label: 'Canceled', defaultStatus: 4, statuses: { 4: 'No Money' } },
      3: { label: 'Fulfilled', defaultStatus: 100001, statuses: { 100001: 'Complete', 100002: 'Partial' } },
      4: { label: 'Invoiced', defaultStatus: 100003, statuses: { 100003: 'Invoiced' } },
    },
    changeTracking: true,
  },
  {
    logicalName: 'salesorderdetail',
    entitySet: 'salesorderdetails',
    primaryId: 'salesorderdetailid',
    primaryName: 'productdescription',
    columns: {
      ...LINE_COLUMNS,
      msdynce_orderhasexternalmaintainedproductsonly: YES_NO,
      msdynce_orderissubmitted: YES_NO,
      msdynce_ismisctax: YES_NO,
      msdynce_ordernumber: str(100),
    },
    lookups: [lookup('salesorderid', 'salesorders', 'order_details'), ...LINE_LOOKUPS()],
    alternateKeys: [{ name: 'msdynce_salesorderdetail_key', columns: ['msdynce_ordernumber', 'sequencenumber'] }],
    changeTracking: true,
  },
  {
    logicalName: 'invoice',
    entitySet: 'invoices',
    primaryId: 'invoiceid',
    primaryName: 'name',
    columns: {
      name: str(300),
      invoicenumber: str(100),
      description: memo(2000),
      ...address('shipto'),
      ...address('billto'),
      datedelivered: DATEONLY,
      duedate: DATEONLY,
      ...DOCUMENT_TOTALS,
      paymenttermscode: PAYMENT_TERMS,
      msdynce_ismaintainedexternally: YES_NO,
      msdynce_hasexternallymaintainedproductsonly: YES_NO,
      msdynce_invoicedate: DATEONLY,
      msdynce_misctax: MONEY,
    },
    lookups: [...DOCUMENT_LOOKUPS(), lookup('salesorderid', 'salesorders')],
    alternateKeys: [{ name: 'invoice_invoicenumber', columns: ['invoicenumber'] }],
    states: {
      0: {
        label: 'Active',
        defaultStatus: 1,
        statuses: { 1: 'New', 2: 'Partially Shipped', 4: 'Billed', 5: 'Booked', 6: 'Installed' },
      },
      1: { label: 'Closed (deprecated)', defaultStatus: 3, statuses: { 3: 'Canceled (deprecated)' } },
      2: { label: 'Paid', defaultStatus: 7, statuses: { 7: 'Complete', 8: 'Partial' } },
      3: { label: 'Canceled', defaultStatus: 100003, statuses: { 100003: 'Canceled' } },
    },
    changeTracking: true,
  },
  {
    logicalName: 'invoicedetail',
    entitySet: 'invoicedetails',
    primaryId: 'invoicedetailid',
    primaryName: 'productdescription',
    columns: {
      ...LINE_COLUMNS,
      msdynce_ismisctax: YES_NO,
      msdynce_invoicedate: DATEONLY,
      msdynce_invoicenumber: str(100),
    },
    lookups: [
      lookup('invoiceid', 'invoices', 'invoice_details'),
      lookup('salesorderdetailid', 'salesorderdetails'),
      ...LINE_LOOKUPS(),
    ],
    alternateKeys: [{ name: 'msdynce_invoicedetail_key', columns: ['msdynce_invoicenumber', 'sequencenumber'] }],
    changeTracking: true,
  },
];

function finish(entity: EntityDef): EntityDef {
  const columns: Record<string, ColumnDef> = { [entity.primaryId]: { type: 'uniqueidentifier' }, ...entity.columns };
  if (entity.states) {
    const stateOptions: Record<number, string> = {};
    const statusOptions: Record<number, string> = {};
    for (const [code, state] of Object.entries(entity.states)) {
      stateOptions[Number(code)] = state.label;
      Object.assign(statusOptions, state.statuses);
    }
    columns.statecode = { type: 'state', options: stateOptions };
    columns.statuscode = { type: 'status', options: statusOptions };
  }
  Object.assign(columns, SYSTEM_COLUMNS);
  return { ...entity, columns };
}

export const ENTITIES: readonly EntityDef[] = ENTITY_LIST.map(finish);

export const ENTITIES_BY_SET: ReadonlyMap<string, EntityDef> = new Map(ENTITIES.map((e) => [e.entitySet, e]));
export const ENTITIES_BY_LOGICAL_NAME: ReadonlyMap<string, EntityDef> = new Map(
  ENTITIES.map((e) => [e.logicalName, e]),
);

export interface NavigationInfo {
  lookup: LookupDef;
  navigation: string;
  targetSet: string;
}

/** Single-valued navigation property → its lookup, for one entity. */
export function navigationsOf(entity: EntityDef): Map<string, NavigationInfo> {
  const map = new Map<string, NavigationInfo>();
  for (const lookup of entity.lookups) {
    for (const [navigation, targetSet] of Object.entries(lookup.navigations)) {
      map.set(navigation, { lookup, navigation, targetSet });
    }
  }
  return map;
}

export interface CollectionInfo {
  name: string;
  parentSet: string;
  childSet: string;
  lookup: LookupDef;
  /** The child's single-valued navigation that points at the parent (for a polymorphic lookup, its parent set). */
  navigation: string;
  /** Parental: children are deleted with the parent. Otherwise their lookup is cleared. */
  parental: boolean;
}

/** Collection-valued navigation properties of each parent set (quote → quote_details, account → contacts, …). */
export const COLLECTIONS_BY_SET: ReadonlyMap<string, Map<string, CollectionInfo>> = (() => {
  const map = new Map<string, Map<string, CollectionInfo>>();
  for (const child of ENTITIES) {
    for (const lookup of child.lookups) {
      for (const [navigation, parentSet] of Object.entries(lookup.navigations)) {
        const name = lookup.parentalCollection ?? lookup.collections?.[parentSet];
        if (!name) continue;
        const parental = lookup.parentalCollection !== undefined;
        const entry = map.get(parentSet) ?? new Map<string, CollectionInfo>();
        entry.set(name, { name, parentSet, childSet: child.entitySet, lookup, navigation, parental });
        map.set(parentSet, entry);
      }
    }
  }
  return map;
})();

/** Order in which seed sets are loaded (referenced tables first); any set not listed goes last. */
export const SEED_ORDER: readonly string[] = ENTITIES.map((e) => e.entitySet);
