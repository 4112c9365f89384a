import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreConflictError, TableStore } from '../../../../emulators/common/store';

const tables = [{ name: 'accounts', primaryKey: 'id', uniqueKeys: [['number'], ['company', 'code']] }];

describe('table store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'p2c-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds rows by primary and unique keys, case-insensitively when configured', () => {
    const store = new TableStore({ tables, caseInsensitiveKeys: true });
    const accounts = store.table('accounts');
    accounts.insert({ id: 'A1', number: 'ACC-1', company: 'usmf', code: 7 });
    expect(accounts.get('a1')?.number).toBe('ACC-1');
    expect(accounts.findByUnique({ number: 'acc-1' })?.id).toBe('A1');
    expect(accounts.findByUnique({ company: 'USMF', code: 7 })?.id).toBe('A1');
    expect(() => accounts.findByUnique({ code: 7 })).toThrow(/not a unique key/);
    const exact = new TableStore({ tables }).table('accounts');
    exact.insert({ id: 'A1', number: 'ACC-1' });
    expect(exact.findByUnique({ number: 'acc-1' })).toBeUndefined();
  });

  it('rejects duplicate primary and unique keys without changing anything', () => {
    const store = new TableStore({ tables });
    const accounts = store.table('accounts');
    accounts.insert({ id: 'A1', number: 'ACC-1' });
    const version = store.version;
    expect(() => accounts.insert({ id: 'A1', number: 'ACC-2' })).toThrow(StoreConflictError);
    expect(() => accounts.insert({ id: 'A2', number: 'ACC-1' })).toThrow(/number="ACC-1" already exists/);
    accounts.insert({ id: 'A3', number: 'ACC-3' });
    expect(() => accounts.replace('A3', { id: 'A3', number: 'ACC-1' })).toThrow(StoreConflictError);
    expect(accounts.get('A3')?.number).toBe('ACC-3');
    expect(store.version).toBe(version + 1);
  });

  it('keeps one change per key in version order, deletions included', () => {
    const store = new TableStore({ tables });
    const accounts = store.table('accounts');
    accounts.insert({ id: 'A1' });
    accounts.insert({ id: 'A2' });
    const since = store.version;
    accounts.replace('A1', { id: 'A1', number: 'X' });
    accounts.insert({ id: 'A3' });
    accounts.delete('A3');
    accounts.delete('A2');
    expect(accounts.changesSince(since)).toEqual([
      { key: 'A1', version: since + 1, deleted: false },
      { key: 'A3', version: since + 3, deleted: true },
      { key: 'A2', version: since + 4, deleted: true },
    ]);
  });

  it('rolls back a transaction across awaits, restoring rows, indexes and change entries', async () => {
    const store = new TableStore({ tables });
    const accounts = store.table('accounts');
    accounts.insert({ id: 'A1', number: 'ACC-1' });
    const before = accounts.changesSince(0);
    const tx = store.begin();
    await tx.run(async () => {
      accounts.replace('A1', { id: 'A1', number: 'ACC-9' });
      await new Promise((resolve) => setTimeout(resolve, 1));
      accounts.insert({ id: 'A2', number: 'ACC-1' });
      accounts.delete('A1');
    });
    // A write outside the transaction is not undone.
    accounts.insert({ id: 'B1' });
    tx.rollback();
    expect(accounts.get('A1')?.number).toBe('ACC-1');
    expect(accounts.get('A2')).toBeUndefined();
    expect(accounts.get('B1')).toBeDefined();
    expect(accounts.findByUnique({ number: 'ACC-1' })?.id).toBe('A1');
    expect(accounts.changesSince(0).filter((c) => c.key !== 'B1')).toEqual(before);
  });

  it('nests a transaction begun inside another: its rollback is its own, its commit joins the enclosing one', async () => {
    const store = new TableStore({ tables });
    const accounts = store.table('accounts');
    const outer = store.begin();
    await outer.run(async () => {
      accounts.insert({ id: 'A1', number: 'ACC-1' });
      await expect(
        store.atomically(async () => {
          accounts.insert({ id: 'A2', number: 'ACC-2' });
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      expect(accounts.get('A2')).toBeUndefined();
      expect(accounts.get('A1')).toBeDefined();
      await store.atomically(async () => {
        accounts.insert({ id: 'A3', number: 'ACC-3' });
      });
    });
    expect(accounts.get('A3')).toBeDefined();
    outer.rollback();
    expect(accounts.size).toBe(0);
    expect(accounts.changesSince(0)).toEqual([]);
  });

  it('persists to a file atomically and reloads it on start', async () => {
    const file = join(dir, 'nested', 'store.json');
    const store = new TableStore({ tables, persistFile: file, persistDebounceMs: 5 });
    expect(store.loadedFromFile).toBe(false);
    store.table('accounts').insert({ id: 'A1', number: 'ACC-1' });
    store.table('accounts').insert({ id: 'A2', number: 'ACC-2' });
    store.table('accounts').delete('A2');
    // The debounced write lands on its own; poll for it (a loaded machine may take a while).
    const readVersion = () => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined);
    for (let waited = 0; readVersion() !== 3 && waited < 5000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(readVersion()).toBe(3);
    store.table('accounts').insert({ id: 'A3' });
    await store.close();
    const reopened = new TableStore({ tables, persistFile: file });
    expect(reopened.loadedFromFile).toBe(true);
    expect(reopened.version).toBe(4);
    expect(reopened.table('accounts').findByUnique({ number: 'ACC-1' })?.id).toBe('A1');
    expect(reopened.table('accounts').get('A3')).toBeDefined();
    expect(
      reopened
        .table('accounts')
        .changesSince(2)
        .map((c) => [c.key, c.deleted]),
    ).toEqual([
      ['A2', true],
      ['A3', false],
    ]);
  });

  it('refuses a persist file that is not its format', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{oops');
    expect(() => new TableStore({ tables, persistFile: file })).toThrow(/not valid JSON/);
  });
});
