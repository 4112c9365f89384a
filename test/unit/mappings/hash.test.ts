/** Content hashes: the row hash is fed piece by piece, and must equal the hash of the row's canonical JSON text. */
import { canonicalJson, fnv1a64Hex, rowHash } from '../../../mappings/hash';
import type { TargetRow } from '../../../common/types';

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

  it('hashes a row as the text of its canonical JSON, whatever its values', () => {
    for (const value of awkwardValues) {
      const row: TargetRow = { sourceKey: 's', entitySet: 'x', key: { k: 'v' }, fields: { value, list: [value] } };
      const { entitySet, key, fields, lookups } = row;
      expect(rowHash(row)).toBe(fnv1a64Hex(canonicalJson({ entitySet, key, fields, lookups })));
    }
  });
});
