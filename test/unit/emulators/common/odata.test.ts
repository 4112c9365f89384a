import {
  ODataSyntaxError,
  evaluateFilter,
  filterFeatures,
  parseFilter,
  parseKeySegment,
  parseQueryOptions,
  splitPath,
} from '../../../../emulators/common/odata';

const row = {
  name: 'Northwind Traders',
  accountnumber: 'ACC-001',
  revenue: 1500,
  statecode: 0,
  donotphone: false,
  description: null,
  _primarycontactid_value: '2b7d9e44-0000-0000-0000-000000000002',
  modifiedon: '2025-03-01T10:00:00Z',
  Gender: 'Female',
  Qty: 4,
};

const matches = (filter: string, opts = {}) => evaluateFilter(parseFilter(filter), row, opts);

describe('OData $filter', () => {
  it.each([
    ["name eq 'Northwind Traders'", true],
    ["name eq 'northwind traders'", true],
    ["name ne 'Northwind Traders'", false],
    ['revenue gt 1000 and revenue le 1500', true],
    ['revenue lt 1000 or statecode eq 0', true],
    ['not (statecode eq 0)', false],
    ["(name eq 'x' or accountnumber eq 'ACC-001') and revenue ge 1500", true],
    ["contains(name,'wind')", true],
    ["startswith(name,'north')", true],
    ["endswith(name,'Traders') eq false", false],
    ['description eq null', true],
    ['name ne null', true],
    ['donotphone eq false', true],
    ['_primarycontactid_value eq 2B7D9E44-0000-0000-0000-000000000002', true],
    ['modifiedon gt 2025-01-01T00:00:00Z', true],
    ['modifiedon lt 2025-01-01', false],
    ['statecode in (1,2)', false],
    ["accountnumber in ('ACC-002','acc-001')", true],
    ["Gender eq Microsoft.Dynamics.DataEntities.Gender'Female'", true],
    ['Qty mul 2 eq 8', true],
    ['revenue gt null', false],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it('compares case-sensitively when asked', () => {
    expect(matches("name eq 'northwind traders'", { caseInsensitive: false })).toBe(false);
  });

  it('treats * as a wildcard inside eq only when wildcardEquals is on', () => {
    expect(matches("name eq '*wind*'", { wildcardEquals: true })).toBe(true);
    expect(matches("name eq 'North*'", { wildcardEquals: true })).toBe(true);
    expect(matches("name eq '*wind*'")).toBe(false);
  });

  it('reads doubled quotes inside string literals as one quote', () => {
    expect(evaluateFilter(parseFilter("name eq 'O''Brien'"), { name: "O'Brien" })).toBe(true);
  });

  it('reports the features used so a system can refuse them', () => {
    const features = filterFeatures(
      parseFilter("a in (1,2) and b has Microsoft.X.Flags'One' and contains(c,'x') and d add 1 eq 2"),
    );
    expect([...features]).toEqual(expect.arrayContaining(['in', 'has', 'enum', 'function:contains', 'arithmetic']));
  });

  it.each(["name eq 'open", 'name eq', '(name eq 1', "name eq 'a' and", 'name foo 1', 'contains(name)'])(
    'rejects %s with an ODataSyntaxError',
    (filter) => {
      expect(() => parseFilter(filter)).toThrow(ODataSyntaxError);
    },
  );
});

describe('OData query options', () => {
  it('parses $select, $orderby, $top, $skip, $count and custom parameters', () => {
    const options = parseQueryOptions(
      '?$select=name,accountnumber&$orderby=name desc,accountnumber&$top=3&$skip=2&$count=true&cross-company=true',
    );
    expect(options.select).toEqual(['name', 'accountnumber']);
    expect(options.orderby).toEqual([
      { path: 'name', descending: true },
      { path: 'accountnumber', descending: false },
    ]);
    expect(options.top).toBe(3);
    expect(options.skip).toBe(2);
    expect(options.count).toBe(true);
    expect(options.custom).toEqual({ 'cross-company': 'true' });
  });

  it('parses $expand with nested options', () => {
    const options = parseQueryOptions(
      '$expand=customerid_account($select=accountnumber,name),quote_details($filter=quantity gt 1;$top=5;$orderby=sequencenumber),productid',
    );
    expect(options.expand).toEqual([
      { path: 'customerid_account', select: ['accountnumber', 'name'], other: [] },
      expect.objectContaining({
        path: 'quote_details',
        top: 5,
        orderby: [{ path: 'sequencenumber', descending: false }],
      }),
      { path: 'productid', other: [] },
    ]);
    expect(options.expand?.[1].filter).toBeDefined();
  });

  it('keeps unknown $ options for the caller and rejects malformed values', () => {
    expect(parseQueryOptions('$apply=groupby((name))').unknown).toEqual(['$apply']);
    expect(() => parseQueryOptions('$top=-1')).toThrow(ODataSyntaxError);
    expect(() => parseQueryOptions('$count=yes')).toThrow(/\$count/);
    expect(() => parseQueryOptions('$top=1&$top=2')).toThrow(/more than once/);
  });
});

describe('OData key segments', () => {
  it('parses a bare GUID key', () => {
    expect(parseKeySegment('accounts(6F1C2A10-0000-0000-0000-000000000001)')).toEqual({
      name: 'accounts',
      key: { kind: 'single', value: '6f1c2a10-0000-0000-0000-000000000001', type: 'guid' },
    });
  });

  it('parses named single and compound keys with quotes and parentheses inside values', () => {
    expect(parseKeySegment("accounts(accountnumber='O''Brien (UK)')")).toEqual({
      name: 'accounts',
      key: { kind: 'compound', values: { accountnumber: "O'Brien (UK)" } },
    });
    expect(parseKeySegment("SalesOrderLines(dataAreaId='usmf',SalesOrderNumber='S-1',LineNumber=2)").key).toEqual({
      kind: 'compound',
      values: { dataAreaId: 'usmf', SalesOrderNumber: 'S-1', LineNumber: 2 },
    });
  });

  it('splits resource paths outside quotes', () => {
    expect(splitPath("accounts(name='a/b')/name")).toEqual(["accounts(name='a/b')", 'name']);
  });

  it.each(["accounts(a='x',b)", 'accounts()', "accounts(a='x',a='y')", "accounts('x')extra"])('rejects %s', (text) => {
    expect(() => parseKeySegment(text)).toThrow(ODataSyntaxError);
  });
});
