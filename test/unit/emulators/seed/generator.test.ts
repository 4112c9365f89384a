import { createHash } from 'node:crypto';
import { PROCESSING_STATUS } from '../../../../mappings/value-maps';
import { ENTITIES_BY_SET, navigationsOf } from '../../../../emulators/dataverse/metadata';
import { FIELD_TYPES } from '../../../../emulators/fno/catalog';
import { ENTITIES as FNO_ENTITIES } from '../../../../emulators/fno/entities';
import {
  BAD_ROW_KINDS,
  generateSeed,
  type BadRowKind,
  type GeneratedSeed,
  type SeedBadRow,
  type SeedRow,
} from '../../../../emulators/seed';
import { FNO_ORGANIZATION_NAME_MAX } from '../../../../emulators/seed/parties';
import { bindOf, bindsOf, duplicatesOf, indexById, primaryIdOf } from './support';

const BIND_SUFFIX = '@odata.bind';
const hashOf = (seed: GeneratedSeed) => createHash('sha256').update(JSON.stringify(seed)).digest('hex');

describe('generateSeed determinism', () => {
  it('gives byte-identical output for the same options and different output for another seed', () => {
    const options = { accounts: 150, quotes: 20, orders: 10, badRowShare: 0.1 };
    const first = hashOf(generateSeed(options));
    expect(hashOf(generateSeed({ ...options }))).toBe(first);
    expect(hashOf(generateSeed({ ...options, seed: 2 }))).not.toBe(first);
  });

  it('keeps the accounts unchanged when only the number of contacts changes', () => {
    const few = generateSeed({ accounts: 50, contacts: 10 });
    const many = generateSeed({ accounts: 50, contacts: 200 });
    expect(many.dataverse.accounts).toEqual(few.dataverse.accounts);
    expect(many.dataverse.contacts).toHaveLength(200);
  });
});

describe('generateSeed options', () => {
  it('applies the documented defaults', () => {
    const { expected } = generateSeed({ accounts: 40 });
    expect(expected.options).toEqual({
      seed: 1,
      accounts: 40,
      contacts: 60,
      products: 20,
      quotes: 4,
      orders: 2,
      badRowShare: 0.02,
      companies: [{ dataAreaId: 'usmf', businessUnit: 'USMF', currency: 'USD' }],
    });
    expect(generateSeed({ accounts: 1000, quotes: 0, orders: 0 }).expected.options.products).toBe(100);
  });

  it.each([
    [{ accounts: -1 }, /accounts/],
    [{ accounts: 1.5 }, /accounts/],
    [{ accounts: 10, badRowShare: 0.9 }, /badRowShare/],
    [{ accounts: 10, companies: [{ dataAreaId: 'USMF', businessUnit: 'US', currency: 'USD' }] }, /dataAreaId/],
    [{ accounts: 10, companies: [{ dataAreaId: 'usmf', businessUnit: 'US', currency: 'usd' }] }, /currency/],
    [
      {
        accounts: 10,
        companies: [
          { dataAreaId: 'usmf', businessUnit: 'US', currency: 'USD' },
          { dataAreaId: 'usmf', businessUnit: 'DE', currency: 'EUR' },
        ],
      },
      /unique/,
    ],
  ])('rejects %j naming the bad option', (options, message) => {
    expect(() => generateSeed(options)).toThrow(message);
  });

  it('refuses quotes when there is nobody to quote', () => {
    expect(() => generateSeed({ accounts: 0, contacts: 0, quotes: 3 })).toThrow(/quotes need customers/);
  });

  it('refuses when every spare currency is taken by a company, since one must lack a price list', () => {
    const companies = [
      { dataAreaId: 'chmf', businessUnit: 'CH', currency: 'CHF' },
      { dataAreaId: 'dkmf', businessUnit: 'DK', currency: 'DKK' },
    ];
    expect(() => generateSeed({ accounts: 5, companies })).toThrow(/without a price list/);
  });
});

describe('generateSeed content', () => {
  const companies = [
    { dataAreaId: 'usmf', businessUnit: 'USMF', currency: 'USD' },
    { dataAreaId: 'demf', businessUnit: 'DEMF', currency: 'EUR' },
  ];
  let seed: GeneratedSeed;
  let ids: ReturnType<typeof indexById>;
  let badByKind: Map<BadRowKind, SeedBadRow[]>;
  const badKeys = (kind: BadRowKind) => new Set((badByKind.get(kind) ?? []).map((bad) => bad.key));

  beforeAll(() => {
    seed = generateSeed({ accounts: 800, products: 120, quotes: 160, orders: 60, badRowShare: 0.1, companies });
    ids = indexById(seed.dataverse);
    badByKind = new Map();
    for (const bad of seed.expected.badRows) badByKind.set(bad.kind, [...(badByKind.get(bad.kind) ?? []), bad]);
  });

  it('produces the requested volumes and reports them in the manifest', () => {
    const { dataverse, fno, expected } = seed;
    expect(dataverse.accounts).toHaveLength(800);
    expect(dataverse.contacts).toHaveLength(1200);
    expect(fno.SellableReleasedProducts).toHaveLength(120);
    expect(dataverse.quotes).toHaveLength(160);
    expect(dataverse.salesorders).toHaveLength(60);
    for (const [set, rows] of Object.entries(dataverse)) expect(expected.counts.dataverse[set]).toBe(rows.length);
    for (const [set, rows] of Object.entries(fno)) expect(expected.counts.fno[set]).toBe(rows.length);
    expect(fno.LegalEntities.map((row) => row.LegalEntityId)).toEqual(['usmf', 'demf']);
    expect(dataverse.businessunits.map((row) => row.name)).toEqual(['USMF', 'DEMF']);
    expect(fno.CustomerGroups.filter((row) => row.CustomerGroupId === '10')).toHaveLength(2);
    expect(Object.keys(fno)).not.toContain('CustomersV2');
  });

  it('gives every quote and order 1–20 lines numbered from 1', () => {
    for (const [headerSet, lineSet, parent] of [
      ['quotes', 'quotedetails', 'quoteid'],
      ['salesorders', 'salesorderdetails', 'salesorderid'],
    ] as const) {
      const lines = new Map<string, number[]>();
      for (const line of seed.dataverse[lineSet]) {
        const header = bindOf(line, parent)!.id;
        lines.set(header, [...(lines.get(header) ?? []), Number(line.sequencenumber)]);
      }
      for (const header of seed.dataverse[headerSet]) {
        const sequence = lines.get(String(header[primaryIdOf(headerSet)])) ?? [];
        expect(sequence.length).toBeGreaterThanOrEqual(1);
        expect(sequence.length).toBeLessThanOrEqual(20);
        expect(sequence).toEqual(sequence.map((_, i) => i + 1));
      }
    }
  });

  it('matches the subset counts of the P2C task filters', () => {
    const { dataverse, expected } = seed;
    const quoteIsActive = new Map(
      dataverse.quotes.map((q) => [q.quoteid, q.statecode === 1 && q.msdynce_hasexternallymaintainedproductsonly]),
    );
    const activeQuoteLines = dataverse.quotedetails.filter((l) => quoteIsActive.get(bindOf(l, 'quoteid')!.id));
    expect(expected.subsets).toEqual({
      accountsWithNumber: dataverse.accounts.filter((a) => a.accountnumber !== null).length,
      contactPersons: dataverse.contacts.filter((c) => !c.msdynce_isactivecustomer && c.msdynce_iscompanyanaccount)
        .length,
      contactCustomers: dataverse.contacts.filter((c) => c.msdynce_isactivecustomer).length,
      sellableProducts: 120,
      activeQuotes: [...quoteIsActive.values()].filter(Boolean).length,
      activeQuoteLines: activeQuoteLines.length,
      activatedOrders: dataverse.salesorders.filter(
        (o) => o.msdynce_processingstatus === PROCESSING_STATUS.active && o.msdynce_hasexternallymaintainedproductsonly,
      ).length,
      activatedOrderLines: dataverse.salesorderdetails.filter((l) => l.msdynce_orderissubmitted).length,
    });
    expect(expected.subsets.activeQuotes).toBeGreaterThan(0);
    expect(expected.subsets.activatedOrders).toBeGreaterThan(0);
  });

  it('uses only columns and navigation properties the Dataverse emulator declares, within their lengths', () => {
    const problems: string[] = [];
    for (const [entitySet, rows] of Object.entries(seed.dataverse)) {
      const entity = ENTITIES_BY_SET.get(entitySet);
      if (!entity) {
        problems.push(`${entitySet}: unknown entity set`);
        continue;
      }
      const navigations = navigationsOf(entity);
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          if (column.endsWith(BIND_SUFFIX)) {
            const navigation = column.slice(0, -BIND_SUFFIX.length);
            if (!navigations.has(navigation)) problems.push(`${entitySet}.${navigation}: no such navigation`);
            continue;
          }
          const definition = entity.columns[column];
          if (!definition || definition.readOnly) problems.push(`${entitySet}.${column}: not a writable column`);
          else if (
            typeof value === 'string' &&
            definition.maxLength !== undefined &&
            value.length > definition.maxLength
          ) {
            problems.push(`${entitySet}.${column}: '${value}' exceeds ${definition.maxLength}`);
          }
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('uses only fields the F&O emulator declares, within their lengths', () => {
    const problems: string[] = [];
    for (const [entitySet, rows] of Object.entries(seed.fno)) {
      const entity = FNO_ENTITIES.find((e) => e.set === entitySet);
      if (!entity) {
        problems.push(`${entitySet}: unknown entity set`);
        continue;
      }
      for (const row of rows) {
        for (const [field, value] of Object.entries(row)) {
          const type = FIELD_TYPES[field];
          if (!entity.fields.includes(field)) problems.push(`${entitySet}.${field}: not a field`);
          else if (typeof value === 'string' && type?.kind === 'string' && type.maxLength !== undefined) {
            if (value.length > type.maxLength)
              problems.push(`${entitySet}.${field}: '${value}' exceeds ${type.maxLength}`);
          }
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('points every lookup at a seeded row', () => {
    const dangling: string[] = [];
    let checked = 0;
    for (const [entitySet, rows] of Object.entries(seed.dataverse)) {
      for (const row of rows) {
        for (const bind of bindsOf(row)) {
          checked++;
          if (!ids.get(bind.entitySet)?.has(bind.id)) dangling.push(`${entitySet}.${bind.column} → ${bind.id}`);
        }
      }
    }
    expect(dangling).toEqual([]);
    expect(checked).toBeGreaterThan(seed.dataverse.accounts.length);
  });

  it('keeps business keys and ids unique', () => {
    const { dataverse, fno } = seed;
    const allIds = Object.entries(dataverse).flatMap(([set, rows]) => rows.map((row) => row[primaryIdOf(set)]));
    expect(duplicatesOf(allIds)).toEqual([]);
    expect(duplicatesOf(dataverse.accounts.map((a) => a.accountnumber).filter((n) => n !== null))).toEqual([]);
    expect(duplicatesOf(dataverse.contacts.map((c) => c.msdynce_contactnumber))).toEqual([]);
    expect(duplicatesOf(dataverse.products.map((p) => p.productnumber))).toEqual([]);
    expect(duplicatesOf(dataverse.quotes.map((q) => q.quotenumber))).toEqual([]);
    expect(duplicatesOf(dataverse.salesorders.map((o) => o.ordernumber))).toEqual([]);
    expect(duplicatesOf(dataverse.uoms.map((u) => String(u.name).toLowerCase()))).toEqual([]);
    expect(duplicatesOf(dataverse.pricelevels.map((p) => String(p.name).toLowerCase()))).toEqual([]);
    expect(
      duplicatesOf(
        dataverse.salesorderdetails.map((l) => `${String(l.msdynce_ordernumber)}/${Number(l.sequencenumber)}`),
      ),
    ).toEqual([]);
    expect(
      duplicatesOf(fno.SellableReleasedProducts.map((p) => `${String(p.dataAreaId)}/${String(p.ProductNumber)}`)),
    ).toEqual([]);
    for (const account of dataverse.accounts.filter((a) => a.accountnumber !== null)) {
      expect(account.accountnumber).toMatch(/^ACC-\d{5,}-[A-Z]{6}$/);
    }
    for (const contact of dataverse.contacts) expect(contact.msdynce_contactnumber).toMatch(/^CON-\d{5,}-[A-Z]{6}$/);
  });

  it('keeps the sync-level references sound except where a bad row is recorded', () => {
    const { dataverse, fno } = seed;
    const fnoProducts = new Set(
      fno.SellableReleasedProducts.map((p) => `${String(p.dataAreaId)}/${String(p.ProductNumber)}`),
    );
    const fnoUnits = new Set(fno.UnitsOfMeasure.map((u) => u.UnitSymbol));
    const salesUnits = new Set(dataverse.uoms.map((u) => u.name));
    const companyOfUnit = new Map(dataverse.businessunits.map((bu, i) => [bu.businessunitid, companies[i].dataAreaId]));
    const products = ids.get('products')!;
    const uoms = ids.get('uoms')!;
    const syncedAccount = (row: SeedRow | undefined) =>
      row !== undefined && row.accountnumber !== null && String(row.name).length <= FNO_ORGANIZATION_NAME_MAX;

    for (const contact of dataverse.contacts.filter((c) => c.msdynce_iscompanyanaccount)) {
      const parent = ids.get('accounts')!.get(bindOf(contact, 'parentcustomerid_account')!.id);
      if (!syncedAccount(parent)) expect(badKeys('contact-parent-missing')).toContain(contact.msdynce_contactnumber);
    }

    const linesByQuote = new Map<string, SeedRow[]>();
    for (const line of dataverse.quotedetails) {
      const quote = bindOf(line, 'quoteid')!.id;
      linesByQuote.set(quote, [...(linesByQuote.get(quote) ?? []), line]);
    }
    for (const quote of dataverse.quotes) {
      const company = companyOfUnit.get(bindOf(quote, 'owningbusinessunit')!.id);
      const customer = bindOf(quote, 'customerid_account') ?? bindOf(quote, 'customerid_contact')!;
      const customerRow = ids.get(customer.entitySet)!.get(customer.id)!;
      const customerSynced =
        customer.entitySet === 'accounts' ? syncedAccount(customerRow) : customerRow.msdynce_isactivecustomer === true;
      if (!customerSynced) expect(badKeys('quote-customer-not-synced')).toContain(quote.quotenumber);
      for (const line of linesByQuote.get(String(quote.quoteid))!) {
        const product = products.get(bindOf(line, 'productid')!.id)!;
        const unit = uoms.get(bindOf(line, 'uomid')!.id)!;
        if (!product.msdynce_ismaintainedexternally) {
          expect(badKeys('quote-write-in-product')).toContain(quote.quotenumber);
        } else if (!fnoProducts.has(`${company}/${String(product.productnumber)}`)) {
          expect(badKeys('quote-product-missing-in-fno')).toContain(quote.quotenumber);
        }
        if (!fnoUnits.has(unit.name)) expect(badKeys('quote-unit-unmapped')).toContain(quote.quotenumber);
      }
    }

    const priceListCurrencies = new Set(dataverse.pricelevels.map((p) => bindOf(p, 'transactioncurrencyid')!.id));
    const currencyIdByCode = new Map(
      dataverse.transactioncurrencies.map((c) => [c.isocurrencycode, c.transactioncurrencyid]),
    );
    for (const product of fno.SellableReleasedProducts) {
      expect(fnoUnits).toContain(product.SalesUnitSymbol);
      expect(currencyIdByCode.has(product.CurrencyCode)).toBe(true);
      if (!salesUnits.has(product.SalesUnitSymbol)) {
        expect(badKeys('product-unit-unmapped')).toContain(product.ProductNumber);
      }
      if (!priceListCurrencies.has(String(currencyIdByCode.get(product.CurrencyCode)))) {
        expect(badKeys('product-currency-no-price-list')).toContain(product.ProductNumber);
      }
    }
  });

  it('mirrors already-synced F&O products in Sales with the values the Products task would write', () => {
    const { dataverse, fno } = seed;
    const fnoByNumber = new Map(fno.SellableReleasedProducts.map((p) => [p.ProductNumber, p]));
    const currencyCode = new Map(
      dataverse.transactioncurrencies.map((c) => [c.transactioncurrencyid, c.isocurrencycode]),
    );
    const mirrored = dataverse.products.filter((p) => fnoByNumber.has(p.productnumber));
    expect(mirrored.length).toBeGreaterThan(fno.SellableReleasedProducts.length / 2);
    for (const product of mirrored) {
      const source = fnoByNumber.get(product.productnumber)!;
      expect({
        name: product.name,
        price: product.price,
        currentcost: product.currentcost,
        producttypecode: product.producttypecode,
        unit: ids.get('uoms')!.get(bindOf(product, 'defaultuomid')!.id)!.name,
        currency: currencyCode.get(bindOf(product, 'transactioncurrencyid')!.id),
        msdynce_ismaintainedexternally: product.msdynce_ismaintainedexternally,
      }).toEqual({
        name: source.ProductName,
        price: source.SalesPrice,
        currentcost: source.UnitCost,
        producttypecode: source.ProductType === 'Item' ? 1 : 3,
        unit: source.SalesUnitSymbol,
        currency: source.CurrencyCode,
        msdynce_ismaintainedexternally: true,
      });
    }
    const priced = new Set(dataverse.productpricelevels.map((p) => bindOf(p, 'productid')!.id));
    expect(dataverse.products.every((p) => priced.has(String(p.productid)))).toBe(true);
  });

  it('plants every kind of bad row at a 10 % share, each matching its manifest entry', () => {
    const { dataverse, fno } = seed;
    expect([...badByKind.keys()].sort()).toEqual(Object.keys(BAD_ROW_KINDS).sort());
    const account = (key: string) => dataverse.accounts.find((a) => a.accountnumber === key || a.accountid === key)!;
    const quote = (key: string) => dataverse.quotes.find((q) => q.quotenumber === key)!;
    const quoteLines = (key: string) =>
      dataverse.quotedetails.filter((l) => bindOf(l, 'quoteid')!.id === quote(key).quoteid);
    const fnoProduct = (key: string) => fno.SellableReleasedProducts.find((p) => p.ProductNumber === key)!;
    const salesUnitNames = new Set(dataverse.uoms.map((u) => u.name));
    const fnoUnits = new Set(fno.UnitsOfMeasure.map((u) => u.UnitSymbol));
    const fnoProductNumbers = new Set(fno.SellableReleasedProducts.map((p) => p.ProductNumber));

    for (const bad of seed.expected.badRows) {
      expect(bad.expectedError).toBe(BAD_ROW_KINDS[bad.kind].code);
      expect(companies.map((c) => c.dataAreaId)).toContain(bad.dataAreaId);
      switch (bad.kind) {
        case 'account-name-too-long':
          expect(String(account(bad.key).name).length).toBeGreaterThan(FNO_ORGANIZATION_NAME_MAX);
          break;
        case 'account-missing-number':
          expect(account(bad.key).accountnumber).toBeNull();
          break;
        case 'contact-parent-missing': {
          const contact = dataverse.contacts.find((c) => c.msdynce_contactnumber === bad.key)!;
          expect(contact).toMatchObject({ msdynce_iscompanyanaccount: true, msdynce_isactivecustomer: false });
          const parent = ids.get('accounts')!.get(bindOf(contact, 'parentcustomerid_account')!.id)!;
          expect(parent.accountnumber).toBeNull();
          break;
        }
        case 'product-unit-unmapped':
          expect(salesUnitNames.has(fnoProduct(bad.key).SalesUnitSymbol)).toBe(false);
          break;
        case 'product-currency-no-price-list': {
          const currency = dataverse.transactioncurrencies.find(
            (c) => c.isocurrencycode === fnoProduct(bad.key).CurrencyCode,
          )!;
          expect(
            dataverse.pricelevels.some(
              (p) => bindOf(p, 'transactioncurrencyid')!.id === currency.transactioncurrencyid,
            ),
          ).toBe(false);
          break;
        }
        case 'quote-write-in-product':
          expect(quote(bad.key)).toMatchObject({ statecode: 1, msdynce_hasexternallymaintainedproductsonly: false });
          expect(
            quoteLines(bad.key).some(
              (l) => ids.get('products')!.get(bindOf(l, 'productid')!.id)!.msdynce_ismaintainedexternally === false,
            ),
          ).toBe(true);
          break;
        case 'quote-product-missing-in-fno': {
          const third = quoteLines(bad.key).find((l) => l.sequencenumber === 3)!;
          const product = ids.get('products')!.get(bindOf(third, 'productid')!.id)!;
          expect(product.msdynce_ismaintainedexternally).toBe(true);
          expect(fnoProductNumbers.has(product.productnumber)).toBe(false);
          break;
        }
        case 'quote-unit-unmapped':
          expect(
            quoteLines(bad.key).some((l) => !fnoUnits.has(ids.get('uoms')!.get(bindOf(l, 'uomid')!.id)!.name)),
          ).toBe(true);
          break;
        case 'quote-customer-not-synced':
          expect(account(bindOf(quote(bad.key), 'customerid_account')!.id).accountnumber).toBeNull();
          break;
      }
    }
    const blankCountry = seed.expected.edgeCases.filter((edge) => edge.kind === 'account-blank-country');
    expect(blankCountry.length).toBeGreaterThan(0);
    for (const edge of blankCountry) expect(account(edge.key).address1_country).toBeNull();
  });

  it('fits Sales values into the F&O fields the templates map them to, except the planted bad rows', () => {
    const pairs: Array<[set: string, column: string, fnoField: string]> = [
      ['accounts', 'name', 'OrganizationName'],
      ['accounts', 'accountnumber', 'CustomerAccount'],
      ['accounts', 'address1_city', 'AddressCity'],
      ['accounts', 'address1_postalcode', 'AddressZipCode'],
      ['accounts', 'telephone1', 'PrimaryContactPhone'],
      ['accounts', 'emailaddress1', 'PrimaryContactEmail'],
      ['accounts', 'websiteurl', 'PrimaryContactURL'],
      ['contacts', 'msdynce_contactnumber', 'CustomerAccount'],
      ['contacts', 'firstname', 'FirstName'],
      ['contacts', 'middlename', 'MiddleName'],
      ['contacts', 'lastname', 'LastName'],
      ['contacts', 'jobtitle', 'EmploymentProfession'],
      ['contacts', 'department', 'EmploymentDepartment'],
      ['quotes', 'quotenumber', 'SalesQuotationNumber'],
      ['quotes', 'name', 'SalesQuotationName'],
      ['quotes', 'shipto_city', 'DeliveryAddressCity'],
      ['quotes', 'shipto_postalcode', 'DeliveryAddressZipCode'],
      ['salesorders', 'ordernumber', 'SalesOrderNumber'],
      ['salesorders', 'name', 'SalesOrderName'],
    ];
    const tooLongNames = badKeys('account-name-too-long');
    const problems: string[] = [];
    for (const [set, column, fnoField] of pairs) {
      const limit = (FIELD_TYPES[fnoField] as { maxLength: number }).maxLength;
      for (const row of seed.dataverse[set]) {
        const value = row[column];
        if (typeof value !== 'string' || value.length <= limit) continue;
        if (set === 'accounts' && column === 'name' && tooLongNames.has(String(row.accountnumber))) continue;
        problems.push(`${set}.${column} '${value}' is longer than ${fnoField} (${limit})`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('lists every state/province too long for an F&O state id as needing a value map', () => {
    const limit = (FIELD_TYPES.AddressState as { maxLength: number }).maxLength;
    const long = new Set(
      [...seed.dataverse.accounts, ...seed.dataverse.contacts]
        .map((row) => row.address1_stateorprovince)
        .filter((state): state is string => typeof state === 'string' && state.length > limit),
    );
    expect(long.size).toBeGreaterThan(0);
    expect(seed.expected.needsValueMap.states).toEqual([...long].sort());
  });

  it('spreads bad rows over the whole table instead of bunching them', () => {
    const positions = seed.expected.badRows
      .filter((bad) => bad.entitySet === 'accounts')
      .map((bad) => seed.dataverse.accounts.findIndex((a) => a.accountnumber === bad.key || a.accountid === bad.key));
    expect(Math.min(...positions)).toBeLessThan(100);
    expect(Math.max(...positions)).toBeGreaterThan(700);
  });

  it('plants nothing when badRowShare is 0', () => {
    const clean = generateSeed({ accounts: 200, quotes: 30, badRowShare: 0 });
    expect(clean.expected.badRows).toEqual([]);
    expect(clean.expected.edgeCases).toEqual([]);
    expect(clean.dataverse.accounts.every((a) => a.accountnumber !== null && a.address1_country !== null)).toBe(true);
  });

  it('carries accents, CJK, right-to-left script and emoji through names', () => {
    const big = generateSeed({ accounts: 3000, quotes: 0, orders: 0 });
    const names = [
      ...big.dataverse.accounts.map((a) => String(a.name)),
      ...big.dataverse.contacts.map((c) => `${String(c.firstname)} ${String(c.lastname)}`),
    ].join('\n');
    expect(names).toMatch(/[éèüöäßñç]/);
    expect(names).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    expect(names).toMatch(/[\u0590-\u05ff\u0600-\u06ff]/);
    expect(names).toMatch(/\p{Extended_Pictographic}/u);
    const countries = new Set(big.dataverse.accounts.map((a) => a.address1_country));
    for (const country of ['United States', 'Canada', 'Germany', 'United Kingdom'])
      expect(countries).toContain(country);
  });
});
