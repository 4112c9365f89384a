/**
 * One realistic source record per template, mapped to exactly the target record the spec tables describe
 * (spec/entities.md §6): every field, key and lookup.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENTITIES as FNO_ENTITIES } from '../../../emulators/fno/entities';
import {
  FIELD_LIMITS,
  PROCESSING_STATUS,
  RUN_ORDER,
  taskDefinitionSchema,
  templates,
  transform,
  type TaskDefinition,
} from '../../../mappings';
import { account, contact, context, product, quote, quoteLine } from './fixtures';

const usd = { entitySet: 'transactioncurrencies', key: { isocurrencycode: 'USD' } };
const sampleUsdPriceList = { entitySet: 'pricelevels', key: { name: 'CRM Service USA (sample)' } };
const usmfUnit = { entitySet: 'businessunits', key: { name: 'USMF' } };
const speaker = { entitySet: 'products', key: { productnumber: 'D0001' } };
const each = { entitySet: 'uoms', key: { name: 'ea' } };
/** What every line from F&O carries besides its own values. */
const fnoLineFlags = {
  priceperunit: 219.95,
  ispriceoverridden: true,
  isproductoverridden: false,
  msdynce_ismaintainedexternally: true,
};

function mapOne(task: TaskDefinition, row: Record<string, unknown>) {
  const result = transform(task, [row], context());
  expect(result.errors).toEqual([]);
  expect(result.filtered).toBe(0);
  return result;
}

describe('templates as data', () => {
  it('defines every task of spec §1 in the run order of §3, headers before lines', () => {
    expect(Object.keys(templates).sort()).toEqual([...RUN_ORDER].sort());
    RUN_ORDER.forEach((name, index) => {
      const task = templates[name];
      for (const dependency of task.dependsOn) expect(RUN_ORDER.indexOf(dependency as never)).toBeLessThan(index);
      if (task.children) expect(templates[task.children as never]).toMatchObject({ parent: name });
    });
  });

  it('selects and expands exactly the Dataverse columns each Sales-source task reads', () => {
    expect(templates.quoteHeaders.source.expand).toEqual([
      { navigation: 'customerid_account', select: ['accountnumber'] },
      { navigation: 'customerid_contact', select: ['msdynce_contactnumber'] },
      { navigation: 'owningbusinessunit', select: ['name'] },
      { navigation: 'transactioncurrencyid', select: ['isocurrencycode'] },
    ]);
    expect(templates.quoteHeaders.source.select).toContain('statecode');
    expect(templates.quoteHeaders.source.select).toContain('modifiedon');
    expect(templates.quoteLines.source.expand).toContainEqual({
      navigation: 'quoteid',
      select: ['quotenumber', 'statecode'],
    });
  });

  it('gives length limits only to columns the F&O target entities have', () => {
    // The emulator's entity field lists follow the F&O metadata snapshot (spec/fno-fields).
    const fnoTargets = RUN_ORDER.map((name) => templates[name].target).filter((target) => target.system === 'fno');
    for (const entitySet of new Set(fnoTargets.map((target) => target.entitySet))) {
      const entity = FNO_ENTITIES.find((candidate) => candidate.set === entitySet);
      const unknown = Object.keys(FIELD_LIMITS[entitySet]).filter((field) => !entity?.fields.includes(field));
      expect({ entitySet, unknown }).toEqual({ entitySet, unknown: [] });
    }
    expect(FIELD_LIMITS.CDSSalesOrderHeaders.DeliveryAddressStreetNumber).toEqual({ max: 20, overflow: 'reject' });
  });
});

describe('Products (F&O → Sales)', () => {
  it('maps a sellable released product to a Sales product and a price-list entry', () => {
    const { rows, warnings } = mapOne(templates.products, product);
    expect(warnings).toEqual([]);
    expect(rows).toEqual([
      {
        sourceKey: 'D0001',
        entitySet: 'products',
        key: { productnumber: 'D0001' },
        fields: {
          productnumber: 'D0001',
          name: 'Mid-Range Speaker',
          description: 'Two-way speaker, 120 W',
          price: 219.95,
          currentcost: 98.5,
          producttypecode: 1,
          quantitydecimal: 0,
          isstockitem: true,
          msdynce_ismaintainedexternally: true,
        },
        lookups: {
          defaultuomid: each,
          defaultuomscheduleid: { entitySet: 'uomschedules', key: { name: 'Default unit' } },
          transactioncurrencyid: usd,
        },
      },
      {
        // Alphabetically first USD price list: "CRM Service USA (sample)" before "Standard USD".
        sourceKey: 'D0001/price-list',
        entitySet: 'productpricelevels',
        key: {
          'pricelevelid.name': 'CRM Service USA (sample)',
          'productid.productnumber': 'D0001',
          'uomid.name': 'ea',
        },
        fields: { amount: 219.95, pricingmethodcode: 1 },
        lookups: {
          pricelevelid: sampleUsdPriceList,
          productid: speaker,
          uomid: each,
        },
      },
    ]);
  });

  it('maps a service and a product without a name', () => {
    const { rows } = mapOne(templates.products, {
      ...product,
      ProductNumber: 'S0002',
      ProductName: '',
      ProductType: 'Service',
      SalesUnitSymbol: 'h',
      IsStockedProduct: 'No',
    });
    expect(rows[0].fields).toMatchObject({ name: 'S0002', producttypecode: 3, isstockitem: false });
    expect(rows[0].lookups?.defaultuomid).toEqual({ entitySet: 'uoms', key: { name: 'h' } });
  });
});

const accountsCustomer = {
  dataAreaId: 'usmf',
  CustomerAccount: 'ACC-01000-BVRCPS',
  PartyNumber: 'ACC-01000-BVRCPS',
  OrganizationName: 'Fabrikam Pharmaceuticals',
  PartyType: 'Organization',
  CustomerGroupId: '10',
  SiteId: '1',
  WarehouseId: '13',
  LanguageId: 'en-us',
  IsExternallyMaintained: 'Yes',
  AddressStreet: '1 Microsoft Way\nBuilding 4',
  AddressCity: 'Redmond',
  AddressState: 'WA',
  AddressCounty: 'King',
  AddressZipCode: '98052',
  AddressCountryRegionISOCode: 'US',
  PrimaryContactPhone: '+1 425 555 0100',
  PrimaryContactEmail: 'orders@fabrikam.example',
  PrimaryContactFax: '+1 425 555 0199',
  PrimaryContactURL: 'https://fabrikam.example',
  SalesCurrencyCode: 'USD',
  CreditLimit: 25000,
  SalesMemo: 'Key account, West region',
};

describe('Accounts - Customers (Sales → F&O)', () => {
  it('maps an account to an externally maintained organization customer', () => {
    const { rows } = mapOne(templates.accounts, account);
    expect(rows).toEqual([
      {
        sourceKey: 'ACC-01000-BVRCPS',
        entitySet: 'CustomersV2',
        key: { dataAreaId: 'usmf', CustomerAccount: 'ACC-01000-BVRCPS' },
        fields: accountsCustomer,
      },
    ]);
  });
});

describe('Contacts to Customers (Sales → F&O)', () => {
  it('maps an active-customer contact to a person customer', () => {
    const { rows } = mapOne(templates.contactsToCustomers, contact);
    expect(rows).toEqual([
      {
        sourceKey: 'CON-01007-QWERTY',
        entitySet: 'CustomersV2',
        key: { dataAreaId: 'usmf', CustomerAccount: 'CON-01007-QWERTY' },
        fields: {
          dataAreaId: 'usmf',
          CustomerAccount: 'CON-01007-QWERTY',
          PartyNumber: 'CON-01007-QWERTY',
          PartyType: 'Person',
          PersonFirstName: 'Maria',
          PersonMiddleName: 'J.',
          PersonLastName: 'Anders',
          CustomerGroupId: '10',
          LanguageId: 'en-us',
          IsExternallyMaintained: 'Yes',
          AddressStreet: 'Obere Str. 57',
          AddressCity: 'Berlin',
          AddressState: 'BE',
          AddressCounty: '',
          AddressZipCode: '12209',
          AddressCountryRegionISOCode: 'DE',
          PrimaryContactPhone: '+49 30 555 0101',
          PrimaryContactEmail: 'maria.anders@alfreds.example',
          PrimaryContactFax: '',
          PrimaryContactURL: '',
          SalesCurrencyCode: 'EUR',
        },
      },
    ]);
  });

  it('leaves contacts that are not active customers to the contact-persons task', () => {
    const result = transform(
      templates.contactsToCustomers,
      [{ ...contact, msdynce_isactivecustomer: false }],
      context(),
    );
    expect(result).toEqual({ rows: [], errors: [], filtered: 1, warnings: [] });
  });
});

describe('Contacts - Contact persons (Sales → F&O)', () => {
  it("maps a non-customer contact of an account to a contact person of the account's customer", () => {
    const { rows } = mapOne(templates.contactPersons, { ...contact, msdynce_isactivecustomer: false });
    expect(rows).toEqual([
      {
        sourceKey: 'CON-01007-QWERTY',
        entitySet: 'CDSContactPersons',
        key: {
          dataAreaId: 'usmf',
          ContactPersonPartyNumber: 'CON-01007-QWERTY',
          AssociatedPartyNumber: 'ACC-01000-BVRCPS',
        },
        fields: {
          dataAreaId: 'usmf',
          ContactPersonPartyNumber: 'CON-01007-QWERTY',
          AssociatedPartyNumber: 'ACC-01000-BVRCPS',
          FirstName: 'Maria',
          MiddleName: 'J.',
          LastName: 'Anders',
          EmploymentProfession: 'Purchasing manager',
          EmploymentDepartment: 'Procurement',
          PrimaryPhoneNumber: '+49 30 555 0101',
          PrimaryEmailAddress: 'maria.anders@alfreds.example',
          PrimaryFaxNumber: '',
          PrimaryURL: '',
          PrimaryAddressStreet: 'Obere Str. 57',
          PrimaryAddressCity: 'Berlin',
          PrimaryAddressStateId: 'BE',
          PrimaryAddressCountyId: '',
          PrimaryAddressZipCode: '12209',
          PrimaryAddressCountryRegionId: 'DEU',
          Gender: 'Female',
          MaritalStatus: 'Married',
          Notes: 'Prefers e-mail',
          SpouseName: 'Peter Anders',
          GovernmentIdentificationNumber: 'DE-991',
          IsContactPersonExternallyMaintained: 'Yes',
        },
      },
    ]);
  });

  it("leaves F&O's gender and marital status alone when the contact has none", () => {
    const blank = { ...contact, msdynce_isactivecustomer: false, gendercode: null, familystatuscode: ' ' };
    const { fields } = mapOne(templates.contactPersons, blank).rows[0];
    expect(fields).not.toHaveProperty('Gender');
    expect(fields).not.toHaveProperty('MaritalStatus');
    // A field that clears empties writes the value maps' blank entries, F&O's own "none" values.
    const clearing = taskDefinitionSchema.parse({
      ...templates.contactPersons,
      fieldMap: templates.contactPersons.fieldMap.map((entry) =>
        entry.target === 'Gender' || entry.target === 'MaritalStatus' ? { ...entry, whenEmpty: 'clear' } : entry,
      ),
    });
    expect(mapOne(clearing, blank).rows[0].fields).toMatchObject({ Gender: 'Unknown', MaritalStatus: 'None' });
  });
});

const quoteHeaderFields = {
  dataAreaId: 'usmf',
  SalesQuotationNumber: 'QUO-01001-AB12CD',
  SalesQuotationName: 'Speakers for the West store',
  RequestingCustomerAccountNumber: 'ACC-01000-BVRCPS',
  InvoiceCustomerAccountNumber: 'ACC-01000-BVRCPS',
  CurrencyCode: 'USD',
  DeliveryAddressStreet: '1 Microsoft Way',
  DeliveryAddressStreetNumber: '4',
  DeliveryAddressCity: 'Redmond',
  DeliveryAddressStateId: 'WA',
  DeliveryAddressZipCode: '98052',
  DeliveryAddressCountryRegionISOCode: 'US',
  RequestedShippingDate: '2026-02-01T00:00:00Z',
  SalesQuotationExpiryDate: '2026-03-31T00:00:00Z',
  LanguageId: 'en-us',
};

describe('Sales quotes (Sales → F&O)', () => {
  it('maps an activated quote of an account to a CDS quotation header', () => {
    const { rows } = mapOne(templates.quoteHeaders, quote);
    expect(rows).toEqual([
      {
        sourceKey: 'QUO-01001-AB12CD',
        entitySet: 'CDSSalesQuotationHeaders',
        key: { dataAreaId: 'usmf', SalesQuotationNumber: 'QUO-01001-AB12CD' },
        fields: quoteHeaderFields,
      },
    ]);
  });

  it('uses the contact number when the quote customer is a contact', () => {
    const { rows } = mapOne(templates.quoteHeaders, {
      ...quote,
      customerid_account: null,
      customerid_contact: { msdynce_contactnumber: 'CON-01007-QWERTY' },
    });
    expect(rows[0].fields).toMatchObject({
      RequestingCustomerAccountNumber: 'CON-01007-QWERTY',
      InvoiceCustomerAccountNumber: 'CON-01007-QWERTY',
    });
  });

  it('skips draft quotes', () => {
    const result = transform(templates.quoteHeaders, [{ ...quote, statecode: 0 }], context());
    expect(result).toMatchObject({ rows: [], errors: [], filtered: 1 });
  });

  it('maps a quote line with the per-unit discount and its rounding charge (§7.2)', () => {
    const { rows } = mapOne(templates.quoteLines, quoteLine);
    expect(rows).toEqual([
      {
        sourceKey: 'QUO-01001-AB12CD/3',
        entitySet: 'CDSSalesQuotationLines',
        key: { dataAreaId: 'usmf', SalesQuotationNumber: 'QUO-01001-AB12CD', LineCreationSequenceNumber: 3 },
        fields: {
          dataAreaId: 'usmf',
          SalesQuotationNumber: 'QUO-01001-AB12CD',
          LineCreationSequenceNumber: 3,
          ProductNumber: 'D0001',
          RequestedSalesQuantity: 3,
          SalesPrice: 219.95,
          LineDiscountAmount: 3.33,
          FixedPriceCharges: -0.01,
          SalesUnitSymbol: 'ea',
          RequestedShippingDate: '2026-02-01T00:00:00Z',
        },
      },
    ]);
  });
});

const orderLine = {
  salesorderdetailid: 'sod1',
  salesorderid: { ordernumber: 'ORD-01002-ZZ99YY' },
  sequencenumber: 1,
  productid: { productnumber: 'S0002', msdynce_ismaintainedexternally: true },
  uomid: { name: 'h' },
  quantity: 7,
  priceperunit: 120,
  manualdiscountamount: 50,
  description: 'Installation',
  productdescription: null,
  requestdeliveryby: null,
  shipto_line1: 'Dock 7',
  shipto_city: 'Redmond',
  shipto_stateorprovince: 'WA',
  shipto_postalcode: '98052',
  shipto_country: 'United States of America',
  msdynce_orderissubmitted: true,
  msdynce_orderhasexternalmaintainedproductsonly: true,
  modifiedon: '2026-01-07T10:00:00Z',
};

describe('Sales orders (Sales → F&O)', () => {
  const order = {
    ...quote,
    ordernumber: 'ORD-01002-ZZ99YY',
    name: 'West store opening',
    msdynce_processingstatus: PROCESSING_STATUS.active,
    msdynce_ismaintainedexternally: false,
    requestdeliveryby: null,
    datefulfilled: null,
    submitdate: '2026-01-20T00:00:00Z',
    quoteid: { quotenumber: 'QUO-01001-AB12CD' },
  };

  it('maps an active order with only F&O products to a CDS order header', () => {
    const { rows } = mapOne(templates.salesOrdersToFno, order);
    expect(rows).toEqual([
      {
        sourceKey: 'ORD-01002-ZZ99YY',
        entitySet: 'CDSSalesOrderHeaders',
        key: { dataAreaId: 'usmf', SalesOrderNumber: 'ORD-01002-ZZ99YY' },
        fields: {
          dataAreaId: 'usmf',
          SalesOrderNumber: 'ORD-01002-ZZ99YY',
          SalesOrderName: 'West store opening',
          OrderingCustomerAccountNumber: 'ACC-01000-BVRCPS',
          InvoiceCustomerAccountNumber: 'ACC-01000-BVRCPS',
          CurrencyCode: 'USD',
          DeliveryAddressStreet: '1 Microsoft Way',
          DeliveryAddressStreetNumber: '4',
          DeliveryAddressCity: 'Redmond',
          DeliveryAddressStateId: 'WA',
          DeliveryAddressZipCode: '98052',
          DeliveryAddressCountryRegionISOCode: 'US',
          RequestedReceiptDate: '2026-01-20T00:00:00Z',
          QuotationNumber: 'QUO-01001-AB12CD',
          LanguageId: 'en-us',
        },
      },
    ]);
  });

  it('does not send orders that came from F&O back to it', () => {
    const result = transform(
      templates.salesOrdersToFno,
      [{ ...order, msdynce_ismaintainedexternally: true }],
      context(),
    );
    expect(result.filtered).toBe(1);
  });

  it('maps a submitted order line', () => {
    const { rows } = mapOne(templates.salesOrderLinesToFno, orderLine);
    expect(rows).toEqual([
      {
        sourceKey: 'ORD-01002-ZZ99YY/1',
        entitySet: 'CDSSalesOrderLines',
        key: { dataAreaId: 'usmf', SalesOrderNumber: 'ORD-01002-ZZ99YY', LineCreationSequenceNumber: 1 },
        fields: {
          dataAreaId: 'usmf',
          SalesOrderNumber: 'ORD-01002-ZZ99YY',
          LineCreationSequenceNumber: 1,
          ProductNumber: 'S0002',
          OrderedSalesQuantity: 7,
          SalesPrice: 120,
          LineDiscountAmount: 7.14,
          FixedPriceCharges: -0.02,
          SalesUnitSymbol: 'h',
          LineDescription: 'Installation',
          DeliveryAddressStreet: 'Dock 7',
          DeliveryAddressCity: 'Redmond',
          DeliveryAddressStateId: 'WA',
          DeliveryAddressZipCode: '98052',
          DeliveryAddressCountryRegionISOCode: 'US',
        },
      },
    ]);
  });
});

const fnoOrder = {
  dataAreaId: 'usmf',
  SalesOrderNumber: 'SO-000123',
  SalesOrderName: 'Replenishment',
  OrderingCustomerAccountNumber: 'CON-01007-QWERTY',
  InvoiceCustomerAccountNumber: 'CON-01007-QWERTY',
  OrderingCustomerIsExternallyMaintained: 'Yes',
  InvoiceCustomerIsExternallyMaintained: 'Yes',
  CurrencyCode: 'USD',
  SalesOrderProcessingStatus: 'PartiallyInvoiced',
  SalesOrderOriginType: 'NotSpecified',
  AreTotalsUpdated: 'Yes',
  DeliveryAddressStreet: '500 Oak Ave\nReceiving\nGate B',
  DeliveryAddressStreetNumber: '',
  DeliveryAddressCity: 'Portland',
  DeliveryAddressStateId: 'OR',
  DeliveryAddressZipCode: '97201',
  DeliveryAddressCountryRegionISOCode: 'US',
  InvoiceAddressStreet: '1 Main St',
  InvoiceAddressStreetNumber: '',
  InvoiceAddressCity: 'Seattle',
  InvoiceAddressStateId: 'WA',
  InvoiceAddressZipCode: '98101',
  InvoiceAddressCountryRegionISOCode: 'US',
  RequestedShippingDate: '2026-02-10T00:00:00Z',
  RequestedReceiptDate: '1900-01-01T00:00:00Z',
  OrderTotalAmount: 1520.5,
  TotalDiscountAmount: 20,
  OrderTotalChargesAmount: 15,
  OrderTotalTaxAmount: 120.5,
  OrderHeaderTaxAmount: 1.25,
};

describe('Sales orders (F&O → Sales)', () => {
  it('maps a confirmed order with totals to a Sales order of a contact customer', () => {
    const { rows } = mapOne(templates.salesOrdersFromFno, fnoOrder);
    expect(rows).toEqual([
      {
        sourceKey: 'SO-000123',
        entitySet: 'salesorders',
        key: { ordernumber: 'SO-000123' },
        fields: {
          ordernumber: 'SO-000123',
          name: 'Replenishment',
          statecode: 0,
          msdynce_ismaintainedexternally: true,
          msdynce_processingstatus: PROCESSING_STATUS.partiallyInvoiced,
          shipto_line1: '500 Oak Ave',
          shipto_line2: null,
          shipto_line3: 'Receiving\nGate B',
          shipto_city: 'Portland',
          shipto_stateorprovince: 'OR',
          shipto_postalcode: '97201',
          shipto_country: 'United States',
          billto_line1: '1 Main St',
          billto_line2: null,
          billto_line3: null,
          billto_city: 'Seattle',
          billto_stateorprovince: 'WA',
          billto_postalcode: '98101',
          billto_country: 'United States',
          requestdeliveryby: '2026-02-10',
          totalamount: 1520.5,
          discountamount: 20,
          freightamount: 15,
          totaltax: 120.5,
          msdynce_misctax: 1.25,
        },
        lookups: {
          customerid_contact: { entitySet: 'contacts', key: { msdynce_contactnumber: 'CON-01007-QWERTY' } },
          transactioncurrencyid: usd,
          pricelevelid: sampleUsdPriceList,
          owningbusinessunit: usmfUnit,
        },
      },
    ]);
  });

  it.each([
    ['an open (Active) order', { SalesOrderProcessingStatus: 'Active' }],
    ['an order without calculated totals', { AreTotalsUpdated: 'No' }],
    ['an order of a customer not from Sales', { InvoiceCustomerIsExternallyMaintained: 'No' }],
    ['a work-order integration order', { SalesOrderOriginType: 'WorkOrderIntegration' }],
    ['an order of another company', { dataAreaId: 'usrt' }],
  ])('skips %s', (_label, change) => {
    expect(transform(templates.salesOrdersFromFno, [{ ...fnoOrder, ...change }], context()).filtered).toBe(1);
  });

  it('maps an order line and rebuilds the Sales line discount from per-unit discount and rounding charge', () => {
    const { rows } = mapOne(templates.salesOrderLinesFromFno, {
      dataAreaId: 'usmf',
      SalesOrderNumber: 'SO-000123',
      LineCreationSequenceNumber: 2,
      ProductNumber: 'D0001',
      OrderedSalesQuantity: 3,
      SalesUnitSymbol: 'ea',
      SalesPrice: 219.95,
      LineDiscountAmount: 3.33,
      FixedPriceCharges: -0.01,
      TotalTaxAmount: 52.1,
      OrderingCustomerIsExternallyMaintained: 'Yes',
      InvoiceCustomerIsExternallyMaintained: 'Yes',
      SalesOrderProcessingStatus: 'Confirmed',
      SalesOrderOriginType: 'NotSpecified',
    });
    expect(rows).toEqual([
      {
        sourceKey: 'SO-000123/2',
        entitySet: 'salesorderdetails',
        key: { msdynce_ordernumber: 'SO-000123', sequencenumber: 2 },
        fields: {
          msdynce_ordernumber: 'SO-000123',
          sequencenumber: 2,
          ...fnoLineFlags,
          quantity: 3,
          tax: 52.1,
          manualdiscountamount: 10,
        },
        lookups: {
          salesorderid: { entitySet: 'salesorders', key: { ordernumber: 'SO-000123' } },
          productid: speaker,
          uomid: each,
        },
      },
    ]);
  });
});

describe('Sales invoices (F&O → Sales)', () => {
  const invoice = {
    dataAreaId: 'usmf',
    InvoiceNumber: 'CIV-000045',
    InvoiceDate: '2026-02-12T00:00:00Z',
    LedgerVoucher: 'ARI-000045',
    SalesOrderNumber: 'SO-000123',
    InvoiceCustomerAccountNumber: 'ACC-01000-BVRCPS',
    CurrencyCode: 'USD',
    InvoiceAddressStreet: '1 Microsoft Way',
    InvoiceAddressStreetNumber: '4',
    InvoiceAddressCity: 'Redmond',
    InvoiceAddressState: 'WA',
    InvoiceAddressZipCode: '98052',
    InvoiceAddressCountryRegionId: 'USA',
    TotalInvoiceAmount: 659.85,
    TotalDiscountAmount: 10,
    TotalChargeAmount: 0,
    TotalTaxAmount: 52.1,
    InvoiceHeaderTaxAmount: 0,
  };

  it('maps an invoice header, linked to its order and customer', () => {
    const { rows, warnings } = mapOne(templates.invoiceHeaders, invoice);
    expect(warnings).toEqual([]);
    expect(rows).toEqual([
      {
        sourceKey: 'CIV-000045',
        entitySet: 'invoices',
        key: { invoicenumber: 'CIV-000045' },
        fields: {
          invoicenumber: 'CIV-000045',
          name: 'CIV-000045',
          msdynce_invoicedate: '2026-02-12',
          billto_line1: '1 Microsoft Way',
          billto_line2: '4',
          billto_line3: null,
          billto_city: 'Redmond',
          billto_stateorprovince: 'WA',
          billto_postalcode: '98052',
          billto_country: 'United States',
          totalamount: 659.85,
          discountamount: 10,
          freightamount: 0,
          totaltax: 52.1,
          msdynce_ismaintainedexternally: true,
        },
        lookups: {
          customerid_account: { entitySet: 'accounts', key: { accountnumber: 'ACC-01000-BVRCPS' } },
          salesorderid: { entitySet: 'salesorders', key: { ordernumber: 'SO-000123' } },
          transactioncurrencyid: usd,
          pricelevelid: sampleUsdPriceList,
          owningbusinessunit: usmfUnit,
        },
      },
    ]);
  });

  it('keeps an invoice of an order that is not in Sales, without the order link and with a warning', () => {
    const result = transform(templates.invoiceHeaders, [{ ...invoice, SalesOrderNumber: 'SO-999' }], context());
    expect(result.errors).toEqual([]);
    expect(result.rows[0].lookups?.salesorderid).toBeUndefined();
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'missing-order', field: 'SalesOrderNumber' })]);
  });

  it('maps an invoice line', () => {
    const { rows } = mapOne(templates.invoiceLines, {
      dataAreaId: 'usmf',
      InvoiceNumber: 'CIV-000045',
      InvoiceDate: '2026-02-12T00:00:00Z',
      LedgerVoucher: 'ARI-000045',
      LineCreationSequenceNumber: 1,
      ProductNumber: 'D0001',
      InvoicedQuantity: 3,
      SalesUnitSymbol: 'ea',
      SalesPrice: 219.95,
      LineAmount: 649.85,
      LineTotalDiscountAmount: 10,
      LineTotalChargeAmount: 0,
      LineTotalTaxAmount: 52.1,
      CurrencyCode: 'USD',
    });
    expect(rows).toEqual([
      {
        sourceKey: 'CIV-000045/1',
        entitySet: 'invoicedetails',
        key: { msdynce_invoicenumber: 'CIV-000045', sequencenumber: 1 },
        fields: {
          msdynce_invoicenumber: 'CIV-000045',
          sequencenumber: 1,
          ...fnoLineFlags,
          quantity: 3,
          manualdiscountamount: 10,
          tax: 52.1,
          extendedamount: 649.85,
          msdynce_invoicedate: '2026-02-12',
        },
        lookups: {
          invoiceid: { entitySet: 'invoices', key: { invoicenumber: 'CIV-000045' } },
          productid: speaker,
          uomid: each,
        },
      },
    ]);
  });
});

describe('docs/templates.md', () => {
  // Rendered in a child process: prettier formats the page and needs ES module support jest lacks.
  it('is the current rendering of the templates', () => {
    const root = join(__dirname, '../../..');
    const rendered = execFileSync(
      process.execPath,
      [join(root, 'node_modules/tsx/dist/cli.mjs'), 'mappings/render-docs.ts'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(readFileSync(join(root, 'docs/templates.md'), 'utf8')).toBe(rendered);
  });
});
