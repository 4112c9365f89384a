/** The transform benchmark's accounts map: its rate measures the mapping, not a partition filter dropping every row. */
import { makeAccounts, PARTITION } from '../../../bench/transform';
import { createLookupIndex, templates, transform } from '../../../mappings';

test('every account the transform benchmark builds maps to a customer of its partition', () => {
  const rows = makeAccounts(500);
  const result = transform(templates.accounts, rows, { partition: PARTITION, lookups: createLookupIndex([]) });
  expect(result.errors).toEqual([]);
  expect(result.rows).toHaveLength(500);
  expect(new Set(result.rows.map((row) => row.key.CustomerAccount)).size).toBe(500);
});
