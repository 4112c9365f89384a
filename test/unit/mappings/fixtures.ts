/** Shared test data: one partition and a target system in which every referenced record exists. */
import { createLookupIndex, type LookupEntry, type TransformContext } from '../../../mappings';
import { loadProject, ProjectConfigError } from '../../../mappings/project-file';

export const PARTITION = { dataAreaId: 'usmf', businessUnit: 'USMF' };
/** Sales rows of the partition: owned by its business unit, expanded as the partition filter reads it. */
const OWNED_BY_PARTITION = { owningbusinessunit: { name: PARTITION.businessUnit } };

export const EXISTING: LookupEntry[] = [
  { entitySet: 'CustomersV2', keyField: 'CustomerAccount', values: ['ACC-01000-BVRCPS', 'CON-01007-QWERTY'] },
  { entitySet: 'CustomersV2', keyField: 'PartyNumber', values: ['ACC-01000-BVRCPS'] },
  { entitySet: 'SellableReleasedProducts', keyField: 'ProductNumber', values: ['D0001', 'S0002'] },
  { entitySet: 'UnitsOfMeasure', keyField: 'UnitSymbol', values: ['ea', 'h', 'pcs'] },
  { entitySet: 'accounts', keyField: 'accountnumber', values: ['ACC-01000-BVRCPS'] },
  { entitySet: 'contacts', keyField: 'msdynce_contactnumber', values: ['CON-01007-QWERTY'] },
  { entitySet: 'products', keyField: 'productnumber', values: ['D0001', 'S0002'] },
  { entitySet: 'uoms', keyField: 'name', values: ['ea', 'h', 'Primary Unit'] },
  { entitySet: 'uomschedules', keyField: 'name', values: ['Default unit'] },
  { entitySet: 'transactioncurrencies', keyField: 'isocurrencycode', values: ['USD', 'EUR', 'CHF'] },
  { entitySet: 'pricelevels', keyField: 'name', values: ['CRM Service USA (sample)', 'Standard USD', 'Standard EUR'] },
  {
    entitySet: 'pricelevels',
    rows: [
      { name: 'Standard USD', 'transactioncurrencyid.isocurrencycode': 'USD' },
      { name: 'CRM Service USA (sample)', 'transactioncurrencyid.isocurrencycode': 'USD' },
      { name: 'Standard EUR', 'transactioncurrencyid.isocurrencycode': 'EUR' },
    ],
  },
  { entitySet: 'businessunits', keyField: 'name', values: ['USMF'] },
  { entitySet: 'salesorders', keyField: 'ordernumber', values: ['SO-000123'] },
  { entitySet: 'invoices', keyField: 'invoicenumber', values: ['CIV-000045'] },
];

export function context(extra: LookupEntry[] = [], only?: LookupEntry[]): TransformContext {
  return { partition: PARTITION, lookups: createLookupIndex([...(only ?? EXISTING), ...extra]) };
}

/** Everything except the entries of one entity set (and key field), to provoke a missing lookup. */
export function contextWithout(entitySet: string, keyField?: string): TransformContext {
  return context(
    [],
    EXISTING.filter(
      (e) => e.entitySet !== entitySet || (keyField !== undefined && 'keyField' in e && e.keyField !== keyField),
    ),
  );
}

export const account = {
  '@odata.etag': 'W/"5120344"',
  accountid: '6f1c2a10-0000-0000-0000-000000000001',
  accountnumber: 'ACC-01000-BVRCPS',
  name: 'Fabrikam Pharmaceuticals',
  address1_line1: '1 Microsoft Way',
  address1_line2: 'Building 4',
  address1_line3: null,
  address1_city: 'Redmond',
  address1_stateorprovince: 'WA',
  address1_county: 'King',
  address1_postalcode: '98052',
  address1_country: 'United States',
  telephone1: '+1 425 555 0100',
  emailaddress1: 'orders@fabrikam.example',
  fax: '+1 425 555 0199',
  websiteurl: 'https://fabrikam.example',
  creditlimit: 25000,
  description: 'Key account, West region',
  modifiedon: '2026-01-05T08:00:00Z',
  transactioncurrencyid: { isocurrencycode: 'USD', transactioncurrencyid: 'c1' },
  ...OWNED_BY_PARTITION,
};

export const contact = {
  contactid: '2b7d9e44-0000-0000-0000-000000000002',
  msdynce_contactnumber: 'CON-01007-QWERTY',
  firstname: 'Maria',
  middlename: 'J.',
  lastname: 'Anders',
  jobtitle: 'Purchasing manager',
  department: 'Procurement',
  telephone1: '+49 30 555 0101',
  emailaddress1: 'maria.anders@alfreds.example',
  fax: null,
  websiteurl: null,
  address1_line1: 'Obere Str. 57',
  address1_line2: null,
  address1_line3: null,
  address1_city: 'Berlin',
  address1_stateorprovince: 'BE',
  address1_county: null,
  address1_postalcode: '12209',
  address1_country: 'Germany',
  gendercode: 2,
  familystatuscode: 2,
  description: 'Prefers e-mail',
  spousesname: 'Peter Anders',
  governmentid: 'DE-991',
  msdynce_isactivecustomer: true,
  msdynce_iscompanyanaccount: true,
  modifiedon: '2026-01-05T09:00:00Z',
  transactioncurrencyid: { isocurrencycode: 'EUR' },
  parentcustomerid_account: { accountnumber: 'ACC-01000-BVRCPS' },
  ...OWNED_BY_PARTITION,
};

export const product = {
  '@odata.etag': 'W/"JzEsNjg3MTk0ODI4MzMn"',
  dataAreaId: 'usmf',
  ProductNumber: 'D0001',
  ProductName: 'Mid-Range Speaker',
  ProductDescription: 'Two-way speaker, 120 W',
  ProductType: 'Item',
  SalesUnitSymbol: 'ea',
  SalesUnitDecimalPrecision: 0,
  SalesPrice: 219.95,
  UnitCost: 98.5,
  CurrencyCode: 'USD',
  InventoryUnitSymbol: 'ea',
  InventoryUnitDecimalPrecision: 0,
  IsSalesStopped: 'No',
  IsStockedProduct: 'Yes',
};

export const quote = {
  quoteid: 'q1',
  quotenumber: 'QUO-01001-AB12CD',
  name: 'Speakers for the West store',
  statecode: 1,
  msdynce_hasexternallymaintainedproductsonly: true,
  _customerid_value: '6f1c2a10-0000-0000-0000-000000000001',
  customerid_account: { accountnumber: 'ACC-01000-BVRCPS' },
  customerid_contact: null,
  transactioncurrencyid: { isocurrencycode: 'USD' },
  shipto_line1: '1 Microsoft Way',
  shipto_line2: '4',
  shipto_city: 'Redmond',
  shipto_stateorprovince: 'WA',
  shipto_postalcode: '98052',
  shipto_country: 'USA',
  requestdeliveryby: '2026-02-01',
  effectiveto: '2026-03-31',
  modifiedon: '2026-01-06T10:00:00Z',
  ...OWNED_BY_PARTITION,
};

export const quoteLine = {
  quotedetailid: 'qd1',
  quoteid: { quotenumber: 'QUO-01001-AB12CD', statecode: 1 },
  sequencenumber: 3,
  productid: { productnumber: 'D0001', msdynce_ismaintainedexternally: true },
  uomid: { name: 'ea' },
  quantity: 3,
  priceperunit: 219.95,
  manualdiscountamount: 10,
  description: null,
  productdescription: null,
  requestdeliveryby: '2026-02-01',
  shipto_line1: null,
  shipto_city: null,
  shipto_stateorprovince: null,
  shipto_postalcode: null,
  shipto_country: null,
  msdynce_quotehasexternalmaintainedproductsonly: true,
  modifiedon: '2026-01-06T10:00:00Z',
};

/** A project's connection set to a Contoso tenant, for project files built in tests. */
export const connection = {
  dataverse: {
    url: 'https://contoso.crm.dynamics.com',
    authority: 'https://login.microsoftonline.com/contoso',
    clientId: 'app-1',
    clientSecretEnv: 'DV_SECRET',
  },
  fno: {
    url: 'https://contoso.operations.dynamics.com',
    authority: 'https://login.microsoftonline.com/contoso',
    clientId: 'app-2',
    clientSecretEnv: 'FNO_SECRET',
  },
};

/** What loadProject says is wrong with a project it must reject. */
export function projectProblems(input: Record<string, unknown>): string[] {
  try {
    loadProject(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ProjectConfigError);
    return (error as ProjectConfigError).problems;
  }
  throw new Error('expected the project to be rejected');
}
