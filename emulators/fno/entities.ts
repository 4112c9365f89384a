/**
 * The emulator's data dictionary: tables, the public entities on them, enums and number sequences. Everything
 * the OData engine knows about a business object is here; the engine itself has no entity-specific code.
 * Field lists follow spec/fno-fields (metadata snapshot); reference entities carry the fields the sync needs.
 */
import type { EntityDef, TableDef } from './model';

export const ENTITY_NAMESPACE = 'Microsoft.Dynamics.DataEntities';

/** Server-maintained change stamp on every entity, for incremental reads (`$filter=ModifiedDateTime gt …`). */
export const MODIFIED_FIELD = 'ModifiedDateTime';

/** F&O's "empty" value for non-nullable date-time fields. */
export const EMPTY_DATETIME = '1900-01-01T00:00:00Z';

/** Enum symbols in declaration order; the first one is the default. Lists marked (emulator) were not in the
 * metadata snapshot and use the symbols of current F&O releases. */
export const ENUMS: Record<string, string[]> = {
  NoYes: ['No', 'Yes'],
  CustVendorBlocked: ['No', 'Invoice', 'All', 'Payment', 'Requisition', 'Never', 'PurchOrder'],
  EcoResProductType: ['Item', 'Service'],
  SalesOrderProcessingStatus: [
    'Active',
    'Confirmed',
    'Picked',
    'PartiallyDelivered',
    'Delivered',
    'Invoiced',
    'PartiallyInvoiced',
    'Canceled',
    'DeliveredPartiallyInvoiced',
  ],
  SalesOriginType: ['NotSpecified', 'SalesOrderIntegration', 'WorkOrderIntegration'],
  SalesStatus: ['None', 'Backorder', 'Delivered', 'Invoiced', 'Canceled'],
  SalesQuotationCreationMethod: ['SCM', 'Dynamics365Sales'],
  SalesQuotationStatus: [
    'Created',
    'Sent',
    'Confirmed',
    'Lost',
    'Cancelled',
    'Reset',
    'Modified',
    'Submitted',
    'Approved',
    'Revised',
  ],
  // (emulator)
  Gender: ['Unknown', 'Male', 'Female', 'NonSpecific'],
  DirPersonMaritalStatus: ['None', 'Married', 'Single', 'Divorced', 'Widowed'],
  EcoResFieldServiceProductType: ['None', 'Inventory', 'NonInventory', 'Service'],
  ReqPoType: ['Purch', 'Production', 'Transfer', 'Kanban'],
  SalesExternalWorkOrderStatus: ['None', 'Open', 'Closed'],
  SalesSalesOrderCreationMethod: ['Standard', 'Dynamics365Sales', 'DualWrite'],
};

/** Number-sequence formats: each `#` run is replaced by the zero-padded counter (one counter per company). */
export const NUMBER_SEQUENCES: Record<string, string> = {
  customer: 'C-######',
  party: '#########',
  contactPerson: 'CP-######',
  quotation: 'QT-######',
  salesOrder: 'SO-######',
  inventoryLot: 'LOT-#########',
  invoice: 'CIV-######',
  voucher: 'ARI-######',
};

const list = (names: string): string[] => names.trim().split(/\s+/);

const CUSTOMER_FIELDS =
  list(`dataAreaId CustomerAccount PartyType PartyNumber OrganizationName NameAlias PersonFirstName
  PersonMiddleName PersonLastName CustomerGroupId SalesCurrencyCode LanguageId SiteId WarehouseId IsExternallyMaintained
  InvoiceAccount CreditLimit PaymentTerms DeliveryMode DeliveryTerms SalesTaxGroup SalesMemo ContactPersonId
  OnHoldStatus IsOneTimeCustomer AddressDescription AddressStreet AddressCity AddressState AddressCounty AddressZipCode
  AddressCountryRegionId AddressCountryRegionISOCode AddressLocationRoles DeliveryAddressStreet DeliveryAddressCity
  DeliveryAddressState DeliveryAddressCounty DeliveryAddressZipCode DeliveryAddressCountryRegionISOCode
  InvoiceAddressStreet InvoiceAddressCity InvoiceAddressState InvoiceAddressCounty InvoiceAddressZipCode
  InvoiceAddressCountryRegionISOCode PrimaryContactEmail PrimaryContactPhone PrimaryContactFax PrimaryContactURL
  OrganizationNumberOfEmployees`);

const QUOTATION_LINE_COMMON = `LineDescription RequestedSalesQuantity SalesUnitSymbol SalesPrice SalesPriceQuantity
  LineDiscountAmount LineDiscountPercentage MultilineDiscountAmount LineAmount ShippingSiteId ShippingWarehouseId
  RequestedShippingDate RequestedReceiptDate SalesQuotationStatus SalesQuotationLineCreationMethod DeliveryAddressStreet
  DeliveryAddressCity DeliveryAddressStateId DeliveryAddressZipCode DeliveryAddressCountryRegionISOCode`;

const ORDER_LINE_COMMON = `LineDescription OrderedSalesQuantity SalesUnitSymbol SalesPrice SalesPriceQuantity
  LineDiscountAmount LineDiscountPercentage MultilineDiscountAmount LineAmount FixedPriceCharges ShippingSiteId
  ShippingWarehouseId RequestedShippingDate RequestedReceiptDate ConfirmedShippingDate SalesOrderLineStatus IsLineStopped
  DeliveryAddressStreet DeliveryAddressCity DeliveryAddressStateId DeliveryAddressZipCode
  DeliveryAddressCountryRegionISOCode`;

const INVOICE_HEADER_COMMON = `dataAreaId InvoiceNumber InvoiceDate LedgerVoucher SalesOrderNumber
  InvoiceCustomerAccountNumber ContactPersonId CurrencyCode CustomersOrderReference PaymentTermsName DeliveryModeCode
  DeliveryTermsCode SalesOrderResponsiblePersonnelNumber InvoiceAddressStreet InvoiceAddressStreetNumber
  InvoiceAddressCity InvoiceAddressState InvoiceAddressZipCode InvoiceAddressCountryRegionId
  InvoiceAddressCountryRegionISOCode TotalInvoiceAmount TotalDiscountAmount TotalDiscountCustomerGroupCode
  TotalChargeAmount TotalTaxAmount InvoiceHeaderTaxAmount`;

const INVOICE_LINE_COMMON = `dataAreaId InvoiceNumber InvoiceDate LedgerVoucher LineCreationSequenceNumber ProductNumber
  ProductName ProductDescription InvoicedQuantity SalesUnitSymbol SalesPrice LineAmount LineTotalDiscountAmount
  LineTotalChargeAmount LineTotalTaxAmount CurrencyCode ConfirmedShippingDate`;

/** Relations shared by the sales-document tables (quotations, orders, their lines). */
const SITE_RELATIONS = {
  site: { table: 'InventSite', on: { DefaultShippingSiteId: 'SiteId' } },
  warehouse: { table: 'InventLocation', on: { DefaultShippingWarehouseId: 'WarehouseId' } },
  currency: { table: 'Currency', on: { CurrencyCode: 'CurrencyCode' } },
};
const LINE_RELATIONS = {
  product: { table: 'InventTable', on: { ProductNumber: 'ProductNumber' } },
  item: { table: 'InventTable', on: { ItemNumber: 'ItemNumber' } },
  unit: { table: 'UnitOfMeasure', on: { SalesUnitSymbol: 'UnitSymbol' } },
  site: { table: 'InventSite', on: { ShippingSiteId: 'SiteId' } },
  warehouse: { table: 'InventLocation', on: { ShippingWarehouseId: 'WarehouseId' } },
};
const LINE_DEFAULTS = {
  InventoryLotId: [{ sequence: 'inventoryLot' }],
  ItemNumber: [{ relation: 'product', column: 'ItemNumber' }],
  ProductNumber: [{ relation: 'item', column: 'ProductNumber' }],
  ProductName: [
    { relation: 'product', column: 'ProductName' },
    { relation: 'item', column: 'ProductName' },
  ],
  LineDescription: [{ copy: 'ProductName' }],
  SalesUnitSymbol: [
    { relation: 'product', column: 'SalesUnitSymbol' },
    { relation: 'item', column: 'SalesUnitSymbol' },
  ],
  SalesPrice: [
    { relation: 'product', column: 'SalesPrice' },
    { relation: 'item', column: 'SalesPrice' },
  ],
  SalesPriceQuantity: [{ value: 1 }],
  CurrencyCode: [{ relation: 'header', column: 'CurrencyCode' }],
  ShippingSiteId: [{ relation: 'header', column: 'DefaultShippingSiteId' }],
  ShippingWarehouseId: [{ relation: 'header', column: 'DefaultShippingWarehouseId' }],
};
/** F&O refuses a line for a stocked item when neither line, header nor customer supplies site and warehouse. */
const STOCKED_ITEM_NEEDS_SITE = [
  { relation: 'product', column: 'ProductType', equals: 'Item', fields: ['ShippingSiteId', 'ShippingWarehouseId'] },
];
const LINE_COMPUTED = ['LineAmount', 'TotalDiscountAmount', 'TotalChargesAmount', 'TotalTaxAmount'];

export const TABLES: TableDef[] = [
  { name: 'CompanyInfo', label: 'Legal entities', companySpecific: false, primaryKey: ['LegalEntityId'] },
  { name: 'Currency', label: 'Currency', companySpecific: false, primaryKey: ['CurrencyCode'] },
  { name: 'UnitOfMeasure', label: 'Units', companySpecific: false, primaryKey: ['UnitSymbol'] },
  {
    name: 'CustGroup',
    label: 'Customer groups',
    companySpecific: true,
    primaryKey: ['dataAreaId', 'CustomerGroupId'],
  },
  { name: 'InventSite', label: 'Sites', companySpecific: true, primaryKey: ['dataAreaId', 'SiteId'] },
  {
    name: 'InventLocation',
    label: 'Warehouses',
    companySpecific: true,
    primaryKey: ['dataAreaId', 'WarehouseId'],
    relations: { site: { table: 'InventSite', on: { OperationalSiteId: 'SiteId' } } },
  },
  {
    name: 'CustTable',
    label: 'Customers',
    companySpecific: true,
    primaryKey: ['dataAreaId', 'CustomerAccount'],
    uniqueKeys: [['dataAreaId', 'PartyNumber']],
    relations: {
      legalEntity: { table: 'CompanyInfo', on: { dataAreaId: 'LegalEntityId' } },
      customerGroup: { table: 'CustGroup', on: { CustomerGroupId: 'CustomerGroupId' } },
      currency: { table: 'Currency', on: { SalesCurrencyCode: 'CurrencyCode' } },
      site: { table: 'InventSite', on: { SiteId: 'SiteId' } },
      warehouse: { table: 'InventLocation', on: { WarehouseId: 'WarehouseId' } },
      invoiceAccount: { table: 'CustTable', on: { InvoiceAccount: 'CustomerAccount' } },
    },
    defaults: {
      CustomerAccount: [{ sequence: 'customer' }],
      PartyNumber: [{ sequence: 'party' }],
      PartyType: [{ value: 'Organization' }],
      SalesCurrencyCode: [{ relation: 'legalEntity', column: 'AccountingCurrencyCode' }],
      LanguageId: [{ value: 'en-us' }],
    },
    allowedValues: { PartyType: ['Organization', 'Person'] },
  },
  {
    name: 'ContactPerson',
    label: 'Contact persons',
    companySpecific: true,
    primaryKey: ['dataAreaId', 'ContactPersonId'],
    uniqueKeys: [['dataAreaId', 'ContactPersonPartyNumber', 'AssociatedPartyNumber']],
    relations: { associatedParty: { table: 'CustTable', on: { AssociatedPartyNumber: 'PartyNumber' } } },
    defaults: {
      ContactPersonId: [{ sequence: 'contactPerson' }],
      ContactPersonPartyNumber: [{ sequence: 'party' }],
      ContactPersonPartyType: [{ value: 'Person' }],
    },
  },
  {
    name: 'InventTable',
    label: 'Released products',
    companySpecific: true,
    primaryKey: ['dataAreaId', 'ItemNumber'],
    uniqueKeys: [['dataAreaId', 'ProductNumber']],
    relations: {
      legalEntity: { table: 'CompanyInfo', on: { dataAreaId: 'LegalEntityId' } },
      salesUnit: { table: 'UnitOfMeasure', on: { SalesUnitSymbol: 'UnitSymbol' } },
      inventoryUnit: { table: 'UnitOfMeasure', on: { InventoryUnitSymbol: 'UnitSymbol' } },
      currency: { table: 'Currency', on: { CurrencyCode: 'CurrencyCode' } },
    },
    defaults: {
      ItemNumber: [{ copy: 'ProductNumber' }],
      ProductNumber: [{ copy: 'ItemNumber' }],
      ProductName: [{ copy: 'ProductNumber' }],
      SearchName: [{ copy: 'ProductName' }],
      ProductSearchName: [{ copy: 'ProductName' }],
      CurrencyCode: [{ relation: 'legalEntity', column: 'AccountingCurrencyCode' }],
      InventoryUnitSymbol: [{ copy: 'SalesUnitSymbol' }],
      SalesPriceQuantity: [{ value: 1 }],
      SalesUnitDecimalPrecision: [{ value: 2 }],
      InventoryUnitDecimalPrecision: [{ value: 2 }],
    },
  },
  {
    name: 'SalesQuotationTable',
    label: 'Sales quotations',
    companySpecific: true,
    primaryKey: ['dataAreaId', 'SalesQuotationNumber'],
    relations: {
      customer: { table: 'CustTable', on: { RequestingCustomerAccountNumber: 'CustomerAccount' } },
      invoiceCustomer: { table: 'CustTable', on: { InvoiceCustomerAccountNumber: 'CustomerAccount' } },
      ...SITE_RELATIONS,
    },
    defaults: {
      SalesQuotationNumber: [{ sequence: 'quotation' }],
      InvoiceCustomerAccountNumber: [
        { relation: 'customer', column: 'InvoiceAccount' },
        { copy: 'RequestingCustomerAccountNumber' },
      ],
      CurrencyCode: [{ relation: 'customer', column: 'SalesCurrencyCode' }],
      LanguageId: [{ relation: 'customer', column: 'LanguageId' }],
      DefaultShippingSiteId: [{ relation: 'customer', column: 'SiteId' }],
      DefaultShippingWarehouseId: [{ relation: 'customer', column: 'WarehouseId' }],
    },
    computed: [
      'QuotationTotalAmount',
      'QuotationTotalDiscountAmount',
      'QuotationTotalChargesAmount',
      'QuotationTotalTaxAmount',
      'AreTotalsCalculated',
    ],
  },
  {
    name: 'SalesQuotationLine',
    label: 'Quotation lines',
    companySpecific: true,
    primaryKey: ['dataAreaId', 'InventoryLotId'],
    uniqueKeys: [['dataAreaId', 'SalesQuotationNumber', 'LineCreationSequenceNumber']],
    relations: {
      header: { table: 'SalesQuotationTable', on: { SalesQuotationNumber: 'SalesQuotationNumber' } },
      ...LINE_RELATIONS,
    },
    defaults: {
      ...LINE_DEFAULTS,
      LineCreationSequenceNumber: [{ next: ['dataAreaId', 'SalesQuotationNumber'] }],
      SalesQuotationStatus: [{ relation: 'header', column: 'SalesQuotationStatus' }],
    },
    requiredWhen: STOCKED_ITEM_NEEDS_SITE,
    computed: LINE_COMPUTED,
    lineTotals: {
      header: 'header',
      quantity: 'RequestedSalesQuantity',
      rollUp: 'onLineWrite',
      headerColumns: {
        amount: 'QuotationTotalAmount',
        discount: 'QuotationTotalDiscountAmount',
        charges: 'QuotationTotalChargesAmount',
        tax: 'QuotationTotalTaxAmount',
        calculated: 'AreTotalsCalculated',
      },
    },
  },
  {
    name: 'SalesTable',
    label: 'Sales orders',
    companySpecific: true,
    primaryKey: ['dataAreaId', 'SalesOrderNumber'],
    relations: {
      customer: { table: 'CustTable', on: { OrderingCustomerAccountNumber: 'CustomerAccount' } },
      invoiceCustomer: { table: 'CustTable', on: { InvoiceCustomerAccountNumber: 'CustomerAccount' } },
      ...SITE_RELATIONS,
    },
    defaults: {
      SalesOrderNumber: [{ sequence: 'salesOrder' }],
      InvoiceCustomerAccountNumber: [
        { relation: 'customer', column: 'InvoiceAccount' },
        { copy: 'OrderingCustomerAccountNumber' },
      ],
      CurrencyCode: [{ relation: 'customer', column: 'SalesCurrencyCode' }],
      LanguageId: [{ relation: 'customer', column: 'LanguageId' }],
      DefaultShippingSiteId: [{ relation: 'customer', column: 'SiteId' }],
      DefaultShippingWarehouseId: [{ relation: 'customer', column: 'WarehouseId' }],
      SalesOrderStatus: [{ value: 'Backorder' }],
    },
    computed: [
      'OrderTotalAmount',
      'OrderTotalDiscountAmount',
      'OrderTotalChargesAmount',
      'OrderTotalTaxAmount',
      'AreTotalsUpdated',
      'OrderingCustomerIsExternallyMaintained',
      'InvoiceCustomerIsExternallyMaintained',
    ],
    inherit: [
      { relation: 'customer', columns: { OrderingCustomerIsExternallyMaintained: 'IsExternallyMaintained' } },
      { relation: 'invoiceCustomer', columns: { InvoiceCustomerIsExternallyMaintained: 'IsExternallyMaintained' } },
    ],
  },
  {
    name: 'SalesLine',
    label: 'Order lines',
    companySpecific: true,
    primaryKey: ['dataAreaId', 'InventoryLotId'],
    uniqueKeys: [['dataAreaId', 'SalesOrderNumber', 'LineCreationSequenceNumber']],
    relations: { header: { table: 'SalesTable', on: { SalesOrderNumber: 'SalesOrderNumber' } }, ...LINE_RELATIONS },
    defaults: {
      ...LINE_DEFAULTS,
      LineCreationSequenceNumber: [{ next: ['dataAreaId', 'SalesOrderNumber'] }],
      LineNumber: [{ copy: 'LineCreationSequenceNumber' }],
      SalesOrderLineStatus: [{ value: 'Backorder' }],
    },
    requiredWhen: STOCKED_ITEM_NEEDS_SITE,
    computed: [
      ...LINE_COMPUTED,
      'SalesOrderProcessingStatus',
      'SalesOrderOriginType',
      'OrderingCustomerIsExternallyMaintained',
      'InvoiceCustomerIsExternallyMaintained',
      'AreTotalsCalculated',
    ],
    inherit: [
      {
        relation: 'header',
        columns: {
          SalesOrderProcessingStatus: 'SalesOrderProcessingStatus',
          SalesOrderOriginType: 'SalesOrderOriginType',
          OrderingCustomerIsExternallyMaintained: 'OrderingCustomerIsExternallyMaintained',
          InvoiceCustomerIsExternallyMaintained: 'InvoiceCustomerIsExternallyMaintained',
          AreTotalsCalculated: 'AreTotalsUpdated',
        },
      },
    ],
    lineTotals: {
      header: 'header',
      quantity: 'OrderedSalesQuantity',
      rollUp: 'onConfirm',
      headerColumns: {
        amount: 'OrderTotalAmount',
        discount: 'OrderTotalDiscountAmount',
        charges: 'OrderTotalChargesAmount',
        tax: 'OrderTotalTaxAmount',
        calculated: 'AreTotalsUpdated',
      },
    },
  },
  {
    name: 'CustInvoiceJour',
    label: 'Customer invoice journal',
    companySpecific: true,
    primaryKey: ['dataAreaId', 'InvoiceNumber', 'InvoiceDate', 'LedgerVoucher'],
    extraColumns: ['CustomerIsExternallyMaintained'],
    relations: { customer: { table: 'CustTable', on: { InvoiceCustomerAccountNumber: 'CustomerAccount' } } },
    defaults: { InvoiceNumber: [{ sequence: 'invoice' }], LedgerVoucher: [{ sequence: 'voucher' }] },
    inherit: [{ relation: 'customer', columns: { CustomerIsExternallyMaintained: 'IsExternallyMaintained' } }],
    readOnly: true,
  },
  {
    name: 'CustInvoiceTrans',
    label: 'Customer invoice lines',
    companySpecific: true,
    primaryKey: ['dataAreaId', 'InvoiceNumber', 'InvoiceDate', 'LedgerVoucher', 'LineCreationSequenceNumber'],
    extraColumns: ['CustomerIsExternallyMaintained'],
    relations: {
      header: {
        table: 'CustInvoiceJour',
        on: { InvoiceNumber: 'InvoiceNumber', InvoiceDate: 'InvoiceDate', LedgerVoucher: 'LedgerVoucher' },
      },
    },
    inherit: [{ relation: 'header', columns: { CustomerIsExternallyMaintained: 'CustomerIsExternallyMaintained' } }],
    readOnly: true,
  },
];

const EXTERNALLY_MAINTAINED_CUSTOMER = { column: 'CustomerIsExternallyMaintained', equals: 'Yes' };
const LINES_OF_ORDER = { dataAreaId: 'dataAreaId', SalesOrderNumber: 'SalesOrderNumber' };
const LINES_OF_QUOTATION = { dataAreaId: 'dataAreaId', SalesQuotationNumber: 'SalesQuotationNumber' };
const LINES_OF_INVOICE = {
  dataAreaId: 'dataAreaId',
  InvoiceNumber: 'InvoiceNumber',
  InvoiceDate: 'InvoiceDate',
  LedgerVoucher: 'LedgerVoucher',
};

const CUSTOMER_GROUP_OF_CUSTOMER = {
  target: 'CustomerGroups',
  on: { dataAreaId: 'dataAreaId', CustomerGroupId: 'CustomerGroupId' },
  many: false,
};

export const ENTITIES: EntityDef[] = [
  {
    set: 'LegalEntities',
    typeName: 'LegalEntity',
    table: 'CompanyInfo',
    key: ['LegalEntityId'],
    fields: list('LegalEntityId Name AccountingCurrencyCode'),
  },
  {
    set: 'Currencies',
    typeName: 'Currency',
    table: 'Currency',
    key: ['CurrencyCode'],
    fields: list('CurrencyCode Name'),
  },
  {
    set: 'UnitsOfMeasure',
    typeName: 'UnitOfMeasure',
    table: 'UnitOfMeasure',
    key: ['UnitSymbol'],
    fields: list('UnitSymbol UnitDescription DecimalPrecision'),
  },
  {
    set: 'CustomerGroups',
    typeName: 'CustomerGroup',
    table: 'CustGroup',
    key: ['dataAreaId', 'CustomerGroupId'],
    fields: list('dataAreaId CustomerGroupId Description PaymentTermId IsSalesTaxIncludedInPrice'),
  },
  {
    set: 'OperationalSites',
    typeName: 'OperationalSite',
    table: 'InventSite',
    key: ['dataAreaId', 'SiteId'],
    fields: list('dataAreaId SiteId SiteName'),
  },
  {
    set: 'Warehouses',
    typeName: 'Warehouse',
    table: 'InventLocation',
    key: ['dataAreaId', 'WarehouseId'],
    fields: list('dataAreaId WarehouseId WarehouseName OperationalSiteId'),
    required: ['OperationalSiteId'],
  },
  {
    set: 'CustomersV2',
    typeName: 'CustomerV2',
    table: 'CustTable',
    key: ['dataAreaId', 'CustomerAccount'],
    fields: CUSTOMER_FIELDS,
    required: ['CustomerGroupId'],
    navigation: {
      CustomerGroup: CUSTOMER_GROUP_OF_CUSTOMER,
    },
  },
  {
    set: 'CustomersV3',
    typeName: 'CustomerV3',
    table: 'CustTable',
    key: ['dataAreaId', 'CustomerAccount'],
    fields: CUSTOMER_FIELDS,
    required: ['CustomerGroupId'],
    navigation: {
      CustomerGroup: CUSTOMER_GROUP_OF_CUSTOMER,
      ContactPersons: {
        target: 'ContactPersons',
        on: { dataAreaId: 'dataAreaId', PartyNumber: 'AssociatedPartyNumber' },
        many: true,
      },
    },
  },
  {
    set: 'CDSContactPersons',
    typeName: 'CDSContactPerson',
    table: 'ContactPerson',
    key: ['dataAreaId', 'ContactPersonPartyNumber', 'AssociatedPartyNumber'],
    fields: list(`dataAreaId ContactPersonPartyNumber AssociatedPartyNumber ContactPersonPartyType FirstName MiddleName
      LastName EmploymentProfession EmploymentDepartment PrimaryEmailAddress PrimaryPhoneNumber PrimaryFaxNumber PrimaryURL
      PrimaryAddressStreet PrimaryAddressStreetNumber PrimaryAddressCity PrimaryAddressStateId PrimaryAddressCountyId
      PrimaryAddressZipCode PrimaryAddressCountryRegionId PrimaryAddressCountryRegionISOCode PrimaryAddressLocationRoles
      Gender MaritalStatus SpouseName GovernmentIdentificationNumber Notes IsContactPersonExternallyMaintained IsInactive
      IsReceivingDirectMail`),
  },
  {
    set: 'ContactPersons',
    typeName: 'ContactPerson',
    table: 'ContactPerson',
    key: ['dataAreaId', 'ContactPersonId'],
    fields: list(`dataAreaId ContactPersonId ContactPersonPartyNumber ContactPersonPartyType AssociatedPartyNumber
      ContactPersonName FirstName MiddleName LastName EmploymentProfession EmploymentJobTitle EmploymentDepartment
      PrimaryEmailAddress PrimaryPhoneNumber PrimaryFaxNumber PrimaryURL PrimaryAddressStreet PrimaryAddressCity
      PrimaryAddressStateId PrimaryAddressCountyId PrimaryAddressZipCode PrimaryAddressCountryRegionId
      PrimaryAddressCountryRegionISOCode Gender MaritalStatus SpouseName GovernmentIdentificationNumber Notes
      IsContactPersonExternallyMaintained IsInactive IsReceivingDirectMail`),
  },
  {
    set: 'SellableReleasedProducts',
    typeName: 'SellableReleasedProduct',
    table: 'InventTable',
    key: ['dataAreaId', 'ProductNumber'],
    fields: list(`dataAreaId ProductNumber ProductName ProductDescription ProductType SalesUnitSymbol
      SalesUnitDecimalPrecision SalesPrice UnitCost CurrencyCode InventoryUnitSymbol InventoryUnitDecimalPrecision
      IsSalesStopped IsStockedProduct FieldServiceProductType`),
    where: { column: 'IsSalesStopped', equals: 'No' },
  },
  {
    set: 'ReleasedDistinctProductsV2',
    typeName: 'ReleasedDistinctProductV2',
    table: 'InventTable',
    key: ['dataAreaId', 'ItemNumber'],
    fields: list(`dataAreaId ItemNumber ProductNumber ProductSearchName SearchName ProductType SalesUnitSymbol
      InventoryUnitSymbol SalesPrice SalesPriceQuantity SalesPriceDate UnitCost ItemModelGroupId ProductGroupId
      StorageDimensionGroupName TrackingDimensionGroupName SalesSalesTaxItemGroupCode DefaultOrderType`),
  },
  {
    set: 'CDSReleasedDistinctProducts',
    typeName: 'CDSReleasedDistinctProduct',
    table: 'InventTable',
    key: ['dataAreaId', 'ProductNumber'],
    fields: list(`dataAreaId ProductNumber ItemNumber ProductName ProductDescription ProductType SalesUnitSymbol
      SalesUnitDecimalPrecision SalesPrice UnitCost CurrencyCode InventoryUnitSymbol IsStockedProduct IsCatchWeightProduct
      ProductColorId ProductConfigurationId ProductSizeId ProductStyleId`),
  },
  {
    set: 'CDSSalesQuotationHeaders',
    typeName: 'CDSSalesQuotationHeader',
    table: 'SalesQuotationTable',
    key: ['dataAreaId', 'SalesQuotationNumber'],
    fields: list(`dataAreaId SalesQuotationNumber SalesQuotationName RequestingCustomerAccountNumber
      InvoiceCustomerAccountNumber ProspectId ContactPersonId CurrencyCode LanguageId DefaultShippingSiteId
      DefaultShippingWarehouseId SalesQuotationStatus SalesQuotationExpiryDate SalesQuotationFollowUpDate
      RequestedShippingDate ReceiptDateRequested CustomersReference CustomerRequisitionNumber Email DeliveryAddressName
      DeliveryAddressStreet DeliveryAddressStreetNumber DeliveryAddressCity DeliveryAddressStateId DeliveryAddressCountyId
      DeliveryAddressZipCode DeliveryAddressCountryRegionId DeliveryAddressCountryRegionISOCode PaymentTermsName
      DeliveryModeCode DeliveryTermsCode TotalDiscountPercentage TotalDiscountAmount QuotationTotalAmount
      QuotationTotalDiscountAmount QuotationTotalTaxAmount QuotationTotalChargesAmount QuotationHeaderTaxAmount
      AreTotalsCalculated GeneratedSalesOrderNumber OpportunityId SalesQuotationHeaderCreationMethod`),
    required: ['RequestingCustomerAccountNumber'],
    navigation: { SalesQuotationLines: { target: 'CDSSalesQuotationLines', on: LINES_OF_QUOTATION, many: true } },
  },
  {
    set: 'SalesQuotationHeadersV2',
    typeName: 'SalesQuotationHeaderV2',
    table: 'SalesQuotationTable',
    key: ['dataAreaId', 'SalesQuotationNumber'],
    fields: list(`dataAreaId SalesQuotationNumber SalesQuotationName RequestingCustomerAccountNumber
      InvoiceCustomerAccountNumber ProspectId ContactPersonId CurrencyCode LanguageId DefaultShippingSiteId
      DefaultShippingWarehouseId SalesQuotationStatus SalesQuotationExpiryDate RequestedShippingDate ReceiptDateRequested
      CustomersReference CustomerRequisitionNumber DeliveryAddressName DeliveryAddressStreet DeliveryAddressCity
      DeliveryAddressStateId DeliveryAddressCountyId DeliveryAddressZipCode DeliveryAddressCountryRegionISOCode
      PaymentTermsName DeliveryModeCode DeliveryTermsCode TotalDiscountPercentage QuotationTotalAmount
      QuotationTotalDiscountAmount QuotationTotalTaxAmount QuotationTotalChargesAmount GeneratedSalesOrderNumber
      OpportunityId SalesQuotationHeaderCreationMethod`),
    required: ['RequestingCustomerAccountNumber'],
    navigation: { SalesQuotationLines: { target: 'SalesQuotationLines', on: LINES_OF_QUOTATION, many: true } },
  },
  {
    set: 'CDSSalesQuotationLines',
    typeName: 'CDSSalesQuotationLine',
    table: 'SalesQuotationLine',
    key: ['dataAreaId', 'SalesQuotationNumber', 'LineCreationSequenceNumber'],
    fields: list(`dataAreaId SalesQuotationNumber LineCreationSequenceNumber ProductNumber ProductName
      ${QUOTATION_LINE_COMMON} TotalDiscountAmount FixedPriceCharges TotalChargesAmount TotalTaxAmount CurrencyCode`),
    required: ['ProductNumber'],
    navigation: {
      SalesQuotationHeader: { target: 'CDSSalesQuotationHeaders', on: LINES_OF_QUOTATION, many: false },
    },
  },
  {
    set: 'SalesQuotationLines',
    typeName: 'SalesQuotationLine',
    table: 'SalesQuotationLine',
    key: ['dataAreaId', 'InventoryLotId'],
    fields: list(`dataAreaId InventoryLotId SalesQuotationNumber LineCreationSequenceNumber ItemNumber
      ProductConfigurationId ProductSizeId ProductColorId ProductStyleId ${QUOTATION_LINE_COMMON}`),
    required: ['SalesQuotationNumber', 'ItemNumber'],
  },
  {
    set: 'CDSSalesOrderHeaders',
    typeName: 'CDSSalesOrderHeader',
    table: 'SalesTable',
    key: ['dataAreaId', 'SalesOrderNumber'],
    fields: list(`dataAreaId SalesOrderNumber SalesOrderName OrderingCustomerAccountNumber InvoiceCustomerAccountNumber
      OrderingCustomerIsExternallyMaintained InvoiceCustomerIsExternallyMaintained ContactPersonId CurrencyCode LanguageId
      DefaultShippingSiteId DefaultShippingWarehouseId SalesOrderStatus SalesOrderProcessingStatus SalesOrderOriginCode
      SalesOrderOriginType QuotationNumber RequestedShippingDate RequestedReceiptDate ConfirmedShippingDate
      ConfirmedReceiptDate CustomersOrderReference CustomerRequisitionNumber Email DeliveryAddressName DeliveryAddressStreet
      DeliveryAddressStreetNumber DeliveryAddressCity DeliveryAddressStateId DeliveryAddressCountyId DeliveryAddressZipCode
      DeliveryAddressCountryRegionId DeliveryAddressCountryRegionISOCode InvoiceAddressStreet InvoiceAddressStreetNumber
      InvoiceAddressCity InvoiceAddressStateId InvoiceAddressZipCode InvoiceAddressCountryRegionId
      InvoiceAddressCountryRegionISOCode PaymentTermsName DeliveryModeCode DeliveryTermsCode AreTotalsUpdated
      OrderTotalAmount TotalDiscountAmount OrderTotalDiscountAmount OrderTotalChargesAmount OrderTotalTaxAmount
      OrderHeaderTaxAmount IsSalesProcessingStopped ExternalWorkOrderStatus`),
    required: ['OrderingCustomerAccountNumber'],
    navigation: { SalesOrderLines: { target: 'CDSSalesOrderLines', on: LINES_OF_ORDER, many: true } },
  },
  {
    set: 'SalesOrderHeadersV2',
    typeName: 'SalesOrderHeaderV2',
    table: 'SalesTable',
    key: ['dataAreaId', 'SalesOrderNumber'],
    fields: list(`dataAreaId SalesOrderNumber SalesOrderName OrderingCustomerAccountNumber InvoiceCustomerAccountNumber
      ContactPersonId CurrencyCode LanguageId DefaultShippingSiteId DefaultShippingWarehouseId SalesOrderStatus
      SalesOrderProcessingStatus SalesOrderOriginCode QuotationNumber RequestedShippingDate RequestedReceiptDate
      ConfirmedShippingDate ConfirmedReceiptDate CustomersOrderReference CustomerRequisitionNumber DeliveryAddressName
      DeliveryAddressStreet DeliveryAddressCity DeliveryAddressStateId DeliveryAddressCountyId DeliveryAddressZipCode
      DeliveryAddressCountryRegionISOCode InvoiceAddressStreet InvoiceAddressCity InvoiceAddressStateId
      InvoiceAddressZipCode InvoiceAddressCountryRegionISOCode PaymentTermsName DeliveryModeCode DeliveryTermsCode
      AreTotalsCalculated OrderTotalAmount TotalDiscountAmount OrderTotalDiscountAmount OrderTotalChargesAmount
      OrderTotalTaxAmount OrderHeaderTaxAmount`),
    required: ['OrderingCustomerAccountNumber'],
    aliases: { AreTotalsCalculated: 'AreTotalsUpdated' },
    navigation: { SalesOrderLines: { target: 'SalesOrderLines', on: LINES_OF_ORDER, many: true } },
  },
  {
    set: 'CDSSalesOrderLines',
    typeName: 'CDSSalesOrderLine',
    table: 'SalesLine',
    key: ['dataAreaId', 'SalesOrderNumber', 'LineCreationSequenceNumber'],
    fields: list(`dataAreaId SalesOrderNumber LineCreationSequenceNumber ProductNumber ProductName ${ORDER_LINE_COMMON}
      TotalDiscountAmount TotalChargesAmount TotalTaxAmount CurrencyCode ConfirmedReceiptDate SalesOrderProcessingStatus
      SalesOrderOriginType OrderingCustomerIsExternallyMaintained InvoiceCustomerIsExternallyMaintained AreTotalsCalculated
      PickedQuantity`),
    required: ['ProductNumber'],
    navigation: { SalesOrderHeader: { target: 'CDSSalesOrderHeaders', on: LINES_OF_ORDER, many: false } },
  },
  {
    set: 'SalesOrderLines',
    typeName: 'SalesOrderLine',
    table: 'SalesLine',
    key: ['dataAreaId', 'InventoryLotId'],
    fields: list(`dataAreaId InventoryLotId SalesOrderNumber LineCreationSequenceNumber LineNumber ItemNumber
      ProductConfigurationId ProductSizeId ProductColorId ProductStyleId ${ORDER_LINE_COMMON} SalesOrderLineCreationMethod`),
    required: ['SalesOrderNumber', 'ItemNumber'],
  },
  {
    set: 'ExternallyMaintainedCustomerSalesInvoiceHeaders',
    typeName: 'ExternallyMaintainedCustomerSalesInvoiceHeader',
    table: 'CustInvoiceJour',
    key: ['dataAreaId', 'InvoiceNumber', 'InvoiceDate', 'LedgerVoucher'],
    fields: list(`${INVOICE_HEADER_COMMON} SalesOrderOriginType`),
    where: EXTERNALLY_MAINTAINED_CUSTOMER,
    navigation: {
      SalesInvoiceLines: { target: 'ExternallyMaintainedCustomerSalesInvoiceLines', on: LINES_OF_INVOICE, many: true },
    },
  },
  {
    set: 'ExternallyMaintainedCustomerSalesInvoiceLines',
    typeName: 'ExternallyMaintainedCustomerSalesInvoiceLine',
    table: 'CustInvoiceTrans',
    key: ['dataAreaId', 'InvoiceNumber', 'InvoiceDate', 'LineCreationSequenceNumber', 'LedgerVoucher'],
    fields: list(INVOICE_LINE_COMMON),
    where: EXTERNALLY_MAINTAINED_CUSTOMER,
  },
  {
    set: 'SalesInvoiceHeadersV2',
    typeName: 'SalesInvoiceHeaderV2',
    table: 'CustInvoiceJour',
    key: ['dataAreaId', 'InvoiceNumber', 'InvoiceDate', 'LedgerVoucher'],
    fields: list(`${INVOICE_HEADER_COMMON} SalesOrderOriginCode`),
    navigation: { SalesInvoiceLines: { target: 'SalesInvoiceV2Lines', on: LINES_OF_INVOICE, many: true } },
  },
  {
    set: 'SalesInvoiceV2Lines',
    typeName: 'SalesInvoiceV2Line',
    table: 'CustInvoiceTrans',
    key: ['dataAreaId', 'InvoiceNumber', 'LineCreationSequenceNumber', 'InvoiceDate', 'LedgerVoucher'],
    fields: list(`${INVOICE_LINE_COMMON} ProductConfigurationId ProductSizeId ProductColorId ProductStyleId
      InventorySiteId InventoryWarehouseId SalesProductCategoryName`),
  },
];
