import {
  CheckpointStoreInputError,
  digestFailures,
  DEFAULT_RUN_LIST_LIMIT,
  LATEST_SCHEMA_VERSION,
  MAX_RUN_REASON_LENGTH,
  MIGRATIONS,
  type CheckpointStore,
  type Migration,
  type RunGroup,
  type RunRecord,
  type StoredFailure,
  type StoredWarning,
  type TraceEntry,
} from '../../../common/checkpoint-store';
import { BULK_CHUNK_SIZE, type SqlDriver } from '../../../common/checkpoint-store/driver';
import { CURSORS, RUN_FAILURES } from '../../../common/checkpoint-store/tables';

/** One empty database; every open() connects a new store to that same database. */
export interface TestDatabase {
  open(migrations?: readonly Migration[]): Promise<CheckpointStore>;
  /** Runs one SQL statement on the database directly, as a program older than the store under test would. */
  execute(sql: string): Promise<void>;
  /**
   * The store's driver on a migrated database of its own (no store beside it), for what the store's methods cannot
   * provoke.
   */
  driver(): Promise<SqlDriver>;
}

/** Creates a fresh, empty database for each test. */
export type TestDatabaseFactory = () => Promise<TestDatabase>;

// Headroom for bulk and multi-connection tests on a busy machine; they check behaviour, not speed (see bench/).
export const HEAVY_TEST_TIMEOUT_MS = 60_000;
const PROJECT = 'contoso-p2c';
const TASK = 'accountsToCustomers';
const PARTITION = 'usmf';

function run(overrides: Partial<RunRecord> & Pick<RunRecord, 'runId'>): RunRecord {
  return {
    workflowId: `entity-sync:${PROJECT}:${TASK}`,
    project: PROJECT,
    task: TASK,
    status: 'Running',
    startedAt: '2026-03-01T10:00:00.000Z',
    counters: {},
    ...overrides,
  };
}

/** The schema version that added a task run's reason. */
const RUN_REASON_VERSION = 6;
/** The schema version that added row warnings. */
const WARNINGS_VERSION = 7;

/** A run row as every version of the store since the first has written it: the columns of version 1 only. */
function insertRunAtVersion1(runId: string): string {
  const { workflowId, project, task, status, startedAt } = run({ runId });
  return (
    'INSERT INTO runs (run_id, workflow_id, project, task, partition_key, status, started_at, started_ms, ended_at, ' +
    `ended_ms, counters, parent_run_id) VALUES ('${runId}', '${workflowId}', '${project}', '${task}', NULL, ` +
    `'${status}', '${startedAt}', ${Date.parse(startedAt)}, NULL, NULL, '{}', NULL)`
  );
}

function failure(sourceKey: string, overrides: Partial<StoredFailure> = {}): StoredFailure {
  return {
    task: TASK,
    sourceKey,
    code: 'MissingLookup',
    message: `no customer group for ${sourceKey}`,
    at: '2026-03-01T10:05:00.000Z',
    ...overrides,
  };
}

/** A warning as the store returns it: an override of `undefined` leaves the field out. */
function warning(sourceKey: string, overrides: Partial<StoredWarning> = {}): StoredWarning {
  const all: StoredWarning = {
    task: TASK,
    sourceKey,
    field: 'name',
    code: 'value-truncated',
    message: `name of ${sourceKey} truncated from 180 to 160 characters`,
    at: '2026-03-01T10:05:00.000Z',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined)) as StoredWarning;
}

function traceEntry(overrides: Partial<TraceEntry> & Pick<TraceEntry, 'runId' | 'outcome' | 'at'>): TraceEntry {
  return { workflowId: `entity-sync:${PROJECT}:${TASK}`, task: TASK, sourceKey: 'ACC-1', ...overrides };
}

/**
 * The behaviour every CheckpointStore implementation must show. Each backend's test file calls this with a
 * factory; `describeFn` lets a backend that is not configured list the suite as skipped.
 */
export function checkpointStoreContract(
  title: string,
  newDatabase: TestDatabaseFactory,
  describeFn: jest.Describe = describe,
): void {
  describeFn(title, () => {
    let opened: CheckpointStore[] = [];
    let database: TestDatabase;

    async function open(migrations?: readonly Migration[]): Promise<CheckpointStore> {
      const store = await database.open(migrations);
      opened.push(store);
      return store;
    }

    beforeEach(async () => {
      database = await newDatabase();
    });

    afterEach(async () => {
      await Promise.all(opened.map((store) => store.close()));
      opened = [];
    });

    describe('migrations', () => {
      test('a new database is migrated to the latest version, and migrating again changes nothing', async () => {
        const store = await open();
        expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        await store.recordRun(run({ runId: 'r1' }));

        await store.migrate();
        await store.migrate();

        expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        expect(await store.getRun('r1')).toEqual(run({ runId: 'r1' }));
      });

      test('a database created by an older version is migrated forward and keeps its data', async () => {
        const old = await open(MIGRATIONS.slice(0, 1));
        expect(await old.schemaVersion()).toBe(1);
        await database.execute(insertRunAtVersion1('before-upgrade'));
        await old.commitWatermark(PROJECT, TASK, PARTITION, { kind: 'delta-link', value: 'token-1' }, 'before-upgrade');
        await old.close();

        const upgraded = await open();
        expect(await upgraded.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        expect(await upgraded.getRun('before-upgrade')).toEqual(run({ runId: 'before-upgrade' }));
        expect(await upgraded.getWatermark(PROJECT, TASK, PARTITION)).toEqual({ kind: 'delta-link', value: 'token-1' });
        const entry = traceEntry({ runId: 'after-upgrade', outcome: 'created', at: '2026-03-02T10:00:00Z' });
        await upgraded.addTrace([entry]);
        expect(await upgraded.trace(TASK, 'ACC-1')).toEqual([entry]);
      });

      test('a database from before run reasons gets the column, keeps its runs, and records reasons', async () => {
        const old = await open(MIGRATIONS.filter((migration) => migration.version < RUN_REASON_VERSION));
        await database.execute(insertRunAtVersion1('before-reasons'));
        await old.close();

        const upgraded = await open();
        expect(await upgraded.getRun('before-reasons')).toStrictEqual(run({ runId: 'before-reasons' }));
        const failed = run({ runId: 'before-reasons', status: 'Failed', reason: 'auth failed: invalid_client' });
        await upgraded.recordRun(failed);
        expect(await upgraded.getRun('before-reasons')).toStrictEqual(failed);
      });

      test('a database from before warnings keeps its failures and then stores warnings apart from them', async () => {
        const old = await open(MIGRATIONS.filter((migration) => migration.version < WARNINGS_VERSION));
        await old.addFailures('r1', [failure('ACC-1')]);
        await old.close();

        const upgraded = await open();
        expect(await upgraded.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        await upgraded.addWarnings('r1', [warning('ACC-2')]);
        expect(await upgraded.listFailures('r1')).toStrictEqual([failure('ACC-1')]);
        expect(await upgraded.listWarnings('r1')).toStrictEqual([warning('ACC-2')]);
      });

      test('a database newer than the code is refused with a clear error', async () => {
        await (await open()).close();
        await expect(open(MIGRATIONS.slice(0, 1))).rejects.toThrow(
          `at schema version ${LATEST_SCHEMA_VERSION}, newer than this program knows (1)`,
        );
      });

      test('stores opened at the same time on an empty database apply each migration once', async () => {
        const stores = await Promise.all([open(), open(), open()]);
        for (const store of stores) expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        await stores[0].recordRun(run({ runId: 'shared' }));
        expect(await stores[2].getRun('shared')).toEqual(run({ runId: 'shared' }));
      });
    });

    describe('watermarks', () => {
      test('are absent until committed and kept per project, task and partition', async () => {
        const store = await open();
        expect(await store.getWatermark(PROJECT, TASK, PARTITION)).toBeUndefined();

        await store.commitWatermark(
          PROJECT,
          TASK,
          PARTITION,
          { kind: 'modified-since', value: '2026-03-01T10:00:00Z' },
          'r1',
        );
        await store.commitWatermark(
          PROJECT,
          TASK,
          'demf',
          { kind: 'delta-link', value: 'https://x/delta?token=7' },
          'r2',
        );
        await store.commitWatermark(PROJECT, 'contactsToContacts', PARTITION, { kind: 'none' }, 'r3');

        expect(await store.getWatermark(PROJECT, TASK, PARTITION)).toEqual({
          kind: 'modified-since',
          value: '2026-03-01T10:00:00Z',
        });
        expect(await store.getWatermark(PROJECT, TASK, 'demf')).toEqual({
          kind: 'delta-link',
          value: 'https://x/delta?token=7',
        });
        expect(await store.getWatermark(PROJECT, 'contactsToContacts', PARTITION)).toEqual({ kind: 'none' });
        expect(await store.getWatermark('other-project', TASK, PARTITION)).toBeUndefined();
      });

      test('a later commit replaces the earlier one', async () => {
        const store = await open();
        await store.commitWatermark(PROJECT, TASK, '', { kind: 'modified-since', value: '2026-03-01T10:00:00Z' }, 'r1');
        await store.commitWatermark(PROJECT, TASK, '', { kind: 'modified-since', value: '2026-03-02T10:00:00Z' }, 'r2');
        expect(await store.getWatermark(PROJECT, TASK, '')).toEqual({
          kind: 'modified-since',
          value: '2026-03-02T10:00:00Z',
        });
      });

      test("committing drops the finished run's cursor for that task and partition only", async () => {
        const store = await open();
        const cursor = { cursor: 'page-3', page: 3, counters: { read: 600 }, updatedAt: '2026-03-01T10:03:00Z' };
        await store.saveCursor('r1', TASK, PARTITION, cursor);
        await store.saveCursor('r1', TASK, 'demf', cursor);

        await store.commitWatermark(PROJECT, TASK, PARTITION, { kind: 'none' }, 'r1');

        expect(await store.getCursor('r1', TASK, PARTITION)).toBeUndefined();
        expect(await store.getCursor('r1', TASK, 'demf')).toEqual(cursor);
      });

      test('bad watermarks are refused with the reason', async () => {
        const store = await open();
        await expect(
          store.commitWatermark(PROJECT, TASK, PARTITION, { kind: 'modified-since', value: 'yesterday' }, 'r1'),
        ).rejects.toThrow(/commitWatermark: value: a modified-since watermark must be an ISO 8601 timestamp/);
        await expect(
          store.commitWatermark(PROJECT, TASK, PARTITION, { kind: 'rowversion', value: '1' } as never, 'r1'),
        ).rejects.toThrow(CheckpointStoreInputError);
        await expect(store.commitWatermark(PROJECT, TASK, PARTITION, { kind: 'none' }, '')).rejects.toThrow(
          'commitWatermark: runId must not be empty',
        );
        await expect(store.getWatermark('', TASK, PARTITION)).rejects.toThrow(
          'getWatermark: project must not be empty',
        );
        expect(await store.getWatermark(PROJECT, TASK, PARTITION)).toBeUndefined();
      });
    });

    describe('cursors', () => {
      test('the last saved cursor of a run is returned, separately per run, task and partition', async () => {
        const store = await open();
        expect(await store.getCursor('r1', TASK, PARTITION)).toBeUndefined();

        await store.saveCursor('r1', TASK, PARTITION, {
          cursor: 'skiptoken=200',
          page: 1,
          counters: { read: 200, created: 150, updated: 50 },
          updatedAt: '2026-03-01T10:01:00Z',
        });
        const second = {
          cursor: 'skiptoken=400',
          page: 2,
          counters: { read: 400, created: 300, updated: 100 },
          updatedAt: '2026-03-01T10:02:00Z',
        };
        await store.saveCursor('r1', TASK, PARTITION, second);
        const otherRun = { page: 0, counters: {}, updatedAt: '2026-03-01T10:00:00Z' };
        await store.saveCursor('r2', TASK, PARTITION, otherRun);

        expect(await store.getCursor('r1', TASK, PARTITION)).toEqual(second);
        expect(await store.getCursor('r2', TASK, PARTITION)).toStrictEqual(otherRun);
        expect(await store.getCursor('r1', TASK, 'demf')).toBeUndefined();
        expect(await store.getCursor('r1', 'contactsToContacts', PARTITION)).toBeUndefined();
      });

      test('bad cursors are refused', async () => {
        const store = await open();
        await expect(
          store.saveCursor('r1', TASK, PARTITION, { page: -1, counters: {}, updatedAt: '2026-03-01T10:00:00Z' }),
        ).rejects.toThrow('saveCursor: page: page must be a non-negative integer');
        await expect(
          store.saveCursor('r1', TASK, PARTITION, {
            page: 1,
            counters: { read: 'many' as unknown as number },
            updatedAt: '2026-03-01T10:00:00Z',
          }),
        ).rejects.toThrow('saveCursor: counters.read: counter values must be finite numbers');
        expect(await store.getCursor('r1', TASK, PARTITION)).toBeUndefined();
      });

      test('many concurrent saves from one process all land', async () => {
        const store = await open();
        await Promise.all(
          Array.from({ length: 25 }, (_, index) =>
            store.saveCursor(`run-${index}`, TASK, PARTITION, {
              page: index,
              counters: { read: index * 200 },
              updatedAt: '2026-03-01T10:00:00Z',
            }),
          ),
        );
        for (let index = 0; index < 25; index++) {
          expect((await store.getCursor(`run-${index}`, TASK, PARTITION))?.page).toBe(index);
        }
      });
    });

    describe('row hashes', () => {
      test('returns the hashes of known keys only, per project, task and partition', async () => {
        const store = await open();
        await store.putHashes(PROJECT, TASK, PARTITION, [
          { sourceKey: 'ACC-1', hash: 'h1' },
          { sourceKey: 'ACC-2', hash: 'h2' },
        ]);
        await store.putHashes(PROJECT, TASK, 'demf', [{ sourceKey: 'ACC-1', hash: 'other-partition' }]);

        const hashes = await store.getHashes(PROJECT, TASK, PARTITION, ['ACC-1', 'ACC-2', 'ACC-3']);
        expect([...hashes.entries()].sort()).toEqual([
          ['ACC-1', 'h1'],
          ['ACC-2', 'h2'],
        ]);
        expect(await store.getHashes(PROJECT, 'contactsToContacts', PARTITION, ['ACC-1'])).toEqual(new Map());
        expect(await store.getHashes(PROJECT, TASK, PARTITION, [])).toEqual(new Map());
      });

      test('a new hash replaces the old one, and within one call the last entry for a key wins', async () => {
        const store = await open();
        await store.putHashes(PROJECT, TASK, PARTITION, [{ sourceKey: 'ACC-1', hash: 'old' }]);
        await store.putHashes(PROJECT, TASK, PARTITION, [
          { sourceKey: 'ACC-1', hash: 'first' },
          { sourceKey: 'ACC-2', hash: 'only' },
          { sourceKey: 'ACC-1', hash: 'last' },
        ]);
        await store.putHashes(PROJECT, TASK, PARTITION, []);
        const hashes = await store.getHashes(PROJECT, TASK, PARTITION, ['ACC-1', 'ACC-2']);
        expect(hashes.get('ACC-1')).toBe('last');
        expect(hashes.get('ACC-2')).toBe('only');
      });

      test(
        'large batches round-trip across chunk boundaries',
        async () => {
          const store = await open();
          const length = BULK_CHUNK_SIZE + 345;
          const entries = Array.from({ length }, (_, index) => ({ sourceKey: `K-${index}`, hash: `h-${index}` }));
          await store.putHashes(PROJECT, TASK, PARTITION, entries);
          const hashes = await store.getHashes(PROJECT, TASK, PARTITION, [
            ...entries.map((e) => e.sourceKey),
            'K-none',
          ]);
          expect(hashes.size).toBe(entries.length);
          expect(hashes.get('K-0')).toBe('h-0');
          expect(hashes.get(`K-${length - 1}`)).toBe(`h-${length - 1}`);
          expect(hashes.has('K-none')).toBe(false);
        },
        HEAVY_TEST_TIMEOUT_MS,
      );

      test(
        'two stores writing overlapping keys at once both succeed',
        async () => {
          const [first, second] = await Promise.all([open(), open()]);
          const batch = (label: string) =>
            Array.from({ length: 3_000 }, (_, index) => ({ sourceKey: `K-${index}`, hash: `${label}-${index}` }));
          await Promise.all([
            first.putHashes(PROJECT, TASK, PARTITION, batch('a')),
            second.putHashes(PROJECT, TASK, PARTITION, batch('b').reverse()),
          ]);
          const hashes = await first.getHashes(PROJECT, TASK, PARTITION, ['K-0', 'K-2999']);
          expect(hashes.get('K-0')).toMatch(/^[ab]-0$/);
          expect(hashes.get('K-2999')).toMatch(/^[ab]-2999$/);
        },
        HEAVY_TEST_TIMEOUT_MS,
      );

      test('bad entries are refused and nothing of the batch is written', async () => {
        const store = await open();
        await expect(
          store.putHashes(PROJECT, TASK, PARTITION, [
            { sourceKey: 'ACC-1', hash: 'h1' },
            { sourceKey: '', hash: 'h2' },
          ]),
        ).rejects.toThrow('putHashes: 1.sourceKey: sourceKey must be a non-empty string');
        await expect(store.getHashes(PROJECT, TASK, PARTITION, 'ACC-1' as unknown as string[])).rejects.toThrow(
          'getHashes: sourceKeys must be an array of strings',
        );
        expect(await store.getHashes(PROJECT, TASK, PARTITION, ['ACC-1'])).toEqual(new Map());
      });
    });

    describe('source ids', () => {
      const GUID = '2E451703-C686-E711-80E5-00155DB19E6D';
      test('map GUIDs (any case) to business and target keys, per project, task and partition', async () => {
        const store = await open();
        await store.putSourceIds(PROJECT, TASK, PARTITION, [
          { sourceId: GUID, sourceKey: 'ACC-1', targetKey: { dataAreaId: 'usmf', CustomerAccount: 'ACC-1' } },
          { sourceId: '00000000-0000-0000-0000-000000000002', sourceKey: 'ACC-2' },
        ]);
        await store.putSourceIds(PROJECT, TASK, 'demf', [{ sourceId: GUID, sourceKey: 'OTHER' }]);

        const found = await store.getSourceIds(PROJECT, TASK, PARTITION, [
          GUID.toLowerCase(),
          '00000000-0000-0000-0000-000000000002',
          '00000000-0000-0000-0000-000000000003',
        ]);
        expect(found.get(GUID.toLowerCase())).toEqual({
          sourceId: GUID.toLowerCase(),
          sourceKey: 'ACC-1',
          targetKey: { dataAreaId: 'usmf', CustomerAccount: 'ACC-1' },
        });
        expect(found.get('00000000-0000-0000-0000-000000000002')).toEqual({
          sourceId: '00000000-0000-0000-0000-000000000002',
          sourceKey: 'ACC-2',
        });
        expect(found.size).toBe(2);
        expect((await store.getSourceIds(PROJECT, TASK, 'demf', [GUID])).get(GUID.toLowerCase())?.sourceKey).toBe(
          'OTHER',
        );
        expect(await store.getSourceIds(PROJECT, 'contactPersons', PARTITION, [GUID])).toEqual(new Map());
      });

      test('a later entry for a GUID replaces the earlier one; bad entries are refused', async () => {
        const store = await open();
        await store.putSourceIds(PROJECT, TASK, PARTITION, [{ sourceId: GUID, sourceKey: 'ACC-OLD' }]);
        await store.putSourceIds(PROJECT, TASK, PARTITION, [{ sourceId: GUID, sourceKey: 'ACC-NEW' }]);
        expect((await store.getSourceIds(PROJECT, TASK, PARTITION, [GUID])).get(GUID.toLowerCase())?.sourceKey).toBe(
          'ACC-NEW',
        );
        await expect(store.putSourceIds(PROJECT, TASK, PARTITION, [{ sourceId: '', sourceKey: 'X' }])).rejects.toThrow(
          'putSourceIds: 0.sourceId: sourceId must be a non-empty string',
        );
      });

      test('sourceIdsNotSeenIn lists the recorded GUIDs a full re-read did not return', async () => {
        const store = await open();
        const id = (n: number) => `00000000-0000-0000-0000-00000000000${n}`;
        await store.putSourceIds(PROJECT, TASK, PARTITION, [
          { sourceId: id(1), sourceKey: 'ACC-1' },
          { sourceId: id(2), sourceKey: 'ACC-2', targetKey: { CustomerAccount: 'ACC-2' } },
          { sourceId: id(3), sourceKey: 'ACC-3', seenIn: 'read-0' },
        ]);
        await store.putSourceIds(PROJECT, TASK, 'demf', [{ sourceId: id(4), sourceKey: 'ACC-4' }]);
        await store.putSourceIds(PROJECT, TASK, PARTITION, [{ sourceId: id(1), sourceKey: 'ACC-1', seenIn: 'read-1' }]);

        const unseen = await store.sourceIdsNotSeenIn(PROJECT, TASK, PARTITION, 'read-1');
        expect(unseen).toEqual([
          { sourceId: id(2), sourceKey: 'ACC-2', targetKey: { CustomerAccount: 'ACC-2' } },
          { sourceId: id(3), sourceKey: 'ACC-3', seenIn: 'read-0' },
        ]);
        expect(await store.sourceIdsNotSeenIn(PROJECT, TASK, 'demf', 'read-1')).toHaveLength(1);
        await expect(store.sourceIdsNotSeenIn(PROJECT, TASK, PARTITION, '')).rejects.toThrow(
          'sourceIdsNotSeenIn: seenIn must not be empty',
        );
      });
    });

    describe('runs', () => {
      test('recordRun upserts by runId and getRun returns exactly what was recorded', async () => {
        const store = await open();
        expect(await store.getRun('r1')).toBeUndefined();
        await store.recordRun(run({ runId: 'r1', partition: PARTITION, counters: { read: 0 } }));
        const finished = run({
          runId: 'r1',
          partition: PARTITION,
          status: 'CompletedWithWarnings',
          endedAt: '2026-03-01T10:30:00+01:00',
          counters: { read: 1000, created: 990, failed: 10 },
          parentRunId: 'r0',
        });
        await store.recordRun(finished);

        expect(await store.getRun('r1')).toStrictEqual(finished);
        expect(await store.listRuns({})).toHaveLength(1);
      });

      test('a run keeps the reason it failed or was cancelled; a later record without one clears it', async () => {
        const store = await open();
        const failed = run({ runId: 'r1', status: 'Failed', reason: 'readPage: auth failed: token expired' });
        const cancelled = run({ runId: 'r2', status: 'Canceled', reason: 'cancelled' });
        await store.recordRun(failed);
        await store.recordRun(cancelled);

        expect(await store.getRun('r1')).toStrictEqual(failed);
        // Same start time: the later runId first.
        expect(await store.listRuns({})).toStrictEqual([cancelled, failed]);
        await store.recordRun(run({ runId: 'r1', status: 'Completed' }));
        expect(await store.getRun('r1')).toStrictEqual(run({ runId: 'r1', status: 'Completed' }));
      });

      test(`a reason longer than ${MAX_RUN_REASON_LENGTH} characters is cut without splitting a character`, async () => {
        const store = await open();
        const start = 'x'.repeat(MAX_RUN_REASON_LENGTH - 2);
        // The cut would fall between the two halves of the emoji.
        await store.recordRun(run({ runId: 'r1', status: 'Failed', reason: `${start}😀${'y'.repeat(100_000)}` }));
        const kept = (await store.getRun('r1'))?.reason;
        expect(kept).toBe(`${start}…`);
        expect(kept!.length).toBeLessThanOrEqual(MAX_RUN_REASON_LENGTH);

        const exact = 'z'.repeat(MAX_RUN_REASON_LENGTH);
        await store.recordRun(run({ runId: 'r2', status: 'Failed', reason: exact }));
        expect((await store.getRun('r2'))?.reason).toBe(exact);
      });

      test('listRuns returns the newest first by actual time, filtered and limited', async () => {
        const store = await open();
        await store.recordRun(run({ runId: 'a', startedAt: '2026-03-01T09:00:00Z' }));
        // 08:30 UTC: earlier than 'a' although its text sorts later.
        await store.recordRun(run({ runId: 'b', startedAt: '2026-03-01T10:30:00+02:00' }));
        await store.recordRun(run({ runId: 'c', startedAt: '2026-03-01T11:00:00Z', task: 'contactsToContacts' }));
        await store.recordRun(run({ runId: 'd', startedAt: '2026-03-01T12:00:00Z', project: 'fabrikam' }));

        const ids = (runs: RunRecord[]) => runs.map((r) => r.runId);
        expect(ids(await store.listRuns({}))).toEqual(['d', 'c', 'a', 'b']);
        expect(ids(await store.listRuns({ project: PROJECT }))).toEqual(['c', 'a', 'b']);
        expect(ids(await store.listRuns({ project: PROJECT, task: TASK }))).toEqual(['a', 'b']);
        expect(ids(await store.listRuns({ limit: 2 }))).toEqual(['d', 'c']);
      });

      test('listRuns finds the task runs of one project run', async () => {
        const store = await open();
        await store.recordRun(run({ runId: 'a', parentRunId: 'p2c/contoso/1' }));
        await store.recordRun(run({ runId: 'b', parentRunId: 'p2c/contoso/2', startedAt: '2026-03-01T11:00:00Z' }));
        await store.recordRun(run({ runId: 'c', parentRunId: 'p2c/contoso/1', startedAt: '2026-03-01T12:00:00Z' }));
        await store.recordRun(run({ runId: 'd' }));

        const ids = (runs: RunRecord[]) => runs.map((r) => r.runId);
        expect(ids(await store.listRuns({ parentRunId: 'p2c/contoso/1' }))).toEqual(['c', 'a']);
        expect(ids(await store.listRuns({ parentRunId: 'p2c/contoso/2', project: PROJECT }))).toEqual(['b']);
        expect(await store.listRuns({ parentRunId: 'p2c/contoso/3', limit: 1 })).toEqual([]);
      });

      test('listRunGroups returns the task runs of each project run, newest project run first, limited', async () => {
        const store = await open();
        const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();
        const child = (runId: string, parentRunId: string, minute: number, overrides: Partial<RunRecord> = {}) =>
          store.recordRun(run({ runId, parentRunId, startedAt: at(minute), ...overrides }));
        await child('old/products', 'p2c/contoso-p2c/1', 1);
        await child('old/accounts', 'p2c/contoso-p2c/1', 2);
        // Its last task started after the next run's first: a run is as new as its first task.
        await child('old/quotes', 'p2c/contoso-p2c/1', 30);
        await child('mid/accounts', 'p2c/contoso-p2c/2', 11, { status: 'Failed', reason: 'readPage: 401' });
        await child('mid/products', 'p2c/contoso-p2c/2', 10);
        await child('new/products', 'p2c/contoso-p2c/3', 20);
        // A continuous pass, another project's run and a run without a parent.
        await child('pass/accounts', 'p2c/contoso-p2c/accounts@usmf/continuous/1/pass-1', 40);
        await child('other/accounts', 'p2c/fabrikam/4', 50, { project: 'fabrikam' });
        await store.recordRun(run({ runId: 'alone', startedAt: at(60) }));

        const shape = (groups: RunGroup[]) => groups.map((g) => [g.parentRunId, g.runs.map((r) => r.runId)]);
        const prefix = 'p2c/contoso-p2c/';
        expect(shape(await store.listRunGroups({ project: PROJECT, parentRunIdPrefix: prefix }))).toEqual([
          ['p2c/contoso-p2c/3', ['new/products']],
          ['p2c/contoso-p2c/2', ['mid/products', 'mid/accounts']],
          ['p2c/contoso-p2c/1', ['old/products', 'old/accounts', 'old/quotes']],
        ]);
        const [latest] = await store.listRunGroups({ project: PROJECT, excludeParentRunIds: ['p2c/contoso-p2c/3'] });
        expect(latest.runs).toStrictEqual([
          run({
            runId: 'pass/accounts',
            parentRunId: 'p2c/contoso-p2c/accounts@usmf/continuous/1/pass-1',
            startedAt: at(40),
          }),
        ]);
        expect(
          shape(
            await store.listRunGroups({
              project: PROJECT,
              parentRunIdPrefix: prefix,
              excludeParentRunIds: ['p2c/contoso-p2c/3'],
              limit: 1,
            }),
          ),
        ).toEqual([['p2c/contoso-p2c/2', ['mid/products', 'mid/accounts']]]);
        expect((await store.listRunGroups({ project: PROJECT, parentRunIdPrefix: prefix }))[1].runs[1]).toStrictEqual(
          run({
            runId: 'mid/accounts',
            parentRunId: 'p2c/contoso-p2c/2',
            startedAt: at(11),
            status: 'Failed',
            reason: 'readPage: 401',
          }),
        );
        expect(await store.listRunGroups({ project: 'northwind', parentRunIdPrefix: 'p2c/northwind/' })).toEqual([]);
        await expect(store.listRunGroups({ project: PROJECT, limit: 0 })).rejects.toThrow(/listRunGroups: limit: /);
        await expect(store.listRunGroups({ project: '' })).rejects.toThrow(/listRunGroups: project: /);
      });

      test(
        `listRuns returns at most ${DEFAULT_RUN_LIST_LIMIT} runs unless asked for more`,
        async () => {
          const store = await open();
          for (let index = 0; index <= DEFAULT_RUN_LIST_LIMIT; index++) {
            await store.recordRun(
              run({ runId: `r-${index}`, startedAt: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString() }),
            );
          }
          const runs = await store.listRuns({});
          expect(runs).toHaveLength(DEFAULT_RUN_LIST_LIMIT);
          expect(runs[0].runId).toBe(`r-${DEFAULT_RUN_LIST_LIMIT}`);
          expect(await store.listRuns({ limit: DEFAULT_RUN_LIST_LIMIT + 1 })).toHaveLength(DEFAULT_RUN_LIST_LIMIT + 1);
        },
        HEAVY_TEST_TIMEOUT_MS,
      );

      test('bad runs and filters are refused with the field named', async () => {
        const store = await open();
        await expect(store.recordRun(run({ runId: 'r1', status: 'Done' as never }))).rejects.toThrow(
          /recordRun: status: /,
        );
        await expect(store.recordRun(run({ runId: 'r1', startedAt: '01/03/2026' }))).rejects.toThrow(
          'recordRun: startedAt: startedAt must be an ISO 8601 timestamp',
        );
        await expect(store.listRuns({ limit: 0 })).rejects.toThrow(/listRuns: limit: /);
        expect(await store.getRun('r1')).toBeUndefined();
      });
    });

    describe('failures', () => {
      test('are listed in the order first added, with every field kept', async () => {
        const store = await open();
        const first = failure('ACC-2', { field: 'CustomerGroupId', attempt: 1, retryable: false });
        const second = failure('ACC-1', { code: 'Throttled', retryable: true, attempt: 3 });
        const third = failure('CON-9', { task: 'contactsToContacts' });
        await store.addFailures('r1', [first, second]);
        await store.addFailures('r1', [third]);
        await store.addFailures('r2', [failure('ACC-7')]);

        expect(await store.listFailures('r1')).toStrictEqual([first, second, third]);
        expect(await store.listFailures('r1', { task: TASK })).toStrictEqual([first, second]);
        expect(await store.listFailures('r1', { sourceKey: 'ACC-1' })).toStrictEqual([second]);
        expect(await store.listFailures('r3')).toEqual([]);
      });

      test('can be narrowed to several tasks at once, keeping their order', async () => {
        const store = await open();
        const quote = failure('Q-1', { task: 'quotes' });
        const line = failure('Q-1', { task: 'quoteLines', code: 'missing-product' });
        const account = failure('ACC-1');
        const laterQuote = failure('Q-2', { task: 'quotes' });
        await store.addFailures('r1', [quote, account, line, laterQuote]);
        await store.addFailures('r2', [failure('Q-9', { task: 'quotes' })]);

        expect(await store.listFailures('r1', { tasks: ['quotes', 'quoteLines'] })).toStrictEqual([
          quote,
          line,
          laterQuote,
        ]);
        expect(await store.listFailures('r1', { tasks: [TASK, 'ordersToOrders'] })).toStrictEqual([account]);
        expect(await store.listFailures('r1', { tasks: ['quotes', 'quoteLines'], sourceKey: 'Q-1' })).toStrictEqual([
          quote,
          line,
        ]);
        expect(await store.listFailures('r1', { tasks: [] })).toEqual([]);
        await expect(store.listFailures('r1', { tasks: ['quotes', ''] })).rejects.toThrow(
          'listFailures: tasks.1: each task must not be empty',
        );
      });

      test('adding the same failure again replaces it in place instead of duplicating it', async () => {
        const store = await open();
        await store.addFailures('r1', [failure('ACC-1'), failure('ACC-2')]);
        const retried = failure('ACC-1', { message: 'still missing', attempt: 2, at: '2026-03-01T10:06:00Z' });
        await store.addFailures('r1', [retried, failure('ACC-2')]);
        // Same key twice in one call: the last one wins.
        await store.addFailures('r1', [failure('ACC-3', { message: 'first' }), failure('ACC-3', { message: 'last' })]);
        // A different code for the same row is a separate failure.
        await store.addFailures('r1', [failure('ACC-1', { code: 'Validation' })]);

        expect(await store.listFailures('r1')).toStrictEqual([
          retried,
          failure('ACC-2'),
          failure('ACC-3', { message: 'last' }),
          failure('ACC-1', { code: 'Validation' }),
        ]);
      });

      test(
        'ten thousand failures are stored in one call',
        async () => {
          const store = await open();
          const many = Array.from({ length: 10_000 }, (_, index) => failure(`ACC-${index}`));
          await store.addFailures('r1', many);
          const listed = await store.listFailures('r1');
          expect(listed).toHaveLength(10_000);
          expect(listed[9_999]).toStrictEqual(many[9_999]);
        },
        HEAVY_TEST_TIMEOUT_MS,
      );

      test(
        'two stores adding overlapping failures of one run at once both succeed',
        async () => {
          const [first, second] = await Promise.all([open(), open()]);
          const batch = Array.from({ length: 3_000 }, (_, index) => failure(`ACC-${index}`));
          await Promise.all([first.addFailures('r1', batch), second.addFailures('r1', [...batch].reverse())]);
          expect(await first.listFailures('r1')).toHaveLength(batch.length);
        },
        HEAVY_TEST_TIMEOUT_MS,
      );

      test('a digest counts them per task and code and keeps the first of each task, without listing them all', async () => {
        const store = await open();
        const products = [1, 2, 3].map((i) => failure(`PRD-${i}`, { task: 'products', code: 'no-price' }));
        await store.addFailures('r1', [failure('ACC-1'), products[0], failure('ACC-2', { code: 'bad-country' })]);
        await store.addFailures('r1', [products[1], failure('ACC-3'), products[2]]);
        await store.addFailures('r2', [failure('ACC-9')]);

        const digest = await store.failureDigest('r1', 2);
        expect(digest.total).toBe(6);
        expect(digest.counts).toEqual([
          { task: 'products', code: 'no-price', count: 3 },
          { task: TASK, code: 'MissingLookup', count: 2 },
          { task: TASK, code: 'bad-country', count: 1 },
        ]);
        expect(digest.first).toEqual([
          failure('ACC-1'),
          products[0],
          failure('ACC-2', { code: 'bad-country' }),
          products[1],
        ]);
        // The same as the digest of the whole list, without reading it.
        expect(digest).toEqual(digestFailures(await store.listFailures('r1'), 2));
        expect(await store.failureDigest('nothing-failed', 5)).toEqual({ total: 0, counts: [], first: [] });
        await expect(store.failureDigest('r1', 0)).rejects.toThrow('failureDigest: perTask must be at least 1');
      });

      test('bad failures are refused and none of the batch is stored', async () => {
        const store = await open();
        await expect(store.addFailures('r1', [failure('ACC-1'), failure('ACC-2', { code: '' })])).rejects.toThrow(
          'addFailures: 1.code: code must be a non-empty string',
        );
        await expect(store.addFailures('r1', [failure('ACC-1', { attempt: 0 })])).rejects.toThrow(
          'addFailures: 0.attempt: attempt must be a positive integer',
        );
        expect(await store.listFailures('r1')).toEqual([]);
      });
    });

    describe('warnings', () => {
      test('are listed in the order first added, narrowed like failures, and never listed as failures', async () => {
        const store = await open();
        const truncated = warning('ACC-2');
        const defaulted = warning('ACC-1', { field: 'address1_country', code: 'country-defaulted' });
        const noField = warning('Q-1', { task: 'quotes', field: undefined, code: 'missing-order' });
        await store.addWarnings('r1', [truncated, defaulted]);
        await store.addWarnings('r1', [noField]);
        await store.addWarnings('r2', [warning('ACC-7')]);
        await store.addFailures('r1', [failure('ACC-9')]);

        expect(await store.listWarnings('r1')).toStrictEqual([truncated, defaulted, noField]);
        expect(await store.listWarnings('r1', { task: TASK })).toStrictEqual([truncated, defaulted]);
        expect(await store.listWarnings('r1', { tasks: ['quotes'] })).toStrictEqual([noField]);
        expect(await store.listWarnings('r1', { sourceKey: 'ACC-1' })).toStrictEqual([defaulted]);
        expect(await store.listWarnings('r3')).toEqual([]);
        expect(await store.countWarnings('r1')).toBe(3);
        expect(await store.countWarnings('r1', { task: TASK })).toBe(2);
        expect(await store.countWarnings('r3')).toBe(0);
        expect(await store.listFailures('r1')).toStrictEqual([failure('ACC-9')]);
      });

      test('a repeat replaces the earlier entry in place; two columns of one row are two warnings', async () => {
        const store = await open();
        await store.addWarnings('r1', [warning('ACC-1'), warning('ACC-1', { field: 'description' })]);
        const repeated = warning('ACC-1', { message: 'retried', at: '2026-03-01T10:06:00Z' });
        const withoutField = warning('ACC-2', { field: undefined, code: 'missing-owner' });
        await store.addWarnings('r1', [repeated, withoutField, { ...withoutField, message: 'last' }]);
        await store.addWarnings('r1', [{ ...withoutField, message: 'again' }]);

        expect(await store.listWarnings('r1')).toStrictEqual([
          repeated,
          warning('ACC-1', { field: 'description' }),
          { ...withoutField, message: 'again' },
        ]);
      });

      test('bad warnings are refused and none of the batch is stored', async () => {
        const store = await open();
        await expect(store.addWarnings('r1', [warning('ACC-1'), warning('', {})])).rejects.toThrow(
          'addWarnings: 1.sourceKey: sourceKey must be a non-empty string',
        );
        await expect(store.addWarnings('', [warning('ACC-1')])).rejects.toThrow('addWarnings: runId must not be empty');
        expect(await store.listWarnings('r1')).toEqual([]);
      });
    });

    describe('record trace', () => {
      test('lists every run that touched a key, oldest first, and ignores repeats of a step', async () => {
        const store = await open();
        const read = traceEntry({ runId: 'r1', outcome: 'read', at: '2026-03-01T10:00:01Z' });
        const failed = traceEntry({
          runId: 'r1',
          outcome: 'failed',
          at: '2026-03-01T10:00:02Z',
          detail: 'MissingLookup',
        });
        const created = traceEntry({ runId: 'r2', outcome: 'created', at: '2026-03-02T10:00:00+01:00' });
        const unrelated = traceEntry({
          runId: 'r2',
          outcome: 'created',
          at: '2026-03-02T10:00:00Z',
          sourceKey: 'ACC-2',
        });
        await store.addTrace([created, unrelated]);
        await store.addTrace([read, failed]);
        await store.addTrace([read]);

        expect(await store.trace(TASK, 'ACC-1')).toStrictEqual([read, failed, created]);
        expect(await store.trace('contactsToContacts', 'ACC-1')).toEqual([]);
      });

      test('bad entries are refused', async () => {
        const store = await open();
        await expect(
          store.addTrace([traceEntry({ runId: 'r1', outcome: 'merged' as never, at: '2026-03-01T10:00:00Z' })]),
        ).rejects.toThrow(/addTrace: 0.outcome: /);
        expect(await store.trace(TASK, 'ACC-1')).toEqual([]);
      });
    });

    describe('page commits', () => {
      const cursorAt = (page: number) => ({
        cursor: `skiptoken=${page * 200}`,
        page,
        counters: {},
        updatedAt: `2026-03-01T10:0${page}:00Z`,
      });
      const traceOf = (sourceKey: string, page: number) =>
        traceEntry({ runId: 'r1', outcome: 'created', at: `2026-03-01T10:0${page}:00Z`, sourceKey });

      test("a page's failures, warnings and trace land with the cursor after it; an empty page moves the cursor", async () => {
        const store = await open();
        await store.commitPage('r1', TASK, PARTITION, {
          failures: [failure('ACC-2')],
          warnings: [warning('ACC-1')],
          trace: [traceOf('ACC-1', 1)],
          cursor: cursorAt(1),
        });
        expect(await store.listFailures('r1')).toEqual([failure('ACC-2')]);
        expect(await store.listWarnings('r1')).toEqual([warning('ACC-1')]);
        expect(await store.trace(TASK, 'ACC-1')).toStrictEqual([traceOf('ACC-1', 1)]);
        expect(await store.getCursor('r1', TASK, PARTITION)).toEqual(cursorAt(1));

        await store.commitPage('r1', TASK, PARTITION, { failures: [], warnings: [], trace: [], cursor: cursorAt(2) });
        expect(await store.getCursor('r1', TASK, PARTITION)).toEqual(cursorAt(2));
      });

      test('a bad part refuses the whole page: nothing of it is stored and the cursor stays', async () => {
        const store = await open();
        await store.commitPage('r1', TASK, PARTITION, { failures: [], warnings: [], trace: [], cursor: cursorAt(1) });
        await expect(
          store.commitPage('r1', TASK, PARTITION, {
            failures: [failure('ACC-3')],
            warnings: [],
            trace: [traceOf('ACC-3', 2)],
            cursor: { ...cursorAt(2), page: -2 },
          }),
        ).rejects.toThrow('commitPage: page: page must be a non-negative integer');
        expect(await store.listFailures('r1')).toEqual([]);
        expect(await store.trace(TASK, 'ACC-3')).toEqual([]);
        expect(await store.getCursor('r1', TASK, PARTITION)).toEqual(cursorAt(1));
      });

      test('the driver writes rows for several tables in one transaction: a row the database refuses undoes the rest', async () => {
        // What commitPage relies on. No page the store accepts fails in the database, so the driver is given one.
        const driver = await database.driver();
        try {
          const failureRow = {
            run_id: 'r1',
            task: TASK,
            source_key: 'ACC-3',
            code: 'MissingLookup',
            field: null,
            message: 'no customer group for ACC-3',
            attempt: null,
            retryable: null,
            at: '2026-03-01T10:02:00Z',
            at_ms: Date.parse('2026-03-01T10:02:00Z'),
          };
          const cursorRow = {
            run_id: 'r1',
            task: TASK,
            partition_key: PARTITION,
            cursor: 'skiptoken=400',
            page: null,
            counters: '{}',
            updated_at: '2026-03-01T10:02:00Z',
            updated_ms: Date.parse('2026-03-01T10:02:00Z'),
          };
          // Compared by message: better-sqlite3 raises its errors with the class of the first test file that loaded it
          // in this jest worker, which `rejects.toThrow` does not take for an error.
          const refusal = await driver
            .upsert([
              { table: RUN_FAILURES, rows: [failureRow] },
              { table: CURSORS, rows: [cursorRow] },
            ])
            .then(
              () => 'written',
              (error: { message?: string }) => String(error?.message),
            );
          expect(refusal).toMatch(/page/);
          const [{ count }] = await driver.query<{ count: number | string }>({
            sql: 'SELECT COUNT(*) AS count FROM run_failures',
            params: [],
          });
          expect(Number(count)).toBe(0);
        } finally {
          await driver.close();
        }
      });
    });

    describe('document snapshots', () => {
      const before = { header: { entitySet: 'SalesQuotationHeadersV2', key: { Q: 'Q-1' }, before: null }, lines: [] };
      const halfWritten = { ...before, header: { ...before.header, before: { Q: 'Q-1', Name: 'ours' } } };

      test('the first snapshot a saga run journals wins until it is released', async () => {
        const store = await open();
        expect(await store.journaledSnapshot('saga-1')).toBeUndefined();
        expect(await store.claimSnapshot('saga-1', before, '2026-03-01T10:00:00Z')).toEqual(before);
        // Re-planned after a crash, the saga offers the snapshot of its own half write; the journal keeps the first.
        expect(await store.claimSnapshot('saga-1', halfWritten, '2026-03-01T10:00:05Z')).toEqual(before);
        expect(await store.claimSnapshot('saga-2', halfWritten, '2026-03-01T10:00:05Z')).toEqual(halfWritten);
        expect(await store.journaledSnapshot('saga-1')).toEqual(before);

        await store.releaseSnapshot('saga-1');
        expect(await store.journaledSnapshot('saga-1')).toBeUndefined();
        expect(await store.journaledSnapshot('saga-2')).toEqual(halfWritten);
        expect(await store.claimSnapshot('saga-1', halfWritten, '2026-03-01T10:01:00Z')).toEqual(halfWritten);
      });

      test('a written document records its hash and trace entry and releases its snapshot together', async () => {
        const store = await open();
        await store.claimSnapshot('saga-1', before, '2026-03-01T10:00:00Z');
        await store.claimSnapshot('saga-2', before, '2026-03-01T10:00:00Z');
        const created = traceEntry({ runId: 'r1', outcome: 'created', at: '2026-03-01T10:00:01Z' });
        await store.documentWritten({
          project: PROJECT,
          task: TASK,
          partition: PARTITION,
          hash: { sourceKey: 'ACC-1', hash: 'h1' },
          trace: created,
          sagaRunId: 'saga-1',
        });
        expect((await store.getHashes(PROJECT, TASK, PARTITION, ['ACC-1'])).get('ACC-1')).toBe('h1');
        expect(await store.trace(TASK, 'ACC-1')).toStrictEqual([created]);
        expect(await store.journaledSnapshot('saga-1')).toBeUndefined();
        expect(await store.journaledSnapshot('saga-2')).toEqual(before);
      });

      test("a written document's warnings are stored under its trace entry's run", async () => {
        const store = await open();
        const created = traceEntry({ runId: 'r1', outcome: 'created', at: '2026-03-01T10:00:01Z' });
        const header = warning('Q-1', { task: 'quotes', field: 'description' });
        const line = warning('Q-1', { task: 'quoteLines', message: 'line Q-1/1: name truncated' });
        await store.documentWritten({
          project: PROJECT,
          task: TASK,
          partition: PARTITION,
          hash: { sourceKey: 'Q-1', hash: 'h1' },
          trace: created,
          warnings: [header, line],
        });
        expect(await store.listWarnings('r1')).toStrictEqual([header, line]);
        expect(await store.listFailures('r1')).toEqual([]);
      });

      test('bad input is refused and nothing of the document is recorded', async () => {
        const store = await open();
        await expect(store.claimSnapshot('', before, '2026-03-01T10:00:00Z')).rejects.toThrow(
          'claimSnapshot: sagaRunId must not be empty',
        );
        await expect(store.claimSnapshot('saga-1', undefined, '2026-03-01T10:00:00Z')).rejects.toThrow(
          'claimSnapshot: snapshot must be given',
        );
        await expect(store.claimSnapshot('saga-1', before, 'yesterday')).rejects.toThrow(
          /claimSnapshot: at must be an ISO 8601 timestamp/,
        );
        await expect(
          store.documentWritten({
            project: PROJECT,
            task: TASK,
            partition: PARTITION,
            hash: { sourceKey: 'ACC-1', hash: '' },
            trace: traceEntry({ runId: 'r1', outcome: 'created', at: '2026-03-01T10:00:01Z' }),
          }),
        ).rejects.toThrow(/documentWritten: hash: hash must be a non-empty string/);
        await expect(
          store.documentWritten({
            project: PROJECT,
            task: TASK,
            partition: PARTITION,
            hash: { sourceKey: 'ACC-1', hash: 'h1' },
            trace: traceEntry({ runId: 'r1', outcome: 'created', at: '2026-03-01T10:00:01Z' }),
            warnings: [warning('ACC-1', { code: '' })],
          }),
        ).rejects.toThrow(/documentWritten: 0.code: code must be a non-empty string/);
        expect(await store.trace(TASK, 'ACC-1')).toEqual([]);
        expect(await store.listWarnings('r1')).toEqual([]);
        expect(await store.journaledSnapshot('saga-1')).toBeUndefined();
      });
    });

    describe('purge', () => {
      test('removes history older than the cut-off and keeps newer history, watermarks and hashes', async () => {
        const store = await open();
        const cutoff = new Date('2026-03-01T00:00:00Z');
        await store.recordRun(
          run({ runId: 'old', startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T01:00:00Z', status: 'Failed' }),
        );
        await store.recordRun(run({ runId: 'abandoned', startedAt: '2026-01-02T00:00:00Z' }));
        // Started before the cut-off but ended after it: still inside the retention window.
        await store.recordRun(
          run({
            runId: 'recent',
            startedAt: '2026-02-28T23:00:00Z',
            endedAt: '2026-03-01T01:00:00Z',
            status: 'Completed',
          }),
        );
        await store.addFailures('old', [failure('ACC-1'), failure('ACC-2', { at: '2026-03-05T00:00:00Z' })]);
        await store.addFailures('recent', [failure('ACC-3', { at: '2026-03-01T00:30:00Z' })]);
        await store.addWarnings('old', [warning('ACC-1', { at: '2026-03-05T00:00:00Z' })]);
        await store.addWarnings('recent', [
          warning('ACC-3', { at: '2026-02-28T23:30:00Z' }),
          warning('ACC-4', { at: '2026-03-01T00:30:00Z' }),
        ]);
        await store.addTrace([
          traceEntry({ runId: 'old', outcome: 'read', at: '2026-01-01T00:10:00Z' }),
          traceEntry({ runId: 'recent', outcome: 'read', at: '2026-02-28T23:10:00Z' }),
          traceEntry({ runId: 'recent', outcome: 'updated', at: '2026-03-01T00:10:00Z' }),
        ]);
        await store.saveCursor('abandoned', TASK, PARTITION, {
          page: 4,
          counters: {},
          updatedAt: '2026-01-02T00:10:00Z',
        });
        await store.saveCursor('recent', TASK, PARTITION, { page: 1, counters: {}, updatedAt: '2026-03-01T00:20:00Z' });
        await store.commitWatermark(PROJECT, TASK, PARTITION, { kind: 'none' }, 'old');
        await store.putHashes(PROJECT, TASK, PARTITION, [{ sourceKey: 'ACC-1', hash: 'h1' }]);
        await store.claimSnapshot('abandoned-saga', { header: {}, lines: [] }, '2026-01-02T00:10:00Z');
        await store.claimSnapshot('recent-saga', { header: {}, lines: [] }, '2026-03-01T00:20:00Z');

        expect(await store.purge(cutoff)).toEqual({ runs: 2, failures: 2, warnings: 2, traces: 2, snapshots: 1 });

        expect((await store.listRuns({})).map((r) => r.runId)).toEqual(['recent']);
        expect(await store.listFailures('old')).toEqual([]);
        expect(await store.listFailures('recent')).toHaveLength(1);
        expect(await store.listWarnings('old')).toEqual([]);
        expect((await store.listWarnings('recent')).map((w) => w.sourceKey)).toEqual(['ACC-4']);
        expect((await store.trace(TASK, 'ACC-1')).map((t) => t.outcome)).toEqual(['updated']);
        expect(await store.getCursor('abandoned', TASK, PARTITION)).toBeUndefined();
        expect(await store.getCursor('recent', TASK, PARTITION)).toBeDefined();
        expect(await store.getWatermark(PROJECT, TASK, PARTITION)).toEqual({ kind: 'none' });
        expect((await store.getHashes(PROJECT, TASK, PARTITION, ['ACC-1'])).get('ACC-1')).toBe('h1');

        expect(await store.journaledSnapshot('abandoned-saga')).toBeUndefined();
        expect(await store.journaledSnapshot('recent-saga')).toBeDefined();

        expect(await store.purge(cutoff)).toEqual({ runs: 0, failures: 0, warnings: 0, traces: 0, snapshots: 0 });
      });

      test('refuses an invalid date', async () => {
        const store = await open();
        await expect(store.purge(new Date('not a date'))).rejects.toThrow('purge: olderThan must be a valid Date');
      });
    });

    test('a closed store refuses further calls', async () => {
      const store = await open();
      await store.close();
      await expect(store.getRun('r1')).rejects.toThrow('getRun: the checkpoint store is closed');
      await expect(store.putHashes(PROJECT, TASK, PARTITION, [])).rejects.toThrow(
        'putHashes: the checkpoint store is closed',
      );
      await store.close();
    });
  });
}
