/**
 * Maximum string lengths of the target columns the templates write, and what to do with a longer value.
 * F&O lengths come from the extended data types behind the entity fields (CustAccount 20, DirPartyName 100,
 * LogisticsAddressCity 60, …); Dataverse lengths from the standard column metadata. Identifiers and names are
 * rejected when too long (a shortened key or name silently points at a different record); free text such as
 * street lines, descriptions and notes is truncated with a warning.
 */

export type OverflowPolicy = 'reject' | 'truncate';

export interface FieldLimit {
  max: number;
  overflow: OverflowPolicy;
}

const reject = (max: number): FieldLimit => ({ max, overflow: 'reject' });
const truncate = (max: number): FieldLimit => ({ max, overflow: 'truncate' });

const fnoAddress = {
  street: truncate(250),
  streetNumber: reject(20),
  city: reject(60),
  state: reject(10),
  county: reject(10),
  zip: reject(10),
  countryIso: reject(2),
  countryId: reject(10),
};

const fnoElectronic = reject(255);

const fnoCustomer: Record<string, FieldLimit> = {
  CustomerAccount: reject(20),
  PartyNumber: reject(40),
  OrganizationName: reject(100),
  NameAlias: reject(20),
  PersonFirstName: reject(25),
  PersonMiddleName: reject(25),
  PersonLastName: reject(25),
  CustomerGroupId: reject(10),
  SalesCurrencyCode: reject(3),
  LanguageId: reject(7),
  SiteId: reject(10),
  WarehouseId: reject(10),
  // Free-text notes: F&O refuses the whole customer when the memo is longer, so it is cut with a warning.
  SalesMemo: truncate(1000),
  AddressStreet: fnoAddress.street,
  AddressCity: fnoAddress.city,
  AddressState: fnoAddress.state,
  AddressCounty: fnoAddress.county,
  AddressZipCode: fnoAddress.zip,
  AddressCountryRegionISOCode: fnoAddress.countryIso,
  PrimaryContactEmail: fnoElectronic,
  PrimaryContactPhone: fnoElectronic,
  PrimaryContactFax: fnoElectronic,
  PrimaryContactURL: fnoElectronic,
};

/** Delivery address of the CDS quote/order lines; unlike the headers, the lines have no street number. */
const fnoLineDeliveryAddress: Record<string, FieldLimit> = {
  DeliveryAddressStreet: fnoAddress.street,
  DeliveryAddressCity: fnoAddress.city,
  DeliveryAddressStateId: fnoAddress.state,
  DeliveryAddressZipCode: fnoAddress.zip,
  DeliveryAddressCountryRegionISOCode: fnoAddress.countryIso,
};

const fnoSalesHeader: Record<string, FieldLimit> = {
  ...fnoLineDeliveryAddress,
  DeliveryAddressStreetNumber: fnoAddress.streetNumber,
  CurrencyCode: reject(3),
  LanguageId: reject(7),
  DefaultShippingSiteId: reject(10),
  DefaultShippingWarehouseId: reject(10),
};

const fnoSalesLine: Record<string, FieldLimit> = {
  ...fnoLineDeliveryAddress,
  ProductNumber: reject(70),
  SalesUnitSymbol: reject(10),
  LineDescription: truncate(1000),
  ShippingSiteId: reject(10),
  ShippingWarehouseId: reject(10),
};

const dataverseAddress = (prefix: 'shipto' | 'billto'): Record<string, FieldLimit> => ({
  [`${prefix}_line1`]: truncate(250),
  [`${prefix}_line2`]: truncate(250),
  [`${prefix}_line3`]: truncate(250),
  [`${prefix}_city`]: reject(80),
  [`${prefix}_stateorprovince`]: reject(50),
  [`${prefix}_postalcode`]: reject(20),
  [`${prefix}_country`]: reject(80),
});

/** Entity set → target column → limit. The single source of truth for lengths used by the engine and docs. */
export const FIELD_LIMITS: Record<string, Record<string, FieldLimit>> = {
  CustomersV2: fnoCustomer,
  CDSContactPersons: {
    ContactPersonPartyNumber: reject(40),
    AssociatedPartyNumber: reject(40),
    FirstName: reject(25),
    MiddleName: reject(25),
    LastName: reject(25),
    EmploymentProfession: reject(60),
    EmploymentDepartment: reject(60),
    PrimaryEmailAddress: fnoElectronic,
    PrimaryPhoneNumber: fnoElectronic,
    PrimaryFaxNumber: fnoElectronic,
    PrimaryURL: fnoElectronic,
    PrimaryAddressStreet: fnoAddress.street,
    PrimaryAddressCity: fnoAddress.city,
    PrimaryAddressStateId: fnoAddress.state,
    PrimaryAddressCountyId: fnoAddress.county,
    PrimaryAddressZipCode: fnoAddress.zip,
    PrimaryAddressCountryRegionId: fnoAddress.countryId,
    SpouseName: reject(100),
    GovernmentIdentificationNumber: reject(30),
    Notes: truncate(1000),
  },
  CDSSalesQuotationHeaders: {
    ...fnoSalesHeader,
    SalesQuotationNumber: reject(20),
    SalesQuotationName: reject(100),
    RequestingCustomerAccountNumber: reject(20),
    InvoiceCustomerAccountNumber: reject(20),
  },
  CDSSalesQuotationLines: { ...fnoSalesLine, SalesQuotationNumber: reject(20) },
  CDSSalesOrderHeaders: {
    ...fnoSalesHeader,
    SalesOrderNumber: reject(20),
    SalesOrderName: reject(100),
    OrderingCustomerAccountNumber: reject(20),
    InvoiceCustomerAccountNumber: reject(20),
    QuotationNumber: reject(20),
  },
  CDSSalesOrderLines: { ...fnoSalesLine, SalesOrderNumber: reject(20) },
  products: { productnumber: reject(100), name: reject(100), description: truncate(2000) },
  productpricelevels: {},
  salesorders: {
    ordernumber: reject(100),
    name: reject(300),
    ...dataverseAddress('shipto'),
    ...dataverseAddress('billto'),
  },
  salesorderdetails: { msdynce_ordernumber: reject(100) },
  invoices: { invoicenumber: reject(100), name: reject(300), ...dataverseAddress('billto') },
  invoicedetails: { msdynce_invoicenumber: reject(100) },
};

export function fieldLimit(entitySet: string, field: string): FieldLimit | undefined {
  return FIELD_LIMITS[entitySet]?.[field];
}
