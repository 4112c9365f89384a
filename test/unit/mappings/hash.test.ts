/** Content hashes: the row hash is fed piece by piece, and must equal the hash of the row's canonical JSON text. */
import { canonicalJson, fnv1a64Hex, rowHash } from '../../../mappings/hash';
import type { TargetRow } from '../../../common/types';

/** Canonical JSON as first specified: JSON.stringify with keys sorted at every level, built as one string. */
function referenceCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => referenceCanonicalJson(item ?? null)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${referenceCanonicalJson(record[key])}`);
  return `{${members.join(',')}}`;
}

const account: TargetRow = {
  sourceKey: 'ACC-01000-BVRCPS',
  entitySet: 'CustomersV2',
  key: { CustomerAccount: 'ACC-01000-BVRCPS', dataAreaId: 'usmf' },
  fields: {
    OrganizationName: 'Fabrikam "North"\\Süd',
    AddressStreet: '1 Main Street\nSuite 4',
    CreditLimit: 25000,
    IsExternallyMaintained: 'Yes',
    SalesMemo: null,
    PartyType: 'Organization',
    Emoji: '😀',
    Tags: ['a', 'b'],
  },
  lookups: { customerid_account: { entitySet: 'accounts', key: { accountnumber: 'C-1' } } },
};

// Values whose JSON text needs escapes, surrogates (paired and not), holes, undefined members and non-JSON types.
const awkwardValues: unknown[] = [
  'quote " and backslash \\',
  'control \u0001 and tab \t',
  'pair \ud83d\ude00 lone \ud800 and \udc00',
  'é ü ß 日本',
  '',
  0,
  -0,
  1.5e300,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  null,
  undefined,
  // eslint-disable-next-line no-sparse-arrays
  [1, , 3],
  [undefined, null, { b: 1, a: undefined }],
  { 'k"ey': [{ z: 1, y: 'x' }], '\u0001': 1, é: 2, e: 3, E: 4 },
  new Date(0),
  { method: () => 1 },
  [[[]], {}],
];

describe('content hashes', () => {
  it('keeps the hash of a row across releases, so stored hashes still match unchanged rows', () => {
    expect(rowHash(account)).toBe('8d8941da2d24c63a');
    expect(rowHash({ sourceKey: 'k', entitySet: 'x', key: { k: 1 }, fields: {} })).toBe('fb9afc56b3664ba3');
  });

  it('writes the same canonical JSON as the reference, and hashes rows as their canonical text', () => {
    for (const value of awkwardValues) {
      expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
      const row: TargetRow = { sourceKey: 's', entitySet: 'x', key: { k: 'v' }, fields: { value, list: [value] } };
      const { entitySet, key, fields, lookups } = row;
      expect(rowHash(row)).toBe(fnv1a64Hex(referenceCanonicalJson({ entitySet, key, fields, lookups })));
    }
  });
});
