import { countBySourceRow } from '../../../activities/sync';

describe('countBySourceRow', () => {
  test('a product and its price-list entry count as one source row, by the worst outcome', () => {
    const counts = countBySourceRow(
      { P1: 'created', 'P1/price-list': 'created', P2: 'updated', 'P2/price-list': 'unchanged', P3: 'unchanged' },
      [
        { task: 'products', sourceKey: 'P3/price-list', code: 'missing-price-list', message: 'no price list in CHF' },
        { task: 'products', sourceKey: 'P4', code: 'unmapped-unit', message: 'unit bdl' },
        { task: 'products', sourceKey: 'P4/price-list', code: 'missing-lookup', message: 'product P4 missing' },
      ],
    );
    expect(counts).toEqual({ created: 1, updated: 1, unchanged: 0, failed: 2 });
  });
});
