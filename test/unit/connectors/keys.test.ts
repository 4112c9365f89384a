import {
  bindPath,
  chunkForFilter,
  dateTimeLiteral,
  filterEquals,
  keySegment,
  literal,
} from '../../../connectors/odata/keys';

describe('OData keys and literals', () => {
  it('renders single and composite keys', () => {
    expect(keySegment({ accountnumber: 'ACC-001' })).toBe("accountnumber='ACC-001'");
    expect(keySegment({ dataAreaId: 'usmf', SalesQuotationNumber: 'Q-1', LineCreationSequenceNumber: 3 })).toBe(
      "dataAreaId='usmf',SalesQuotationNumber='Q-1',LineCreationSequenceNumber=3",
    );
  });

  it('doubles quotes and percent-encodes what a URL path cannot carry', () => {
    expect(literal("O'Brien")).toBe("'O''Brien'");
    expect(keySegment({ name: "O'Brien, Smith & Co #1/2" })).toBe("name='O''Brien%2C%20Smith%20%26%20Co%20%231%2F2'");
  });

  it('leaves @odata.bind values unencoded (they travel in a JSON body)', () => {
    expect(bindPath('uoms', { name: 'Primary Unit' })).toBe("/uoms(name='Primary Unit')");
  });

  it('rejects empty or malformed keys with the field named', () => {
    expect(() => keySegment({})).toThrow('key has no fields');
    expect(() => keySegment({ accountnumber: '' })).toThrow("key field 'accountnumber' is empty");
    expect(() => keySegment({ 'bad name': 'x' })).toThrow("key field name 'bad name'");
    expect(() => keySegment({ n: Number.NaN })).toThrow('not a finite number');
  });

  it('builds eq/or filters and chunks them under a length budget', () => {
    expect(filterEquals('name', ['a', "b'c"])).toBe("name eq 'a' or name eq 'b''c'");
    const values = Array.from({ length: 250 }, (_, i) => `VALUE-${i}`);
    const chunks = chunkForFilter('accountnumber', values, 1500, 100);
    expect(chunks.flat()).toEqual(values);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(100);
      expect(encodeURIComponent(filterEquals('accountnumber', chunk)).length).toBeLessThanOrEqual(1500);
    }
    expect(chunks.length).toBeGreaterThan(2);
  });

  it('accepts ISO date-times with a zone only', () => {
    expect(dateTimeLiteral('2024-05-01T10:00:00Z')).toBe('2024-05-01T10:00:00Z');
    expect(dateTimeLiteral('2024-05-01T10:00:00.123+02:00')).toBe('2024-05-01T10:00:00.123+02:00');
    expect(() => dateTimeLiteral('2024-05-01')).toThrow('not an ISO-8601 date-time');
    expect(() => dateTimeLiteral("2024-05-01T10:00:00Z' or 1 eq 1")).toThrow();
  });
});
