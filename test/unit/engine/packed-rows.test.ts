/**
 * Pages cross workflow history column-packed. Packing must give back exactly the rows it was given (nulls stay
 * null, absent columns stay absent, nested lookups stay nested), and it must shrink a page of OData rows enough
 * that a full page of accounts fits the default page byte budget.
 */
import { packRows, rowCountOf, rowsOf, unpackRows } from '../../../common/packed-rows';
import { DEFAULT_SYNC_SETTINGS } from '../../../common/sync-types';
import type { SourceRow } from '../../../common/types';

function account(i: number): SourceRow {
  return {
    '@odata.etag': `W/"${1000 + i}"`,
    accountid: `f8a9c74e-0a01-4000-9e95-${String(i).padStart(12, '0')}`,
    accountnumber: `ACC-${String(i).padStart(5, '0')}-HQWWST`,
    address1_city: 'Grenoble',
    address1_country: 'France',
    address1_county: null,
    address1_line1: `${i} Rue de Rivoli`,
    address1_line2: null,
    address1_line3: null,
    address1_postalcode: '75932',
    address1_stateorprovince: 'Auvergne-Rhône-Alpes',
    creditlimit: 22500 + i,
    description: null,
    emailaddress1: `info${i}@tailspin-retail.example.fr`,
    fax: null,
    modifiedon: '2026-11-25T06:37:11.000Z',
    name: `Tailspin Retail ${i} SA`,
    telephone1: '+33 1 94 06 92 23',
    websiteurl: 'https://www.tailspin-retail.example.fr',
    owningbusinessunit: {
      '@odata.etag': 'W/"1"',
      businessunitid: 'f8a9c74e-0b01-4fd6-bdaa-000000000000',
      name: 'USMF',
    },
    transactioncurrencyid: { transactioncurrencyid: 'f8a9c74e-0c01-4711-96ad-000000000000', isocurrencycode: 'EUR' },
  };
}

test('unpacking gives back the same rows, keeping null apart from absent', () => {
  const rows: SourceRow[] = [
    { a: 1, b: null, c: { nested: ['x', 2] } },
    { b: 'two', d: false },
    {},
    { a: 0, c: null, e: '' },
  ];
  const packed = packRows(rows);
  expect(packed.columns).toEqual(['a', 'b', 'c', 'd', 'e']);
  const back = unpackRows(JSON.parse(JSON.stringify(packed)));
  expect(back).toEqual(rows);
  expect(back.map((row) => Object.keys(row))).toEqual(rows.map((row) => Object.keys(row)));
  expect('b' in back[0] && back[0].b === null).toBe(true);
  expect('a' in back[1]).toBe(false);
});

test('a column that is undefined is left out, as JSON would leave it out of the row', () => {
  const back = unpackRows(JSON.parse(JSON.stringify(packRows([{ a: 1, b: undefined }, { a: 2 }]))));
  expect(back).toEqual([{ a: 1 }, { a: 2 }]);
  expect(Object.keys(back[0])).toEqual(['a']);
});

test('rows of one query pack without any absent marks', () => {
  const packed = packRows([account(1), account(2)]);
  expect(packed.absent).toBeUndefined();
  expect(packed.values).toHaveLength(2);
});

test('an empty page packs to an empty page', () => {
  expect(unpackRows(packRows([]))).toEqual([]);
  expect(rowCountOf({ packed: packRows([]) })).toBe(0);
});

test('rowsOf and rowCountOf read packed pages and the plain rows of older histories alike', () => {
  const rows = [account(1), account(2), account(3)];
  expect(rowsOf({ packed: packRows(rows) })).toEqual(rows);
  expect(rowsOf({ rows })).toBe(rows);
  expect(rowCountOf({ packed: packRows(rows) })).toBe(3);
  expect(rowCountOf({ rows })).toBe(3);
  expect(rowsOf({})).toEqual([]);
});

test('a default-sized page of accounts fits the default page byte budget only when packed', () => {
  const rows = Array.from({ length: DEFAULT_SYNC_SETTINGS.pageSize }, (_, i) => account(i));
  const plain = Buffer.byteLength(JSON.stringify(rows));
  const packed = Buffer.byteLength(JSON.stringify(packRows(rows)));
  expect(plain).toBeGreaterThan(DEFAULT_SYNC_SETTINGS.maxPageBytes);
  expect(packed).toBeLessThan(DEFAULT_SYNC_SETTINGS.maxPageBytes);
  expect(packed / plain).toBeLessThan(0.7);
});
