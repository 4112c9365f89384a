import { equalityValues, evaluateFilter, parseFilter } from '../../../../emulators/common/odata';
import { QueryCache, firstAfter } from '../../../../emulators/common/query-cache';
import { TableStore, type Row } from '../../../../emulators/common/store';

const tables = [{ name: 'lines', primaryKey: 'id' }];

function linesTable() {
  const store = new TableStore({ tables, caseInsensitiveKeys: true });
  const lines = store.table('lines');
  lines.insert({ id: 'L1', quote: 'Q-1' });
  lines.insert({ id: 'L2', quote: 'q-1' });
  lines.insert({ id: 'L3', quote: 'Q-2' });
  lines.insert({ id: 'L4', quote: null });
  lines.insert({ id: 'L5', quote: 7 });
  return { store, lines };
}

const ids = (rows: Row[]) => rows.map((r) => r.id).sort();

describe('equality index of the emulator store', () => {
  it('returns the rows holding a value ignoring case, plus rows whose value is not a string', () => {
    const { lines } = linesTable();
    expect(ids(lines.candidatesByValue('quote', ['Q-1']))).toEqual(['L1', 'L2', 'L5']);
    expect(ids(lines.candidatesByValue('quote', ['q-2', 'nothing']))).toEqual(['L3', 'L5']);
  });

  it('follows inserts, replacements, deletions, rollbacks and loads after it was built', async () => {
    const { store, lines } = linesTable();
    expect(ids(lines.candidatesByValue('quote', ['Q-3']))).toEqual(['L5']);
    lines.insert({ id: 'L6', quote: 'Q-3' });
    lines.replace('L1', { id: 'L1', quote: 'Q-3' });
    lines.delete('L5');
    expect(ids(lines.candidatesByValue('quote', ['Q-3']))).toEqual(['L1', 'L6']);
    expect(ids(lines.candidatesByValue('quote', ['Q-1']))).toEqual(['L2']);

    const transaction = store.begin();
    await transaction.run(async () => {
      lines.replace('L6', { id: 'L6', quote: 'Q-9' });
      lines.insert({ id: 'L7', quote: 'Q-9' });
    });
    expect(ids(lines.candidatesByValue('quote', ['Q-9']))).toEqual(['L6', 'L7']);
    transaction.rollback();
    expect(ids(lines.candidatesByValue('quote', ['Q-9']))).toEqual([]);
    expect(ids(lines.candidatesByValue('quote', ['Q-3']))).toEqual(['L1', 'L6']);

    lines.load({ rows: [{ id: 'L8', quote: 'Q-3' }], changes: [] });
    expect(ids(lines.candidatesByValue('quote', ['Q-3']))).toEqual(['L8']);
  });

  it('moves the table revision on every change, rollbacks included, and not on reads', async () => {
    const { store, lines } = linesTable();
    const before = lines.revision;
    lines.candidatesByValue('quote', ['Q-1']);
    lines.get('L1');
    expect(lines.revision).toBe(before);
    lines.replace('L1', { id: 'L1', quote: 'Q-5' });
    const afterReplace = lines.revision;
    expect(afterReplace).toBeGreaterThan(before);
    const storeRevision = store.revision;
    const transaction = store.begin();
    await transaction.run(async () => void lines.delete('L2'));
    transaction.rollback();
    expect(lines.get('L2')).toBeDefined();
    expect(lines.revision).toBeGreaterThan(afterReplace);
    expect(store.revision).toBeGreaterThan(storeRevision);
  });
});

describe('equality shapes of a $filter', () => {
  it.each([
    ["quote eq 'Q-1'", { path: 'quote', texts: ['Q-1'] }],
    ["quote eq 'Q-1' or quote eq 'Q-2' or quote eq 'Q-3'", { path: 'quote', texts: ['Q-1', 'Q-2', 'Q-3'] }],
    ["quote in ('Q-1','Q-2')", { path: 'quote', texts: ['Q-1', 'Q-2'] }],
    ["statecode eq 1 and quote eq 'Q-1'", { path: 'quote', texts: ['Q-1'] }],
    [
      '_quoteid_value eq 6f1c2a10-0000-0000-0000-000000000001',
      {
        path: '_quoteid_value',
        texts: ['6f1c2a10-0000-0000-0000-000000000001'],
      },
    ],
  ])('%s reads only the rows holding those values', (filter, expected) => {
    expect(equalityValues(parseFilter(filter))).toEqual(expected);
  });

  it.each([
    "quote eq 'Q-1' or name eq 'Q-1'",
    "quote ne 'Q-1'",
    "quote eq 'Q-*'",
    "quote eq '42'",
    "modifiedon eq '2026-01-01T00:00:00Z'",
    "quote eq 'Q-1' or statecode eq 1",
    "contains(quote, 'Q')",
  ])('%s needs the full scan', (filter) => {
    expect(equalityValues(parseFilter(filter))).toBeUndefined();
  });

  it('finds every row the full evaluation finds', () => {
    const { lines } = linesTable();
    const filter = parseFilter("quote eq 'q-1' or quote eq 'Q-2'");
    const wanted = equalityValues(filter)!;
    const scanned = [...lines.rows()].filter((row) => evaluateFilter(filter, row, { caseInsensitive: true }));
    const indexed = lines
      .candidatesByValue(wanted.path, wanted.texts)
      .filter((row) => evaluateFilter(filter, row, { caseInsensitive: true }));
    expect(ids(indexed)).toEqual(ids(scanned));
    expect(ids(indexed)).toEqual(['L1', 'L2', 'L3']);
  });
});

describe('query cache', () => {
  it('recomputes when the revision changed and forgets the least recently used entry', () => {
    const cache = new QueryCache<number>(2);
    let computed = 0;
    const compute = () => ++computed;
    expect(cache.get('a', '1', compute)).toBe(1);
    expect(cache.get('a', '1', compute)).toBe(1);
    expect(cache.get('a', '2', compute)).toBe(2);
    cache.get('b', '2', compute);
    cache.get('a', '2', compute);
    cache.get('c', '2', compute);
    expect(computed).toBe(4);
    expect(cache.get('a', '2', compute)).toBe(2);
    expect(cache.get('b', '2', compute)).toBe(5);
  });

  it('finds the first item past a position by bisection', () => {
    const sorted = [1, 3, 3, 5, 8];
    expect(firstAfter(sorted, (n) => n > 3)).toBe(3);
    expect(firstAfter(sorted, (n) => n > 0)).toBe(0);
    expect(firstAfter(sorted, (n) => n > 8)).toBe(5);
    expect(firstAfter([], () => true)).toBe(0);
  });
});
