import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import {
  checkpointStoreConfigSchema,
  DEFAULT_RETENTION_DAYS,
  DEFAULT_SQLITE_FILE,
  MIGRATIONS,
  openCheckpointStore,
  retentionCutoff,
} from '../../../common/checkpoint-store';
import { SqliteDriver } from '../../../common/checkpoint-store/sqlite-driver';
import { checkpointStoreContract, HEAVY_TEST_TIMEOUT_MS } from './contract';

const root = mkdtempSync(join(tmpdir(), 'p2c-checkpoints-'));
let databases = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

checkpointStoreContract('SQLite checkpoint store', async () => {
  const file = join(root, `db-${++databases}`, 'checkpoints.sqlite');
  return {
    open: (migrations) => openCheckpointStore({ kind: 'sqlite', file }, migrations),
    execute: async (sql) => {
      const db = new Database(file);
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    driver: async () => {
      const driver = new SqliteDriver(join(root, `db-${++databases}`, 'checkpoints.sqlite'));
      await driver.migrate(MIGRATIONS);
      return driver;
    },
  };
});

describe('SQLite specifics', () => {
  test('creates the folder of the database file and uses WAL journaling', async () => {
    const file = join(root, 'nested', 'deeper', 'checkpoints.sqlite');
    const store = await openCheckpointStore({ kind: 'sqlite', file });
    await store.close();

    expect(existsSync(file)).toBe(true);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  test(
    'several processes writing the same file at once all succeed',
    async () => {
      const file = join(root, 'shared', 'checkpoints.sqlite');
      const writers = ['usmf', 'demf', 'gbsi', 'frsi'];
      const pages = 20;
      await Promise.all(
        writers.map((writer) =>
          promisify(execFile)(
            process.execPath,
            ['--import', 'tsx', join(__dirname, 'fixtures', 'sqlite-writer.ts'), file, writer, String(pages)],
            { cwd: join(__dirname, '..', '..', '..') },
          ),
        ),
      );

      const store = await openCheckpointStore({ kind: 'sqlite', file });
      try {
        for (const writer of writers) {
          expect((await store.getCursor(`run-${writer}`, 'accountsToCustomers', writer))?.page).toBe(pages - 1);
          const keys = Array.from({ length: pages }, (_, page) => `ACC-${page}-199`);
          const hashes = await store.getHashes('contoso', 'accountsToCustomers', writer, keys);
          expect(hashes.size).toBe(pages);
          expect(hashes.get(`ACC-${pages - 1}-199`)).toBe(`${writer}-${pages - 1}`);
        }
      } finally {
        await store.close();
      }
    },
    HEAVY_TEST_TIMEOUT_MS,
  );

  test(`defaults to ${DEFAULT_SQLITE_FILE}`, () => {
    expect(checkpointStoreConfigSchema.parse({ kind: 'sqlite' })).toEqual({
      kind: 'sqlite',
      file: DEFAULT_SQLITE_FILE,
    });
  });
});

describe('configuration', () => {
  test('postgres settings get a default pool size and are checked', () => {
    expect(checkpointStoreConfigSchema.parse({ kind: 'postgres', connectionString: 'postgres://u@db/p2c' })).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://u@db/p2c',
      poolSize: 10,
    });
  });

  test('bad configuration is refused with the field and reason', async () => {
    await expect(openCheckpointStore({ kind: 'postgres', connectionString: 'mysql://db/p2c' })).rejects.toThrow(
      'invalid checkpoint store configuration: connectionString: the checkpoint connectionString must be a postgres://',
    );
    await expect(
      openCheckpointStore({ kind: 'postgres', connectionString: 'postgres://db/p2c', schema: 'p2c; DROP TABLE x' }),
    ).rejects.toThrow('schema: the checkpoint schema must be a lower-case SQL identifier');
    await expect(openCheckpointStore({ kind: 'mongo' } as never)).rejects.toThrow(
      /invalid checkpoint store configuration: kind: /,
    );
  });

  test(`retention defaults to ${DEFAULT_RETENTION_DAYS} days`, () => {
    const now = new Date('2026-06-30T00:00:00Z');
    expect(retentionCutoff(undefined, now)).toEqual(new Date('2026-04-01T00:00:00Z'));
    expect(retentionCutoff(7, now)).toEqual(new Date('2026-06-23T00:00:00Z'));
    expect(() => retentionCutoff(-1, now)).toThrow('retentionDays must be a non-negative number, got -1');
  });
});
