/**
 * The known problems of spec §8 (and the other ways a row can be unusable) each produce their own row error:
 * the record key, the field to fix and a specific code; the rest of the page still maps.
 */
import { parseProject, resolveTasks, templates, transform, type TaskDefinition } from '../../../mappings';
import { account, context, contextWithout, contact, product, quote, quoteLine } from './fixtures';

function onlyError(task: TaskDefinition, row: Record<string, unknown>, ctx = context()) {
  const result = transform(task, [row], ctx);
  expect(result.rows).toEqual([]);
  expect(result.errors).toHaveLength(1);
  return result.errors[0];
}

const baseProject = {
  name: 'problems',
  connection: {
    dataverse: {
      url: 'https://contoso.crm.dynamics.com',
      authority: 'https://login.microsoftonline.com/contoso',
      clientId: 'a',
      clientSecretEnv: 'DV_SECRET',
    },
    fno: {
      url: 'https://contoso.operations.dynamics.com',
      authority: 'https://login.microsoftonline.com/contoso',
      clientId: 'b',
      clientSecretEnv: 'FNO_SECRET',
    },
  },
  partitions: [{ dataAreaId: 'usmf', businessUnit: 'USMF' }],
};

function projectTask(name: string, tasks: Record<string, unknown>): TaskDefinition {
  return resolveTasks(parseProject({ ...baseProject, tasks })).find((task) => task.name === name)!;
}

describe('missing price list', () => {
  it('fails a product whose currency has no price list in Sales', () => {
    expect(onlyError(templates.products, { ...product, CurrencyCode: 'CHF' })).toEqual({
      task: 'products',
      sourceKey: 'D0001',
      field: 'CurrencyCode',
      code: 'missing-price-list',
      message: expect.stringMatching(/D0001, CurrencyCode: no active price list in currency "CHF"; create one/),
    });
  });

  it('fails an F&O order whose currency has no price-list entry in the value map', () => {
    const error = onlyError(templates.salesOrdersFromFno, fnoOrderFor('EUR'));
    expect(error).toMatchObject({ sourceKey: 'SO-1', field: 'CurrencyCode', code: 'missing-price-list' });
    expect(error.message).toContain('valueMaps.priceListsByCurrency');
  });

  it('fails an F&O invoice when the mapped price list does not exist in Sales', () => {
    const error = onlyError(
      templates.invoiceHeaders,
      {
        dataAreaId: 'usmf',
        InvoiceNumber: 'CIV-1',
        InvoiceCustomerAccountNumber: 'ACC-01000-BVRCPS',
        CurrencyCode: 'USD',
      },
      contextWithout('pricelevels', 'name'),
    );
    expect(error).toMatchObject({ field: 'CurrencyCode', code: 'missing-price-list' });
    expect(error.message).toContain('"CRM Service USA (sample)" not found in pricelevels(name)');
  });
});

function fnoOrderFor(currency: string) {
  return {
    dataAreaId: 'usmf',
    SalesOrderNumber: 'SO-1',
    OrderingCustomerAccountNumber: 'ACC-01000-BVRCPS',
    OrderingCustomerIsExternallyMaintained: 'Yes',
    InvoiceCustomerIsExternallyMaintained: 'Yes',
    SalesOrderProcessingStatus: 'Confirmed',
    AreTotalsUpdated: 'Yes',
    CurrencyCode: currency,
  };
}

describe('unmapped unit', () => {
  it('fails a product sold in an F&O unit that Sales does not have', () => {
    const error = onlyError(templates.products, { ...product, SalesUnitSymbol: 'bdl' });
    expect(error).toMatchObject({ sourceKey: 'D0001', field: 'SalesUnitSymbol', code: 'unmapped-unit' });
    expect(error.message).toContain('"bdl" not found in uoms(name)');
  });

  it('fails a quote line in a Sales unit that F&O does not have', () => {
    const error = onlyError(templates.quoteLines, { ...quoteLine, uomid: { name: 'dozen' } });
    expect(error).toMatchObject({ sourceKey: 'QUO-01001-AB12CD/3', field: 'uomid', code: 'unmapped-unit' });
    expect(error.message).toContain('"dozen" not found in UnitsOfMeasure(UnitSymbol);');
  });

  it('fails a product without a sales unit', () => {
    expect(onlyError(templates.products, { ...product, SalesUnitSymbol: '' })).toMatchObject({ code: 'unmapped-unit' });
  });
});

describe('unsynced product on a quote', () => {
  it('fails a quote whose products did not all come from F&O, instead of hiding it', () => {
    const error = onlyError(templates.quoteHeaders, { ...quote, msdynce_hasexternallymaintainedproductsonly: false });
    expect(error).toMatchObject({ sourceKey: 'QUO-01001-AB12CD', field: 'productid', code: 'write-in-product' });
  });

  it('fails a quote line with a write-in product', () => {
    const error = onlyError(templates.quoteLines, {
      ...quoteLine,
      productid: null,
      productdescription: 'Custom cable',
    });
    expect(error).toMatchObject({ sourceKey: 'QUO-01001-AB12CD/3', field: 'productid', code: 'write-in-product' });
  });

  it('fails a quote line whose product was created in Sales', () => {
    const error = onlyError(templates.quoteLines, {
      ...quoteLine,
      productid: { productnumber: 'LOCAL-1', msdynce_ismaintainedexternally: false },
    });
    expect(error).toMatchObject({ field: 'productid', code: 'missing-product' });
  });

  it('fails a quote line whose product F&O no longer sells', () => {
    const error = onlyError(templates.quoteLines, {
      ...quoteLine,
      productid: { productnumber: 'D0099', msdynce_ismaintainedexternally: true },
    });
    expect(error).toMatchObject({ field: 'productid', code: 'missing-product' });
    expect(error.message).toContain('"D0099" not found in SellableReleasedProducts(ProductNumber) in company usmf');
  });

  it('fails an F&O order line whose product is not in Sales', () => {
    const error = onlyError(
      templates.salesOrderLinesFromFno,
      {
        dataAreaId: 'usmf',
        SalesOrderNumber: 'SO-000123',
        LineCreationSequenceNumber: 1,
        ProductNumber: 'NEW-1',
        SalesUnitSymbol: 'ea',
        OrderedSalesQuantity: 1,
        OrderingCustomerIsExternallyMaintained: 'Yes',
        InvoiceCustomerIsExternallyMaintained: 'Yes',
        SalesOrderProcessingStatus: 'Confirmed',
      },
      context(),
    );
    expect(error).toMatchObject({ sourceKey: 'SO-000123/1', field: 'ProductNumber', code: 'missing-product' });
  });
});

describe('blank or unknown country', () => {
  it('writes US for a blank account country, with a country-defaulted warning', () => {
    const result = transform(templates.accounts, [{ ...account, address1_country: '  ' }], context());
    expect(result.errors).toEqual([]);
    expect(result.rows[0].fields.AddressCountryRegionISOCode).toBe('US');
    expect(result.warnings).toEqual([
      expect.objectContaining({ sourceKey: 'ACC-01000-BVRCPS', field: 'address1_country', code: 'country-defaulted' }),
    ]);
  });

  it('fails a blank country when the project removes the default', () => {
    const task = projectTask('accounts', {
      accounts: { fieldMap: [{ target: 'AddressCountryRegionISOCode', default: null }] },
    });
    expect(onlyError(task, { ...account, address1_country: null })).toMatchObject({
      sourceKey: 'ACC-01000-BVRCPS',
      field: 'address1_country',
      code: 'missing-country',
    });
  });

  it('fails a country that is neither a known name nor an ISO code', () => {
    const error = onlyError(templates.accounts, { ...account, address1_country: 'Atlantis' });
    expect(error).toMatchObject({ field: 'address1_country', code: 'unmapped-country' });
    expect(error.message).toContain('add it to valueMaps.countries');
  });
});

describe('over-long values', () => {
  it('rejects a state name longer than an F&O state id, unless the project maps it', () => {
    const region = { ...account, address1_stateorprovince: 'Île-de-France', address1_country: 'France' };
    expect(onlyError(templates.accounts, region)).toMatchObject({
      field: 'address1_stateorprovince',
      code: 'value-too-long',
    });
    const task = resolveTasks(
      parseProject({ ...baseProject, valueMaps: { states: [{ from: 'île-de-france', to: 'IDF' }] } }),
    );
    const accounts = task.find((t) => t.name === 'accounts')!;
    expect(transform(accounts, [region], context()).rows[0].fields.AddressState).toBe('IDF');
  });

  it('rejects an account name longer than the F&O organization name', () => {
    const name = 'Fabrikam '.repeat(12).trim();
    expect(onlyError(templates.accounts, { ...account, name })).toEqual({
      task: 'accounts',
      sourceKey: 'ACC-01000-BVRCPS',
      field: 'name',
      code: 'value-too-long',
      message: `Accounts - Customers (Sales to F&O) ACC-01000-BVRCPS, name: value is ${name.length} characters; CustomersV2.OrganizationName allows 100. Shorten it in the source`,
    });
  });

  it('truncates a street longer than F&O allows, with a warning', () => {
    // 300 + line break + "Building 4" = 311 characters.
    const result = transform(templates.accounts, [{ ...account, address1_line1: 'x'.repeat(300) }], context());
    expect(result.errors).toEqual([]);
    expect(result.rows[0].fields.AddressStreet).toHaveLength(250);
    expect(result.warnings).toEqual([
      expect.objectContaining({
        field: 'address1_line1',
        code: 'value-truncated',
        message: expect.stringContaining('311 to 250'),
      }),
    ]);
  });

  it('truncates before a character the limit would cut in half, never leaving half a surrogate pair', () => {
    const task = projectTask('accounts', { accounts: { fieldMap: [{ target: 'SalesMemo', maxLength: 60 }] } });
    const description = `${'a'.repeat(59)}😀tail`;
    const result = transform(task, [{ ...account, description }], context());
    expect(result.errors).toEqual([]);
    expect(result.rows[0].fields.SalesMemo).toBe('a'.repeat(59));
    expect(result.warnings).toEqual([
      expect.objectContaining({ field: 'description', message: expect.stringContaining('65 to 59 characters') }),
    ]);
    const fits = transform(task, [{ ...account, description: `${'a'.repeat(58)}😀tail` }], context());
    expect(fits.rows[0].fields.SalesMemo).toBe(`${'a'.repeat(58)}😀`);
  });
});

describe('missing customer', () => {
  it('fails a quote without a customer', () => {
    const error = onlyError(templates.quoteHeaders, { ...quote, _customerid_value: null, customerid_account: null });
    expect(error).toMatchObject({ sourceKey: 'QUO-01001-AB12CD', field: 'customerid', code: 'missing-customer' });
  });

  it('fails a quote whose customer has no account number yet', () => {
    const error = onlyError(templates.quoteHeaders, { ...quote, customerid_account: { accountnumber: null } });
    expect(error).toMatchObject({ field: 'customerid', code: 'customer-not-synced' });
  });

  it('fails a quote whose customer F&O does not know yet', () => {
    const error = onlyError(templates.quoteHeaders, {
      ...quote,
      customerid_account: { accountnumber: 'ACC-09999-NEWONE' },
    });
    expect(error).toMatchObject({ field: 'customerid', code: 'customer-not-synced' });
    expect(error.message).toContain('"ACC-09999-NEWONE" not found in CustomersV2(CustomerAccount) in company usmf');
  });

  it('fails an F&O order whose customer is neither an account nor a contact in Sales', () => {
    const order = { ...fnoOrderFor('USD'), OrderingCustomerAccountNumber: 'US-027' };
    const error = onlyError(templates.salesOrdersFromFno, order);
    expect(error).toMatchObject({ field: 'OrderingCustomerAccountNumber', code: 'missing-customer' });
    expect(error.message).toContain('accounts(accountnumber) or contacts(msdynce_contactnumber)');
  });

  it('fails a contact person whose company is not an account', () => {
    const error = onlyError(templates.contactPersons, {
      ...contact,
      msdynce_isactivecustomer: false,
      parentcustomerid_account: null,
    });
    expect(error).toMatchObject({ field: 'parentcustomerid', code: 'missing-parent-account' });
  });
});

describe('other unusable rows', () => {
  it('fails an account without an account number, naming it by its id', () => {
    expect(onlyError(templates.accounts, { ...account, accountnumber: null })).toMatchObject({
      sourceKey: '6f1c2a10-0000-0000-0000-000000000001',
      field: 'accountnumber',
      code: 'missing-business-key',
    });
  });

  it('fails an order from F&O in a currency Sales does not have', () => {
    const error = onlyError(templates.salesOrdersFromFno, fnoOrderFor('USD'), contextWithout('transactioncurrencies'));
    expect(error).toMatchObject({ field: 'CurrencyCode', code: 'missing-currency' });
  });

  it('fails a line whose quantity is not a number', () => {
    expect(onlyError(templates.quoteLines, { ...quoteLine, quantity: 'three' })).toMatchObject({
      field: 'quantity',
      code: 'invalid-value',
    });
  });

  it('fails a product of an unknown product type', () => {
    expect(onlyError(templates.products, { ...product, ProductType: 'Kit' })).toMatchObject({
      field: 'ProductType',
      code: 'unmapped-value',
    });
  });

  it('keeps mapping the rest of the page around bad rows', () => {
    const rows = [account, { ...account, accountnumber: 'ACC-2', name: '' }, { ...account, accountnumber: 'ACC-3' }];
    const result = transform(templates.accounts, rows, context());
    expect(result.rows.map((row) => row.sourceKey)).toEqual(['ACC-01000-BVRCPS', 'ACC-3']);
    expect(result.errors).toEqual([
      expect.objectContaining({ sourceKey: 'ACC-2', field: 'name', code: 'missing-value' }),
    ]);
  });
});

describe('non-unique business keys', () => {
  const accountId = (n: number) => `6f1c2a10-0000-0000-0000-00000000010${n}`;
  const duplicates = [
    { ...account, accountid: accountId(1), accountnumber: 'ACC-DUP-1', name: 'First' },
    { ...account, accountid: accountId(2), accountnumber: 'ACC-DUP-1', name: 'Second' },
    { ...account, accountid: accountId(3), accountnumber: 'acc-dup-1', name: 'Third' },
  ];

  it('writes the first of several accounts with one account number and fails the others, naming the first', () => {
    const result = transform(templates.accounts, duplicates, context());
    expect(result.rows.map((row) => [row.key, row.fields.OrganizationName])).toEqual([
      [{ dataAreaId: 'usmf', CustomerAccount: 'ACC-DUP-1' }, 'First'],
    ]);
    const first = `ACC-DUP-1 (accountid ${accountId(1)})`;
    expect(result.errors).toEqual([
      {
        task: 'accounts',
        sourceKey: 'ACC-DUP-1',
        field: 'accountnumber',
        code: 'duplicate-business-key',
        message:
          `Accounts - Customers (Sales to F&O) ACC-DUP-1, accountnumber: duplicate business key: this row, ` +
          `ACC-DUP-1 (accountid ${accountId(2)}), has the same CustomersV2 key (CustomerAccount "ACC-DUP-1") as ` +
          `${first}, read before it. Only ${first} is written; make accountnumber unique in Sales`,
      },
      expect.objectContaining({
        sourceKey: 'acc-dup-1',
        field: 'accountnumber',
        code: 'duplicate-business-key',
        message: expect.stringContaining(
          `(CustomerAccount "acc-dup-1") as ${first}, read before it (F&O compares keys ignoring case).`,
        ),
      }),
    ]);
  });

  it('keeps a key taken by a row that failed, so no other record is written in its place', () => {
    const [first, second] = duplicates;
    const result = transform(templates.accounts, [{ ...first, address1_country: 'Atlantis' }, second], context());
    expect(result.rows).toEqual([]);
    expect(result.errors.map((error) => error.code)).toEqual(['unmapped-country', 'duplicate-business-key']);
    expect(result.errors[1].message).toContain('Neither row is written');
  });

  it('fails a second quote line with the same line number, and a product repeated in another case', () => {
    const lines = transform(
      templates.quoteLines,
      [quoteLine, { ...quoteLine, quotedetailid: 'qd2', quantity: 5 }],
      context(),
    );
    expect(lines.rows).toHaveLength(1);
    expect(lines.rows[0].fields.RequestedSalesQuantity).toBe(3);
    expect(lines.errors).toEqual([
      expect.objectContaining({
        sourceKey: 'QUO-01001-AB12CD/3',
        field: 'sequencenumber',
        code: 'duplicate-business-key',
      }),
    ]);
    // From F&O (no primary id), a key differing only in case is another record; its price-list entry is withheld.
    const products = transform(templates.products, [product, { ...product, ProductNumber: 'd0001' }], context());
    expect(products.rows.map((row) => row.sourceKey)).toEqual(['D0001', 'D0001/price-list']);
    expect(products.errors).toEqual([expect.objectContaining({ sourceKey: 'd0001', code: 'duplicate-business-key' })]);
  });

  it('takes a record read twice in one page (a query paged while it changed) as one row: its later copy', () => {
    const lines = transform(templates.quoteLines, [quoteLine, { ...quoteLine, quantity: 4 }], context());
    expect(lines.errors).toEqual([]);
    expect(lines.rows.map((row) => row.fields.RequestedSalesQuantity)).toEqual([4]);
    // The earlier copy's failure goes with it too.
    const fixed = transform(templates.quoteLines, [{ ...quoteLine, quantity: 'three' }, quoteLine], context());
    expect({ errors: fixed.errors, rows: fixed.rows.length }).toEqual({ errors: [], rows: 1 });
    // From F&O, the same record is the same key exactly.
    const orderLine = {
      dataAreaId: 'usmf',
      SalesOrderNumber: 'SO-000123',
      LineCreationSequenceNumber: 1,
      ProductNumber: 'D0001',
      SalesUnitSymbol: 'ea',
      OrderedSalesQuantity: 1,
      OrderingCustomerIsExternallyMaintained: 'Yes',
      InvoiceCustomerIsExternallyMaintained: 'Yes',
      SalesOrderProcessingStatus: 'Confirmed',
    };
    const orderLines = transform(
      templates.salesOrderLinesFromFno,
      [orderLine, { ...orderLine, OrderedSalesQuantity: 2 }],
      context(),
    );
    expect(orderLines.errors).toEqual([]);
    expect(orderLines.rows.map((row) => row.fields.quantity)).toEqual([2]);
    const productCopies = transform(templates.products, [product, { ...product, SalesPrice: 1 }], context());
    expect(productCopies.rows.map((row) => [row.sourceKey, row.fields.price ?? row.fields.amount])).toEqual([
      ['D0001', 1],
      ['D0001/price-list', 1],
    ]);
  });
});
