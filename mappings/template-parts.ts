/**
 * Building blocks the templates share: lookups by business key, address and contact-channel blocks, and the
 * line maps common to quotes and orders. Each block exists once so a fix applies to every template using it.
 */
import type { FieldMapEntryInput, Step } from './schema';
import { TEMPLATE_DEFAULTS } from './value-maps';

type Entry = FieldMapEntryInput;
type Lookup = NonNullable<Entry['lookup']>;

/** F&O enum literal for OData filters. */
export const fnoEnum = (type: string, symbol: string): string => `Microsoft.Dynamics.DataEntities.${type}'${symbol}'`;
export const FNO_YES = fnoEnum('NoYes', 'Yes');
export const PARTITION_BY_COMPANY = "dataAreaId eq '{dataAreaId}'";
/**
 * Sales rows of a partition are those its business unit owns (spec §4: Sales sources read the mapped business
 * unit), so a project pairing usmf ↔ USMF and demf ↔ DEMF sends each unit's accounts and documents to its own
 * company only. Document lines have no owner of their own: they are read with their header.
 */
export const PARTITION_BY_BUSINESS_UNIT = "owningbusinessunit/name eq '{businessUnit}'";

export const direct = (source: string | string[], target: string, extra: Partial<Entry> = {}): Entry => ({
  source,
  target,
  ...extra,
});
export const defaulted = (target: string, value: string | number | boolean, extra: Partial<Entry> = {}): Entry => ({
  target,
  steps: [{ type: 'default', value }],
  ...extra,
});
export const constant = (target: string, value: string | number | boolean, extra: Partial<Entry> = {}): Entry => ({
  target,
  steps: [{ type: 'constant', value }],
  ...extra,
});
export const mapped = (
  source: string,
  target: string,
  map: string,
  extra: Partial<Entry> & { onMissing?: 'error' | 'keep'; code?: string; inverse?: boolean } = {},
): Entry => {
  const { onMissing = 'error', code, inverse = false, ...rest } = extra;
  const step: Step = { type: 'valueMap', map, inverse, onMissing, code: code ?? 'unmapped-value' };
  // An empty source of a required mapped field fails with the same code as an unmapped value.
  return { source, target, steps: [step], ...(rest.required ? { code: step.code } : {}), ...rest };
};

/** F&O customers, by customer account: the quote/order customer and the contact person's company. */
export const FNO_CUSTOMER: Lookup = {
  candidates: [{ entitySet: 'CustomersV2', keyField: 'CustomerAccount' }],
  code: 'customer-not-synced',
  hint: 'synchronise the customer first (accounts or contactsToCustomers task) in this company',
};

/** The polymorphic Dataverse customer: account by account number, else contact by contact number. */
export const SALES_CUSTOMER: Lookup = {
  candidates: [
    { entitySet: 'accounts', keyField: 'accountnumber', navigation: 'customerid_account' },
    { entitySet: 'contacts', keyField: 'msdynce_contactnumber', navigation: 'customerid_contact' },
  ],
  code: 'missing-customer',
  hint: 'the F&O customer must come from Sales (an account or a contact with that number)',
};

export const SALES_CURRENCY: Lookup = {
  candidates: [{ entitySet: 'transactioncurrencies', keyField: 'isocurrencycode' }],
  code: 'missing-currency',
  hint: 'add the currency in Sales (Settings > Business Management > Currencies)',
};

export const SALES_PRODUCT: Lookup = {
  candidates: [{ entitySet: 'products', keyField: 'productnumber' }],
  code: 'missing-product',
  hint: 'run the products task first; the product must be sellable in F&O',
};

export const FNO_PRODUCT: Lookup = {
  candidates: [{ entitySet: 'SellableReleasedProducts', keyField: 'ProductNumber' }],
  code: 'missing-product',
  hint: 'the product must be a sellable released product of this company',
};

export const FNO_UNIT: Lookup = {
  candidates: [{ entitySet: 'UnitsOfMeasure', keyField: 'UnitSymbol', shared: true }],
  code: 'unmapped-unit',
  hint: 'map the Sales unit to an F&O unit symbol in valueMaps.salesUnits',
};

export const SALES_UNIT: Lookup = {
  candidates: [{ entitySet: 'uoms', keyField: 'name' }],
  code: 'unmapped-unit',
  hint: `create the unit in the Sales unit group "${TEMPLATE_DEFAULTS.unitGroup}" or map the symbol in valueMaps.salesUnits`,
};

export const SALES_PRICE_LIST: Lookup = {
  candidates: [{ entitySet: 'pricelevels', keyField: 'name' }],
  code: 'missing-price-list',
  hint: 'create the price list in Sales or change valueMaps.priceListsByCurrency',
};

export const SALES_BUSINESS_UNIT: Lookup = {
  candidates: [{ entitySet: 'businessunits', keyField: 'name' }],
  code: 'missing-business-unit',
  hint: "the partition's business unit must exist in Sales (DIPV1008: renamed or deleted business unit)",
};

/** Sales customer of a quote/order as the number F&O knows it by: account number, else contact number. */
export const SALES_CUSTOMER_NUMBER = ['customerid_account.accountnumber', 'customerid_contact.msdynce_contactnumber'];

/**
 * A customer whose number is blank or unknown to F&O is `customer-not-synced` (run the customer tasks); a
 * document with no customer at all fails the CUSTOMER_PRESENT check first.
 */
export const customerOf = (target: string): Entry =>
  direct(SALES_CUSTOMER_NUMBER, target, {
    required: true,
    code: FNO_CUSTOMER.code,
    lookup: FNO_CUSTOMER,
    sourceField: 'customerid',
  });

export const CUSTOMER_PRESENT = {
  path: '_customerid_value',
  notEmpty: true as const,
  code: 'missing-customer',
  field: 'customerid',
  message: 'the document has no customer',
};

export const country = (output: 'iso2' | 'iso3' | 'name', blank: string | null = null): Step => ({
  type: 'country',
  output,
  blank,
});

/** Sales state/province → F&O state id, through valueMaps.states (names longer than an id need an entry). */
export const stateOf = (source: string, target: string, extra: Partial<Entry> = {}): Entry =>
  mapped(source, target, 'states', { onMissing: 'keep', ...extra });

/** Sales address1_* → F&O customer address (CustomersV2); street lines are joined as F&O keeps one street. */
export function customerAddress(): Entry[] {
  return [
    {
      target: 'AddressStreet',
      concat: { sources: ['address1_line1', 'address1_line2', 'address1_line3'], separator: '\n' },
      note: 'street lines joined with line breaks',
    },
    direct('address1_city', 'AddressCity'),
    stateOf('address1_stateorprovince', 'AddressState'),
    direct('address1_county', 'AddressCounty'),
    direct('address1_postalcode', 'AddressZipCode'),
    {
      source: 'address1_country',
      target: 'AddressCountryRegionISOCode',
      steps: [country('iso2', TEMPLATE_DEFAULTS.blankCountryIso2)],
      required: true,
      code: 'missing-country',
      note: 'country name → ISO code; blank → US',
    },
  ];
}

/** What accounts and contacts share as F&O customers: defaults, the flag, address, channels, currency. */
export function customerCommon(): Entry[] {
  return [
    defaulted('CustomerGroupId', TEMPLATE_DEFAULTS.customerGroup),
    defaulted('LanguageId', TEMPLATE_DEFAULTS.languageId),
    constant('IsExternallyMaintained', 'Yes', {
      type: 'noYes',
      note: 'drives the F&O → Sales order and invoice filters',
    }),
    ...customerAddress(),
    ...contactChannels({
      phone: 'PrimaryContactPhone',
      email: 'PrimaryContactEmail',
      fax: 'PrimaryContactFax',
      url: 'PrimaryContactURL',
    }),
    direct('transactioncurrencyid.isocurrencycode', 'SalesCurrencyCode'),
  ];
}

/** Sales phone, e-mail, fax, web site → the given F&O columns. */
export function contactChannels(targets: { phone: string; email: string; fax: string; url: string }): Entry[] {
  return [
    direct('telephone1', targets.phone),
    direct('emailaddress1', targets.email),
    direct('fax', targets.fax),
    direct('websiteurl', targets.url),
  ];
}

/** Sales shipto_* → F&O DeliveryAddress* of a quote/order header (or a line: no street number, kept if empty). */
export function deliveryAddress(level: 'header' | 'line'): Entry[] {
  const line = level === 'line';
  const extra: Partial<Entry> = line ? { whenEmpty: 'omit' } : {};
  return [
    direct('shipto_line1', 'DeliveryAddressStreet', extra),
    ...(line ? [] : [direct('shipto_line2', 'DeliveryAddressStreetNumber')]),
    direct('shipto_city', 'DeliveryAddressCity', extra),
    stateOf('shipto_stateorprovince', 'DeliveryAddressStateId', extra),
    direct('shipto_postalcode', 'DeliveryAddressZipCode', extra),
    {
      source: 'shipto_country',
      target: 'DeliveryAddressCountryRegionISOCode',
      steps: [country('iso2', line ? null : TEMPLATE_DEFAULTS.blankCountryIso2)],
      ...extra,
      note: line ? 'country name → ISO code; empty keeps the header address' : 'country name → ISO code; blank → US',
    },
  ];
}

/** F&O address → Sales shipto_/billto_ columns; the first street line to line1, further lines to line3. */
export function salesAddress(
  from: { street: string; streetNumber: string; city: string; state: string; zip: string; country: string },
  to: 'shipto' | 'billto',
): Entry[] {
  return [
    {
      source: from.street,
      target: `${to}_line1`,
      steps: [{ type: 'split', separator: '\n', index: 0, rest: false }],
      note: 'first line of the F&O street',
    },
    direct(from.streetNumber, `${to}_line2`),
    {
      source: from.street,
      target: `${to}_line3`,
      steps: [{ type: 'split', separator: '\n', index: 1, rest: true }],
      note: 'further lines of the F&O street',
    },
    direct(from.city, `${to}_city`),
    direct(from.state, `${to}_stateorprovince`),
    direct(from.zip, `${to}_postalcode`),
    { source: from.country, target: `${to}_country`, steps: [country('name')], note: 'ISO/region code → name' },
  ];
}

export const fnoAddressFields = (prefix: 'Delivery' | 'Invoice', state: 'StateId' | 'State', country: string) => ({
  street: `${prefix}AddressStreet`,
  streetNumber: `${prefix}AddressStreetNumber`,
  city: `${prefix}AddressCity`,
  state: `${prefix}Address${state}`,
  zip: `${prefix}AddressZipCode`,
  country: `${prefix}Address${country}`,
});

/**
 * Must hold on a quote/order header sent to F&O: the P2C solution's flag that every product came from F&O. Data
 * Integrator filtered such documents out silently; here they fail visibly, and their lines say which product.
 */
export const ONLY_FNO_PRODUCTS = {
  path: 'msdynce_hasexternallymaintainedproductsonly',
  equals: true,
  code: 'write-in-product',
  field: 'productid',
  message: 'the document has products that did not come from F&O (write-in or created in Sales); its lines name them',
};

/** Must hold on every Sales quote/order line sent to F&O: a catalogue product, and one that came from F&O. */
export const PRODUCT_FROM_FNO = [
  {
    path: 'productid.productnumber',
    notEmpty: true as const,
    code: 'write-in-product',
    message: 'the line has a write-in product; F&O accepts only products synchronised from it',
  },
  {
    path: 'productid.msdynce_ismaintainedexternally',
    equals: true,
    code: 'missing-product',
    message: 'the line product was created in Sales, not synchronised from F&O; use products from the products task',
  },
];

/** Sales quote/order line → F&O CDS line: the part quotes and orders share (§6.6, §6.7). */
export function salesLineToFno(parent: string, parentTarget: string, quantityTarget: string): Entry[] {
  return [
    direct(`${parent}`, parentTarget, { required: true }),
    direct('sequencenumber', 'LineCreationSequenceNumber', { type: 'integer', required: true }),
    direct('productid.productnumber', 'ProductNumber', {
      required: true,
      code: 'missing-product',
      lookup: FNO_PRODUCT,
    }),
    direct('quantity', quantityTarget, { type: 'number', required: true }),
    direct('priceperunit', 'SalesPrice', { type: 'number' }),
    {
      source: 'manualdiscountamount',
      target: 'LineDiscountAmount',
      type: 'number',
      steps: [{ type: 'perUnitDiscount', quantity: 'quantity', part: 'perUnit', decimals: 2 }],
      note: '§7.2: line discount ÷ quantity, rounded',
    },
    {
      source: 'manualdiscountamount',
      target: 'FixedPriceCharges',
      type: 'number',
      steps: [
        { type: 'perUnitDiscount', quantity: 'quantity', price: 'priceperunit', part: 'roundingCharge', decimals: 2 },
      ],
      note: '§7.2: rounding difference as a line charge',
    },
    mapped('uomid.name', 'SalesUnitSymbol', 'salesUnits', {
      inverse: true,
      onMissing: 'keep',
      code: 'unmapped-unit',
      required: true,
      lookup: FNO_UNIT,
      note: 'Sales unit name → F&O unit symbol (inverse of valueMaps.salesUnits)',
    }),
    direct(['description', 'productdescription'], 'LineDescription', {
      whenEmpty: 'omit',
      note: 'empty keeps the text F&O takes from the product',
    }),
    direct('requestdeliveryby', 'RequestedShippingDate', { type: 'date' }),
    ...deliveryAddress('line'),
  ];
}

/** F&O order/invoice line → Sales line: product, unit, flags (§6.8, §6.9). */
export function fnoLineToSales(): Entry[] {
  return [
    direct('ProductNumber', 'productid', { required: true, code: 'missing-product', lookup: SALES_PRODUCT }),
    mapped('SalesUnitSymbol', 'uomid', 'salesUnits', {
      onMissing: 'keep',
      code: 'unmapped-unit',
      required: true,
      lookup: SALES_UNIT,
      note: 'F&O unit symbol → Sales unit name',
    }),
    direct('SalesPrice', 'priceperunit', { type: 'number' }),
    constant('ispriceoverridden', true, { type: 'boolean' }),
    constant('isproductoverridden', false, { type: 'boolean' }),
    constant('msdynce_ismaintainedexternally', true, { type: 'boolean' }),
  ];
}

/** The owning business unit of rows created in Sales, from the partition (§4). */
export const owningBusinessUnit = (): Entry => ({
  target: 'owningbusinessunit',
  steps: [{ type: 'businessUnit' }],
  lookup: SALES_BUSINESS_UNIT,
  note: "the partition's business unit",
});

/** Header currency and price list of orders/invoices coming from F&O. */
export function currencyAndPriceList(currencyField: string): Entry[] {
  return [
    direct(currencyField, 'transactioncurrencyid', {
      required: true,
      code: 'missing-currency',
      lookup: SALES_CURRENCY,
    }),
    mapped(currencyField, 'pricelevelid', 'priceListsByCurrency', {
      code: 'missing-price-list',
      required: true,
      lookup: SALES_PRICE_LIST,
      note: 'price list per currency (valueMaps.priceListsByCurrency)',
    }),
  ];
}
