/**
 * The Prospect to cash templates (spec/entities.md §6) as task definitions, the run order (§3) and the
 * prerequisites (§2). Pairs the spec marks as inferred are kept as the spec gives them; the few places where
 * this code goes further are noted in the `note` of the entry and in docs/templates.md.
 */
import { withDerivedQuery } from './query';
import { taskDefinitionSchema, type TaskDefinition, type TaskDefinitionInput } from './schema';
import {
  constant,
  contactChannels,
  country,
  currencyAndPriceList,
  customerCommon,
  CUSTOMER_PRESENT,
  customerOf,
  defaulted,
  direct,
  ONLY_FNO_PRODUCTS,
  PRODUCT_FROM_FNO,
  fnoAddressFields,
  fnoEnum,
  FNO_CUSTOMER,
  FNO_YES,
  fnoLineToSales,
  deliveryAddress,
  mapped,
  owningBusinessUnit,
  PARTITION_BY_BUSINESS_UNIT,
  PARTITION_BY_COMPANY,
  SALES_CURRENCY,
  SALES_CUSTOMER,
  SALES_UNIT,
  salesAddress,
  salesLineToFno,
  stateOf,
} from './template-parts';
import { PROCESSING_STATUS, TEMPLATE_DEFAULTS } from './value-maps';

/** Spec §3: products, customers, contacts, then quotes, orders both ways, invoices; headers before lines. */
export const RUN_ORDER = [
  'products',
  'accounts',
  'contactsToCustomers',
  'contactPersons',
  'quoteHeaders',
  'quoteLines',
  'salesOrdersToFno',
  'salesOrderLinesToFno',
  'salesOrdersFromFno',
  'salesOrderLinesFromFno',
  'invoiceHeaders',
  'invoiceLines',
] as const;
export type TemplateName = (typeof RUN_ORDER)[number];

const MODIFIED_ON = { modifiedField: 'modifiedon', orderBy: 'modifiedon asc' };
const CUSTOMER_TASKS = ['accounts', 'contactsToCustomers'];
const SALES_DOCUMENT_PREREQUISITES = ['products', ...CUSTOMER_TASKS];
const fnoOrderFilter = [
  `OrderingCustomerIsExternallyMaintained eq ${FNO_YES}`,
  `InvoiceCustomerIsExternallyMaintained eq ${FNO_YES}`,
  `SalesOrderProcessingStatus ne ${fnoEnum('SalesOrderProcessingStatus', 'Active')}`,
].join(' and ');
const notWorkOrders = `SalesOrderOriginType ne ${fnoEnum('SalesOriginType', 'WorkOrderIntegration')}`;
const fnoCompanyTarget = (entitySet: string, ...keys: string[]) => ({
  system: 'fno' as const,
  entitySet,
  keyFields: ['dataAreaId', ...keys],
});

const definitions: TaskDefinitionInput[] = [
  {
    name: 'products',
    title: 'Products (F&O to Sales)',
    direction: 'fno-to-sales',
    source: {
      system: 'fno',
      entitySet: 'SellableReleasedProducts',
      partitionFilter: PARTITION_BY_COMPANY,
      keyFields: ['ProductNumber'],
      orderBy: 'ProductNumber asc',
    },
    target: { system: 'sales', entitySet: 'products', keyFields: ['productnumber'] },
    fieldMap: [
      direct('ProductNumber', 'productnumber', { required: true }),
      direct(['ProductName', 'ProductNumber'], 'name', { note: 'the product number when the name is blank' }),
      direct('ProductDescription', 'description'),
      mapped('SalesUnitSymbol', 'defaultuomid', 'salesUnits', {
        onMissing: 'keep',
        code: 'unmapped-unit',
        required: true,
        lookup: SALES_UNIT,
        note: 'F&O unit symbol → Sales unit name',
      }),
      defaulted('defaultuomscheduleid', TEMPLATE_DEFAULTS.unitGroup, {
        lookup: {
          candidates: [{ entitySet: 'uomschedules', keyField: 'name' }],
          code: 'missing-unit-group',
          hint: 'create the unit group in Sales or change the default',
        },
      }),
      direct('SalesPrice', 'price', { type: 'number' }),
      direct('UnitCost', 'currentcost', { type: 'number' }),
      direct('CurrencyCode', 'transactioncurrencyid', {
        required: true,
        code: 'missing-currency',
        lookup: SALES_CURRENCY,
      }),
      mapped('ProductType', 'producttypecode', 'productTypes', { type: 'integer' }),
      direct('SalesUnitDecimalPrecision', 'quantitydecimal', { type: 'integer' }),
      direct('IsStockedProduct', 'isstockitem', { type: 'boolean' }),
      constant('msdynce_ismaintainedexternally', true, { type: 'boolean' }),
    ],
    priceListEntry: { amount: 'SalesPrice' },
    preflight: [
      {
        id: 'populate-distinct-products',
        system: 'fno',
        description:
          'Run "Populate distinct product table" once; older products are invisible to the entity until then',
      },
      {
        id: 'price-list-per-currency',
        system: 'sales',
        description: 'One active price list per F&O sales currency',
        entitySet: 'pricelevels',
        filter: 'statecode eq 0',
      },
      {
        id: 'unit-group',
        system: 'sales',
        description: `The unit group "${TEMPLATE_DEFAULTS.unitGroup}" exists in Sales`,
        entitySet: 'uomschedules',
        filter: `name eq '${TEMPLATE_DEFAULTS.unitGroup}'`,
      },
    ],
  },
  {
    name: 'accounts',
    title: 'Accounts - Customers (Sales to F&O)',
    direction: 'sales-to-fno',
    source: {
      system: 'sales',
      entitySet: 'accounts',
      idField: 'accountid',
      partitionFilter: PARTITION_BY_BUSINESS_UNIT,
      keyFields: ['accountnumber'],
      ...MODIFIED_ON,
    },
    target: fnoCompanyTarget('CustomersV2', 'CustomerAccount'),
    fieldMap: [
      direct('accountnumber', 'CustomerAccount', { required: true }),
      direct('accountnumber', 'PartyNumber', { note: 'party number = account number (unmodified P2C set-up)' }),
      direct('name', 'OrganizationName', { required: true }),
      constant('PartyType', 'Organization'),
      defaulted('SiteId', TEMPLATE_DEFAULTS.siteId),
      defaulted('WarehouseId', TEMPLATE_DEFAULTS.warehouseId),
      ...customerCommon(),
      direct('creditlimit', 'CreditLimit', { type: 'number' }),
      direct('description', 'SalesMemo'),
    ],
  },
  {
    name: 'contactsToCustomers',
    title: 'Contacts to Customers (Sales to F&O)',
    direction: 'sales-to-fno',
    source: {
      system: 'sales',
      entitySet: 'contacts',
      idField: 'contactid',
      partitionFilter: PARTITION_BY_BUSINESS_UNIT,
      filter: 'msdynce_isactivecustomer eq true',
      keyFields: ['msdynce_contactnumber'],
      ...MODIFIED_ON,
    },
    target: fnoCompanyTarget('CustomersV2', 'CustomerAccount'),
    fieldMap: [
      direct('msdynce_contactnumber', 'CustomerAccount', { required: true }),
      direct('msdynce_contactnumber', 'PartyNumber', { note: 'party number = contact number' }),
      constant('PartyType', 'Person'),
      direct('firstname', 'PersonFirstName'),
      direct('middlename', 'PersonMiddleName'),
      direct('lastname', 'PersonLastName', { required: true }),
      ...customerCommon(),
    ],
    dependsOn: ['accounts'],
  },
  {
    name: 'contactPersons',
    title: 'Contacts - Contact persons (Sales to F&O)',
    direction: 'sales-to-fno',
    source: {
      system: 'sales',
      entitySet: 'contacts',
      idField: 'contactid',
      partitionFilter: PARTITION_BY_BUSINESS_UNIT,
      filter: 'msdynce_isactivecustomer eq false and msdynce_iscompanyanaccount eq true',
      keyFields: ['msdynce_contactnumber'],
      ...MODIFIED_ON,
    },
    target: fnoCompanyTarget('CDSContactPersons', 'ContactPersonPartyNumber', 'AssociatedPartyNumber'),
    fieldMap: [
      direct('msdynce_contactnumber', 'ContactPersonPartyNumber', { required: true }),
      direct('parentcustomerid_account.accountnumber', 'AssociatedPartyNumber', {
        required: true,
        code: 'missing-parent-account',
        sourceField: 'parentcustomerid',
        lookup: { ...FNO_CUSTOMER, candidates: [{ entitySet: 'CustomersV2', keyField: 'PartyNumber' }] },
        note: "the company's party number = its account number",
      }),
      direct('firstname', 'FirstName'),
      direct('middlename', 'MiddleName'),
      direct('lastname', 'LastName'),
      direct('jobtitle', 'EmploymentProfession'),
      direct('department', 'EmploymentDepartment'),
      ...contactChannels({
        phone: 'PrimaryPhoneNumber',
        email: 'PrimaryEmailAddress',
        fax: 'PrimaryFaxNumber',
        url: 'PrimaryURL',
      }),
      {
        target: 'PrimaryAddressStreet',
        concat: { sources: ['address1_line1', 'address1_line2', 'address1_line3'], separator: '\n' },
        note: 'street lines joined with line breaks',
      },
      direct('address1_city', 'PrimaryAddressCity'),
      stateOf('address1_stateorprovince', 'PrimaryAddressStateId'),
      direct('address1_county', 'PrimaryAddressCountyId'),
      direct('address1_postalcode', 'PrimaryAddressZipCode'),
      {
        source: 'address1_country',
        target: 'PrimaryAddressCountryRegionId',
        steps: [country('iso3')],
        note: 'country name → F&O region id',
      },
      mapped('gendercode', 'Gender', 'genders', { whenEmpty: 'omit' }),
      mapped('familystatuscode', 'MaritalStatus', 'maritalStatuses', { whenEmpty: 'omit' }),
      direct('description', 'Notes'),
      direct('spousesname', 'SpouseName'),
      direct('governmentid', 'GovernmentIdentificationNumber'),
      constant('IsContactPersonExternallyMaintained', 'Yes', { type: 'noYes' }),
    ],
    dependsOn: ['accounts'],
  },
  {
    name: 'quoteHeaders',
    title: 'Sales quotes - QuoteHeader (Sales to F&O)',
    direction: 'sales-to-fno',
    source: {
      system: 'sales',
      entitySet: 'quotes',
      idField: 'quoteid',
      partitionFilter: PARTITION_BY_BUSINESS_UNIT,
      filter: 'statecode eq 1',
      keyFields: ['quotenumber'],
      ...MODIFIED_ON,
    },
    target: fnoCompanyTarget('CDSSalesQuotationHeaders', 'SalesQuotationNumber'),
    fieldMap: [
      direct('quotenumber', 'SalesQuotationNumber', { required: true }),
      direct('name', 'SalesQuotationName'),
      customerOf('RequestingCustomerAccountNumber'),
      customerOf('InvoiceCustomerAccountNumber'),
      direct('transactioncurrencyid.isocurrencycode', 'CurrencyCode', { required: true, code: 'missing-currency' }),
      ...deliveryAddress('header'),
      direct('requestdeliveryby', 'RequestedShippingDate', { type: 'date' }),
      direct('effectiveto', 'SalesQuotationExpiryDate', { type: 'date' }),
      defaulted('LanguageId', TEMPLATE_DEFAULTS.languageId),
    ],
    checks: [CUSTOMER_PRESENT, ONLY_FNO_PRODUCTS],
    dependsOn: SALES_DOCUMENT_PREREQUISITES,
    children: 'quoteLines',
  },
  {
    name: 'quoteLines',
    title: 'Sales quotes - QuoteLine (Sales to F&O)',
    direction: 'sales-to-fno',
    source: {
      system: 'sales',
      entitySet: 'quotedetails',
      idField: 'quotedetailid',
      filter: 'quoteid/statecode eq 1',
      keyFields: ['quoteid.quotenumber', 'sequencenumber'],
      ...MODIFIED_ON,
    },
    target: fnoCompanyTarget('CDSSalesQuotationLines', 'SalesQuotationNumber', 'LineCreationSequenceNumber'),
    fieldMap: salesLineToFno('quoteid.quotenumber', 'SalesQuotationNumber', 'RequestedSalesQuantity'),
    checks: PRODUCT_FROM_FNO,
    dependsOn: ['quoteHeaders', 'products'],
    parent: 'quoteHeaders',
  },
  {
    name: 'salesOrdersToFno',
    title: 'Sales orders - OrderHeader (Sales to F&O)',
    direction: 'sales-to-fno',
    source: {
      system: 'sales',
      entitySet: 'salesorders',
      idField: 'salesorderid',
      partitionFilter: PARTITION_BY_BUSINESS_UNIT,
      filter: `msdynce_processingstatus eq ${PROCESSING_STATUS.active} and msdynce_ismaintainedexternally eq false`,
      keyFields: ['ordernumber'],
      ...MODIFIED_ON,
    },
    target: fnoCompanyTarget('CDSSalesOrderHeaders', 'SalesOrderNumber'),
    fieldMap: [
      direct('ordernumber', 'SalesOrderNumber', { required: true }),
      direct('name', 'SalesOrderName'),
      customerOf('OrderingCustomerAccountNumber'),
      customerOf('InvoiceCustomerAccountNumber'),
      direct('transactioncurrencyid.isocurrencycode', 'CurrencyCode', { required: true, code: 'missing-currency' }),
      ...deliveryAddress('header'),
      direct(['requestdeliveryby', 'datefulfilled', 'submitdate'], 'RequestedReceiptDate', {
        type: 'date',
        note: 'first of requested delivery, date fulfilled, date submitted',
      }),
      direct('quoteid.quotenumber', 'QuotationNumber'),
      defaulted('LanguageId', TEMPLATE_DEFAULTS.languageId),
    ],
    checks: [CUSTOMER_PRESENT, ONLY_FNO_PRODUCTS],
    dependsOn: SALES_DOCUMENT_PREREQUISITES,
    children: 'salesOrderLinesToFno',
  },
  {
    name: 'salesOrderLinesToFno',
    title: 'Sales orders - OrderLine (Sales to F&O)',
    direction: 'sales-to-fno',
    source: {
      system: 'sales',
      entitySet: 'salesorderdetails',
      idField: 'salesorderdetailid',
      filter: 'msdynce_orderissubmitted eq true',
      keyFields: ['salesorderid.ordernumber', 'sequencenumber'],
      ...MODIFIED_ON,
    },
    target: fnoCompanyTarget('CDSSalesOrderLines', 'SalesOrderNumber', 'LineCreationSequenceNumber'),
    fieldMap: salesLineToFno('salesorderid.ordernumber', 'SalesOrderNumber', 'OrderedSalesQuantity'),
    checks: PRODUCT_FROM_FNO,
    dependsOn: ['salesOrdersToFno', 'products'],
    parent: 'salesOrdersToFno',
  },
  {
    name: 'salesOrdersFromFno',
    title: 'Sales orders - OrderHeader (F&O to Sales)',
    direction: 'fno-to-sales',
    source: {
      system: 'fno',
      entitySet: 'CDSSalesOrderHeaders',
      filter: `${fnoOrderFilter} and AreTotalsUpdated eq ${FNO_YES} and ${notWorkOrders}`,
      partitionFilter: PARTITION_BY_COMPANY,
      keyFields: ['SalesOrderNumber'],
      orderBy: 'SalesOrderNumber asc',
    },
    target: { system: 'sales', entitySet: 'salesorders', keyFields: ['ordernumber'] },
    fieldMap: [
      direct('SalesOrderNumber', 'ordernumber', { required: true }),
      direct(['SalesOrderName', 'SalesOrderNumber'], 'name', { note: 'the order number when the name is blank' }),
      direct('OrderingCustomerAccountNumber', 'customerid', {
        required: true,
        code: 'missing-customer',
        lookup: SALES_CUSTOMER,
      }),
      ...currencyAndPriceList('CurrencyCode'),
      constant('statecode', 0, { type: 'integer', note: 'Active, so later updates from F&O can land' }),
      constant('msdynce_ismaintainedexternally', true, { type: 'boolean' }),
      mapped('SalesOrderProcessingStatus', 'msdynce_processingstatus', 'processingStatus', { type: 'integer' }),
      ...salesAddress(fnoAddressFields('Delivery', 'StateId', 'CountryRegionISOCode'), 'shipto'),
      ...salesAddress(fnoAddressFields('Invoice', 'StateId', 'CountryRegionISOCode'), 'billto'),
      direct('RequestedShippingDate', 'requestdeliveryby', { type: 'date' }),
      direct('OrderTotalAmount', 'totalamount', { type: 'number' }),
      direct('TotalDiscountAmount', 'discountamount', { type: 'number' }),
      direct('OrderTotalChargesAmount', 'freightamount', { type: 'number' }),
      direct('OrderTotalTaxAmount', 'totaltax', { type: 'number' }),
      direct('OrderHeaderTaxAmount', 'msdynce_misctax', {
        type: 'number',
        note: 'the P2C plug-in turns it into one "Freight Tax" line',
      }),
      owningBusinessUnit(),
    ],
    dependsOn: SALES_DOCUMENT_PREREQUISITES,
    children: 'salesOrderLinesFromFno',
    preflight: [
      {
        id: 'calculate-sales-totals',
        system: 'fno',
        description: 'Batch job "Calculate sales totals" runs before this task; orders without totals are skipped',
      },
    ],
  },
  {
    name: 'salesOrderLinesFromFno',
    title: 'Sales orders - OrderLine (F&O to Sales)',
    direction: 'fno-to-sales',
    source: {
      system: 'fno',
      entitySet: 'CDSSalesOrderLines',
      filter: `${fnoOrderFilter} and ${notWorkOrders}`,
      partitionFilter: PARTITION_BY_COMPANY,
      keyFields: ['SalesOrderNumber', 'LineCreationSequenceNumber'],
      orderBy: 'SalesOrderNumber asc, LineCreationSequenceNumber asc',
    },
    target: { system: 'sales', entitySet: 'salesorderdetails', keyFields: ['msdynce_ordernumber', 'sequencenumber'] },
    fieldMap: [
      direct('SalesOrderNumber', 'msdynce_ordernumber', { required: true }),
      direct('SalesOrderNumber', 'salesorderid', {
        lookup: {
          candidates: [{ entitySet: 'salesorders', keyField: 'ordernumber' }],
          code: 'missing-order',
          hint: 'the order header must be synchronised first (salesOrdersFromFno)',
        },
      }),
      direct('LineCreationSequenceNumber', 'sequencenumber', { type: 'integer', required: true }),
      ...fnoLineToSales(),
      direct('OrderedSalesQuantity', 'quantity', { type: 'number', required: true }),
      direct('TotalTaxAmount', 'tax', { type: 'number' }),
      {
        source: 'LineDiscountAmount',
        target: 'manualdiscountamount',
        type: 'number',
        steps: [
          {
            type: 'lineDiscount',
            quantity: 'OrderedSalesQuantity',
            charge: 'FixedPriceCharges',
            price: 'SalesPrice',
            decimals: 2,
          },
        ],
        note: '§7.2: per-unit discount × quantity − rounding charge, undoing the charge made with the price',
      },
    ],
    dependsOn: ['salesOrdersFromFno', 'products'],
    parent: 'salesOrdersFromFno',
  },
  {
    name: 'invoiceHeaders',
    title: 'Sales invoices - SalesInvoiceHeader (F&O to Sales)',
    direction: 'fno-to-sales',
    source: {
      system: 'fno',
      entitySet: 'ExternallyMaintainedCustomerSalesInvoiceHeaders',
      partitionFilter: PARTITION_BY_COMPANY,
      keyFields: ['InvoiceNumber'],
      orderBy: 'InvoiceNumber asc',
    },
    target: { system: 'sales', entitySet: 'invoices', keyFields: ['invoicenumber'] },
    fieldMap: [
      direct('InvoiceNumber', 'invoicenumber', { required: true }),
      direct('InvoiceNumber', 'name', { note: 'Sales requires a name; the invoice number serves' }),
      direct('InvoiceDate', 'msdynce_invoicedate', { type: 'date' }),
      direct('InvoiceCustomerAccountNumber', 'customerid', {
        required: true,
        code: 'missing-customer',
        lookup: SALES_CUSTOMER,
      }),
      direct('SalesOrderNumber', 'salesorderid', {
        lookup: {
          candidates: [{ entitySet: 'salesorders', keyField: 'ordernumber' }],
          code: 'missing-order',
          hint: 'invoices of orders not in Sales are kept without an order link',
          optional: true,
        },
      }),
      ...currencyAndPriceList('CurrencyCode'),
      ...salesAddress(fnoAddressFields('Invoice', 'State', 'CountryRegionId'), 'billto'),
      direct('TotalInvoiceAmount', 'totalamount', { type: 'number' }),
      direct('TotalDiscountAmount', 'discountamount', { type: 'number' }),
      direct('TotalChargeAmount', 'freightamount', { type: 'number' }),
      direct('TotalTaxAmount', 'totaltax', { type: 'number' }),
      constant('msdynce_ismaintainedexternally', true, { type: 'boolean' }),
      owningBusinessUnit(),
    ],
    dependsOn: [...SALES_DOCUMENT_PREREQUISITES, 'contactPersons', 'salesOrdersFromFno'],
    children: 'invoiceLines',
  },
  {
    name: 'invoiceLines',
    title: 'Sales invoices - SalesInvoiceLine (F&O to Sales)',
    direction: 'fno-to-sales',
    source: {
      system: 'fno',
      entitySet: 'ExternallyMaintainedCustomerSalesInvoiceLines',
      partitionFilter: PARTITION_BY_COMPANY,
      keyFields: ['InvoiceNumber', 'LineCreationSequenceNumber'],
      orderBy: 'InvoiceNumber asc, LineCreationSequenceNumber asc',
    },
    target: { system: 'sales', entitySet: 'invoicedetails', keyFields: ['msdynce_invoicenumber', 'sequencenumber'] },
    fieldMap: [
      direct('InvoiceNumber', 'msdynce_invoicenumber', { required: true }),
      direct('InvoiceNumber', 'invoiceid', {
        required: true,
        code: 'missing-invoice',
        lookup: {
          candidates: [{ entitySet: 'invoices', keyField: 'invoicenumber' }],
          code: 'missing-invoice',
          hint: 'the invoice header must be synchronised first (invoiceHeaders)',
        },
      }),
      direct('LineCreationSequenceNumber', 'sequencenumber', { type: 'integer', required: true }),
      ...fnoLineToSales(),
      direct('InvoicedQuantity', 'quantity', { type: 'number', required: true }),
      ...(['discount', 'extendedAmount'] as const).map((part) =>
        direct('LineAmount', part === 'discount' ? 'manualdiscountamount' : 'extendedamount', {
          type: 'number',
          steps: [
            {
              type: 'salesLineAmount',
              part,
              quantity: 'InvoicedQuantity',
              price: 'SalesPrice',
              charge: 'LineTotalChargeAmount',
              decimals: 2,
            },
          ],
          note: '§7.2: the rounding charge goes back into the Sales amounts, so the lines add up to the invoice total',
        }),
      ),
      direct('LineTotalTaxAmount', 'tax', { type: 'number' }),
      direct('InvoiceDate', 'msdynce_invoicedate', { type: 'date' }),
    ],
    dependsOn: ['invoiceHeaders', 'products'],
    parent: 'invoiceHeaders',
  },
];

function build(): Record<TemplateName, TaskDefinition> {
  const out = {} as Record<TemplateName, TaskDefinition>;
  for (const definition of definitions) {
    const task = taskDefinitionSchema.parse(withDerivedQuery(definition));
    out[task.name as TemplateName] = Object.freeze(task) as TaskDefinition;
  }
  return out;
}

/** Every template by task name. Frozen: resolve a project's variant with resolveTasks(). */
export const templates: Record<TemplateName, TaskDefinition> = build();

export interface Prerequisite {
  id: string;
  system: 'sales' | 'fno';
  description: string;
}

/** One-time set-up outside the tasks (spec §2). */
export const PREREQUISITES: Prerequisite[] = [
  {
    id: 'fno-build',
    system: 'fno',
    description: 'F&O 7.3 (PU12) or later; on 1611 run SalesPopulateProspectToCash once (LineCreationSequenceNumber)',
  },
  {
    id: 'populate-distinct-products',
    system: 'fno',
    description: 'Run "Populate distinct product table" once before the first product sync',
  },
  {
    id: 'calculate-sales-totals',
    system: 'fno',
    description: 'Schedule "Calculate sales totals" (totals for sales orders = Yes) in step with the order sync',
  },
  {
    id: 'fno-master-data',
    system: 'fno',
    description: 'Valid customer group (10), site (1), warehouse (13), language and units of measure',
  },
  {
    id: 'p2c-solution',
    system: 'sales',
    description: 'Prospect to cash solution (msdynce_ProspectToCashIntegration) 1.15.0.0 or later',
  },
  {
    id: 'sales-pricing',
    system: 'sales',
    description: 'Use system pricing calculation = Yes; discount calculation method = Line item',
  },
  {
    id: 'price-lists-and-units',
    system: 'sales',
    description: 'One price list per F&O sales currency; every F&O sales unit exists in the Sales unit group',
  },
  {
    id: 'team-security-role',
    system: 'sales',
    description: 'The connection user\'s team holds a security role (else "Principal team is missing")',
  },
];
