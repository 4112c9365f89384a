/** Engine pieces: lookups to pre-fetch, keys, hashes, the discount rule, filters and determinism. */
import {
  andFilters,
  baseSourceKey,
  createLookupIndex,
  lineDiscountFromPerUnit,
  matchesFilter,
  parseFilter,
  perUnitDiscount,
  requiredLookups,
  roundAmount,
  rowHash,
  sourceKeyOf,
  sourceQuery,
  taskDefinitionSchema,
  templates,
  transform,
} from '../../../mappings';
import { relatedLookupKey } from '../../../mappings/lookup-index';
import { account, context, PARTITION, product, quote, quoteLine } from './fixtures';

describe('discount rule (§7.2)', () => {
  it('splits a line discount into a per-unit discount and a rounding charge', () => {
    expect(perUnitDiscount(10, 3, 2)).toEqual({ perUnit: 3.33, roundingCharge: -0.01 });
    expect(perUnitDiscount(20, 3, 2)).toEqual({ perUnit: 6.67, roundingCharge: 0.01 });
    expect(perUnitDiscount(9, 3, 2)).toEqual({ perUnit: 3, roundingCharge: 0 });
    expect(perUnitDiscount(0, 0, 2)).toEqual({ perUnit: 0, roundingCharge: 0 });
    expect(() => perUnitDiscount(5, 0, 2)).toThrow(RangeError);
  });

  it('with the unit price, F&O line amount plus charge equals the Sales extended amount to the cent', () => {
    // Decimal arithmetic as both systems do it: clear binary noise, then round half away from zero.
    const money = (value: number) => roundAmount(roundAmount(value, 9), 2);
    const cents = (value: number) => Math.round(money(value) * 100);
    let differsWithoutPrice = 0;
    for (let i = 1; i <= 400; i++) {
      const quantity = (i % 37) + (i % 4) * 0.25 + 0.5;
      const price = 3.07 * ((i * 7) % 53) + 0.99;
      const discount = Math.round(quantity * price * ((i % 13) + 2)) / 100;
      const salesExtended = cents(money(quantity * price) - discount);
      const fnoTotal = (split: { perUnit: number; roundingCharge: number }) =>
        cents(quantity * price - quantity * split.perUnit) + cents(split.roundingCharge);
      expect({ i, total: fnoTotal(perUnitDiscount(discount, quantity, 2, price)) }).toEqual({
        i,
        total: salesExtended,
      });
      if (fnoTotal(perUnitDiscount(discount, quantity, 2)) !== salesExtended) differsWithoutPrice++;
    }
    // The quantity-only split is a cent off on some of these lines: the case the price exists for.
    expect(differsWithoutPrice).toBeGreaterThan(0);
    // 13.19 × 69.5 is 916.705 in decimals (916.7049999… in binary): Sales rounds it to 916.71, less 91.67 is
    // 825.04; F&O nets 825.0345 → 825.03, so the charge carries the cent.
    expect(perUnitDiscount(91.67, 13.19, 2, 69.5)).toEqual({ perUnit: 6.95, roundingCharge: 0.01 });
  });

  it('rebuilds the line discount from per-unit discount and rounding charge', () => {
    expect(lineDiscountFromPerUnit(3.33, 3, -0.01, 2)).toBe(10);
    for (const [discount, quantity] of [
      [10, 3],
      [50, 7],
      [0.05, 6],
      [1234.56, 11],
    ]) {
      const { perUnit, roundingCharge } = perUnitDiscount(discount, quantity, 2);
      expect(lineDiscountFromPerUnit(perUnit, quantity, roundingCharge, 2)).toBe(discount);
    }
  });

  it('does not fold a real line charge (freight) into the Sales discount', () => {
    const line = {
      dataAreaId: 'usmf',
      SalesOrderNumber: 'SO-000123',
      LineCreationSequenceNumber: 1,
      ProductNumber: 'D0001',
      SalesUnitSymbol: 'ea',
      OrderedSalesQuantity: 3,
      LineDiscountAmount: 3.33,
      FixedPriceCharges: 25,
      OrderingCustomerIsExternallyMaintained: 'Yes',
      InvoiceCustomerIsExternallyMaintained: 'Yes',
      SalesOrderProcessingStatus: 'Confirmed',
    };
    const { rows } = transform(templates.salesOrderLinesFromFno, [line], context());
    expect(rows[0].fields.manualdiscountamount).toBe(9.99);
  });
});

describe('requiredLookups', () => {
  it('lists the distinct values to pre-fetch per entity set and key field, sorted', () => {
    const rows = [
      quote,
      {
        ...quote,
        quotenumber: 'Q-2',
        customerid_account: null,
        customerid_contact: { msdynce_contactnumber: 'CON-9' },
      },
      { ...quote, quotenumber: 'Q-3', statecode: 0, customerid_account: { accountnumber: 'ACC-DRAFT' } },
    ];
    expect(requiredLookups(templates.quoteHeaders, rows, PARTITION)).toEqual([
      { entitySet: 'CustomersV2', keyField: 'CustomerAccount', values: ['ACC-01000-BVRCPS', 'CON-9'] },
    ]);
  });

  it('asks for the account-else-contact candidates, the currency, the price list and the business unit', () => {
    const order = {
      dataAreaId: 'usmf',
      SalesOrderNumber: 'SO-1',
      OrderingCustomerAccountNumber: 'C-7',
      OrderingCustomerIsExternallyMaintained: 'Yes',
      InvoiceCustomerIsExternallyMaintained: 'Yes',
      SalesOrderProcessingStatus: 'Confirmed',
      AreTotalsUpdated: 'Yes',
      CurrencyCode: 'USD',
    };
    expect(requiredLookups(templates.salesOrdersFromFno, [order], PARTITION)).toEqual([
      { entitySet: 'accounts', keyField: 'accountnumber', values: ['C-7'] },
      { entitySet: 'businessunits', keyField: 'name', values: ['USMF'] },
      { entitySet: 'contacts', keyField: 'msdynce_contactnumber', values: ['C-7'] },
      { entitySet: 'pricelevels', keyField: 'name', values: ['CRM Service USA (sample)'] },
      { entitySet: 'transactioncurrencies', keyField: 'isocurrencycode', values: ['USD'] },
    ]);
  });

  it('asks for price lists by currency for products, and for shared F&O units without a company', () => {
    const products = requiredLookups(templates.products, [product], PARTITION);
    expect(products).toContainEqual({
      entitySet: 'pricelevels',
      keyField: 'transactioncurrencyid.isocurrencycode',
      values: ['USD'],
      returnField: 'name',
      filter: 'statecode eq 0',
    });
    expect(requiredLookups(templates.quoteLines, [quoteLine], PARTITION)).toContainEqual({
      entitySet: 'UnitsOfMeasure',
      keyField: 'UnitSymbol',
      values: ['ea'],
      companySpecific: false,
    });
  });
});

describe('createLookupIndex', () => {
  it('answers case-insensitively, from entry lists and from the plain-JSON record form', () => {
    const index = createLookupIndex({
      accounts: { accountnumber: ['ACC-1'] },
      pricelevels: { [relatedLookupKey('transactioncurrencyid.isocurrencycode', 'USD')]: ['Zeta', 'alpha', 'Beta'] },
    });
    expect(index.has('accounts', 'accountnumber', 'acc-1')).toBe(true);
    expect(index.has('accounts', 'accountnumber', 'ACC-2')).toBe(false);
    expect(index.has('contacts', 'accountnumber', 'ACC-1')).toBe(false);
    expect(index.first('pricelevels', 'transactioncurrencyid.isocurrencycode', 'usd', 'name')).toBe('alpha');
    expect(index.first('pricelevels', 'transactioncurrencyid.isocurrencycode', 'EUR', 'name')).toBeUndefined();
  });

  it('maps products with price lists fetched in the record form', () => {
    const lookups = createLookupIndex({
      uoms: { name: ['ea'] },
      uomschedules: { name: ['Default unit'] },
      transactioncurrencies: { isocurrencycode: ['USD'] },
      pricelevels: { [relatedLookupKey('transactioncurrencyid.isocurrencycode', 'USD')]: ['Standard USD'] },
    });
    const { rows, errors } = transform(templates.products, [product], { partition: PARTITION, lookups });
    expect(errors).toEqual([]);
    expect(rows[1].key).toMatchObject({ 'pricelevelid.name': 'Standard USD' });
  });
});

describe('keys and hashes', () => {
  it('builds display keys from the source business key', () => {
    expect(sourceKeyOf(templates.accounts, account)).toBe('ACC-01000-BVRCPS');
    expect(sourceKeyOf(templates.quoteLines, quoteLine)).toBe('QUO-01001-AB12CD/3');
    expect(sourceKeyOf(templates.invoiceLines, { InvoiceNumber: 'CIV-1', LineCreationSequenceNumber: 2 })).toBe(
      'CIV-1/2',
    );
    expect(sourceKeyOf(templates.quoteLines, { ...quoteLine, quoteid: null })).toBe('?/3');
  });

  it('hashes row content independent of key order, and changes with any value', () => {
    const [row] = transform(templates.accounts, [account], context()).rows;
    const reordered = { ...row, fields: Object.fromEntries(Object.entries(row.fields).reverse()) };
    expect(rowHash(reordered)).toBe(rowHash(row));
    expect(rowHash(row)).toMatch(/^[0-9a-f]{16}$/);
    expect(rowHash({ ...row, fields: { ...row.fields, CreditLimit: 25001 } })).not.toBe(rowHash(row));
    expect(rowHash({ ...row, sourceKey: 'other' })).toBe(rowHash(row));
    expect(rowHash({ ...row, key: { ...row.key, dataAreaId: 'usrt' } })).not.toBe(rowHash(row));
  });
});

describe('determinism', () => {
  it('gives equal output for equal input and leaves the input untouched', () => {
    const input = [structuredClone(quoteLine), structuredClone({ ...quoteLine, sequencenumber: 4 })];
    const before = structuredClone(input);
    const first = transform(templates.quoteLines, input, context());
    const second = transform(templates.quoteLines, input, context());
    expect(second).toEqual(first);
    expect(input).toEqual(before);
  });

  it('applies run-time value-map overrides from the context', () => {
    const ctx = { ...context([{ entitySet: 'uoms', keyField: 'name', values: ['Each'] }]) };
    const withMap = { ...ctx, valueMaps: { salesUnits: [{ from: 'ea', to: 'Each' }] } };
    expect(transform(templates.products, [product], withMap).rows[0].lookups?.defaultuomid?.key).toEqual({
      name: 'Each',
    });
    expect(transform(templates.products, [product], ctx).rows[0].lookups?.defaultuomid?.key).toEqual({ name: 'ea' });
  });
});

describe('OData filters', () => {
  const row = {
    statecode: 1,
    name: "O'Brien Ltd",
    flag: true,
    nothing: null,
    when: '2026-01-05T10:00:00Z',
    quoteid: { statecode: 1 },
    Enum: 'Yes',
    _ownerid_value: '3f2a9c1e-0b7d-4e55-9a1c-2b6f8d0e4a17',
  };

  it.each([
    ['statecode eq 1 and flag eq true', true],
    ["name eq 'o''brien ltd'", true],
    ['not (statecode eq 1) or nothing ne null', false],
    ['nothing eq null and missing eq null', true],
    ['quoteid/statecode ge 1', true],
    ["when gt 2026-01-01T00:00:00Z and when lt '2026-02-01'", true],
    ["contains(name, 'brien') and startswith(name, 'o') and endswith(tolower(name), 'ltd')", true],
    ["Enum eq Microsoft.Dynamics.DataEntities.NoYes'Yes'", true],
    ["Enum ne Microsoft.Dynamics.DataEntities.NoYes'Yes'", false],
    ['_ownerid_value eq 3F2A9C1E-0B7D-4E55-9A1C-2B6F8D0E4A17', true],
    ['_ownerid_value ne 3f2a9c1e-0b7d-4e55-9a1c-2b6f8d0e4a18 and statecode eq 1', true],
    ['(_ownerid_value eq 00000000-0000-0000-0000-000000000000)', false],
  ])('%s → %s', (filter, expected) => {
    expect(matchesFilter(parseFilter(filter), row)).toBe(expected);
  });

  it('matches F&O wildcards in eq only when asked (F&O sources)', () => {
    expect(matchesFilter(parseFilter("name eq '*brien*'"), row, true)).toBe(true);
    expect(matchesFilter(parseFilter("name eq '*brien*'"), row, false)).toBe(false);
  });

  it.each([
    ["name eq 'open", /unterminated string literal at position 8/],
    ['statecode eq', /unexpected end of filter/],
    ['statecode in (1,2)', /operator "in" is not supported/],
    ['substringof(name, 1)', /function "substringof" is not supported/],
    ['(statecode eq 1', /expected "\)"/],
    ['_ownerid_value eq 3f2a9c1e-0b7d-4e55-9a1c', /unexpected character "3" at position 18/],
  ])('rejects %s', (filter, message) => {
    expect(() => parseFilter(filter)).toThrow(message);
  });

  it('builds the query a connector sends, with the partition filter', () => {
    expect(sourceQuery(templates.salesOrdersFromFno, PARTITION).filter).toMatch(
      /^\(Ordering.*\) and \(dataAreaId eq 'usmf'\)$/,
    );
    expect(sourceQuery(templates.quoteHeaders, PARTITION)).toMatchObject({
      expand:
        'customerid_account($select=accountnumber),customerid_contact($select=msdynce_contactnumber),owningbusinessunit($select=name),transactioncurrencyid($select=isocurrencycode)',
      filter: "(statecode eq 1) and (owningbusinessunit/name eq 'USMF')",
      orderBy: 'modifiedon asc',
    });
    // A business unit named with a quote is a valid literal.
    expect(sourceQuery(templates.accounts, { dataAreaId: 'demf', businessUnit: "O'Neil DE" }).filter).toBe(
      "owningbusinessunit/name eq 'O''Neil DE'",
    );
    expect(andFilters(undefined, '')).toBeUndefined();
  });
});

describe('task definition validation', () => {
  const valid = () => structuredClone(templates.accounts) as Record<string, any>;

  it('accepts every template', () => {
    for (const task of Object.values(templates)) expect(taskDefinitionSchema.safeParse(task).success).toBe(true);
  });

  it('rejects a Dataverse source path that is not selected, duplicate targets and a key outside the map', () => {
    const notSelected = valid();
    notSelected.fieldMap.push({ target: 'NameAlias', source: 'tickersymbol' });
    expect(taskDefinitionSchema.safeParse(notSelected).error?.issues[0].message).toBe(
      '"tickersymbol" is read by the task but not selected',
    );
    const duplicate = valid();
    duplicate.fieldMap.push({ target: 'SiteId', steps: [{ type: 'constant', value: '2' }] });
    expect(taskDefinitionSchema.safeParse(duplicate).error?.issues[0].message).toBe('duplicate target "SiteId"');
    const badKey = valid();
    badKey.target.keyFields = ['dataAreaId', 'AccountNum'];
    expect(taskDefinitionSchema.safeParse(badKey).error?.issues[0].message).toBe(
      'key field "AccountNum" must be a plain column of the field map',
    );
  });
});

describe('price-list entry rows', () => {
  it('come after all product rows, each with its own source key', () => {
    const rows = [product, { ...product, ProductNumber: 'S0002', SalesUnitSymbol: 'h' }];
    const result = transform(templates.products, rows, context());
    expect(result.rows.map((row) => `${row.entitySet}:${row.sourceKey}`)).toEqual([
      'products:D0001',
      'products:S0002',
      'productpricelevels:D0001/price-list',
      'productpricelevels:S0002/price-list',
    ]);
    expect(result.rows.map((row) => baseSourceKey(row.sourceKey))).toEqual(['D0001', 'S0002', 'D0001', 'S0002']);
  });

  it('use the price list the project maps to pricelevelid', () => {
    const task = taskDefinitionSchema.parse({
      ...templates.products,
      fieldMap: [
        ...templates.products.fieldMap,
        {
          target: 'pricelevelid',
          steps: [{ type: 'default', value: 'Standard USD' }],
          lookup: {
            candidates: [{ entitySet: 'pricelevels', keyField: 'name' }],
            code: 'missing-price-list',
            hint: 'x',
          },
        },
      ],
    });
    const result = transform(task, [product], context());
    expect(result.rows[1].key['pricelevelid.name']).toBe('Standard USD');
  });
});
