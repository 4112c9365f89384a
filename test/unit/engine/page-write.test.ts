/**
 * The page write (writePage) against the F&O emulator: rows the checkpoint store has no hash for are POSTed first,
 * so a new row costs one batch operation instead of a PATCH that misses and a POST; rows written before are PATCHed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSyncActivities, type WritePageInput } from '../../../activities/sync';
import { connectionToEmulators } from '../../../client/local-stack';
import { openCheckpointStore, type CheckpointStore } from '../../../common/checkpoint-store';
import type { PageWritten, TaskRef } from '../../../common/sync-types';
import type { TargetRow } from '../../../common/types';
import { startEmulators, type Emulators } from '../../../emulators';
import { templates } from '../../../mappings';
import { createClients, type Clients } from '../../../worker/connections';

const DATA_AREA = 'usmf';
const CUSTOMERS = 'CustomersV3';
const PAGE_ROWS = 20;
const CHANGED_ROWS = 5;

describe('writePage to F&O', () => {
  let emulators: Emulators;
  let clients: Clients;
  let store: CheckpointStore;
  let activities: ReturnType<typeof createSyncActivities>;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-page-write-'));
  const ref: TaskRef = {
    project: 'page-write',
    task: templates.accounts.name,
    partition: { dataAreaId: DATA_AREA, businessUnit: 'USMF' },
    runId: 'run-1',
  };

  beforeAll(async () => {
    emulators = await startEmulators({ seed: { accounts: 4, contacts: 0, products: 0, quotes: 0, orders: 0 } });
    clients = createClients(connectionToEmulators(emulators.connection));
    store = await openCheckpointStore({ kind: 'sqlite', file: path.join(tmp, 'checkpoints.sqlite') });
    activities = createSyncActivities({ ...clients, store });
  });
  afterAll(async () => {
    await store?.close();
    await clients?.close();
    await emulators?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const customer = (account: string, name: string): TargetRow => {
    const key = { dataAreaId: DATA_AREA, CustomerAccount: account };
    return {
      sourceKey: `account/${account}`,
      entitySet: CUSTOMERS,
      key,
      fields: { ...key, OrganizationName: name, CustomerGroupId: '10', SalesCurrencyCode: 'USD' },
    };
  };

  /** The page's outcome and what it cost F&O: requests and the operations inside their batches. */
  const writePage = async (
    rows: TargetRow[],
    page: number,
    info?: ConstructorParameters<typeof MockActivityEnvironment>[0],
  ) => {
    const input: WritePageInput = {
      ref,
      task: templates.accounts,
      workflowId: 'page-write/accounts',
      rows,
      failures: [],
      cursorAfter: { page, pageSize: PAGE_ROWS, done: false },
    };
    const before = emulators.fno.stats();
    const written: PageWritten = await new MockActivityEnvironment(info).run(activities.writePage, input);
    const after = emulators.fno.stats();
    return {
      counts: {
        created: written.created,
        updated: written.updated,
        unchanged: written.unchanged,
        failed: written.failed,
      },
      requests: after.requests - before.requests,
      operations: after.batchOperations - before.batchOperations,
    };
  };

  test('a new row costs one batch operation, a changed row one PATCH, an unchanged row none', async () => {
    const rows = Array.from({ length: PAGE_ROWS }, (_, i) => customer(`PW-${String(i).padStart(4, '0')}`, `New ${i}`));
    const first = await writePage(rows, 1);
    expect(first).toEqual({
      counts: { created: PAGE_ROWS, updated: 0, unchanged: 0, failed: 0 },
      requests: 1,
      operations: PAGE_ROWS,
    });

    const changed = rows.map((row, i) =>
      i < CHANGED_ROWS ? { ...row, fields: { ...row.fields, OrganizationName: `Changed ${i}` } } : row,
    );
    const second = await writePage(changed, 2);
    expect(second).toEqual({
      counts: { created: 0, updated: CHANGED_ROWS, unchanged: PAGE_ROWS - CHANGED_ROWS, failed: 0 },
      requests: 1,
      operations: CHANGED_ROWS,
    });
    for (const row of changed.slice(0, CHANGED_ROWS + 1)) {
      expect(await clients.fno.getByKey(CUSTOMERS, row.key)).toMatchObject({
        OrganizationName: row.fields.OrganizationName,
      });
    }
  });

  test('a row with no recorded hash that F&O already holds falls back to PATCH and counts as updated', async () => {
    // Written by someone else (another project or a hand-made customer): F&O has it, this task's store does not.
    const elsewhere = customer('PW-ELSEWHERE', 'Made elsewhere');
    await clients.fno.upsertBatch([elsewhere], { continueOnError: true });
    const synced = { ...elsewhere, fields: { ...elsewhere.fields, OrganizationName: 'Now synced' } };
    const fresh = ['PW-NEW-1', 'PW-NEW-2', 'PW-NEW-3'].map((account) => customer(account, `New ${account}`));
    const result = await writePage([synced, ...fresh], 3);
    // The new rows one POST each; the row already there a POST that finds it, then a PATCH in a second request.
    expect(result).toEqual({
      counts: { created: fresh.length, updated: 1, unchanged: 0, failed: 0 },
      requests: 2,
      operations: fresh.length + 2,
    });
    expect(await clients.fno.getByKey(CUSTOMERS, synced.key)).toMatchObject({ OrganizationName: 'Now synced' });
  });

  describe('a row F&O keeps refusing with a transient error', () => {
    const policy = { maximumAttempts: 12 };
    afterEach(() => emulators.fno.faults.reset());

    test('fails the attempt while retries are left, keeping the rows that were written', async () => {
      const rows = ['PW-T-1', 'PW-T-2', 'PW-T-3'].map((account) => customer(account, `Transient ${account}`));
      emulators.fno.faults.configure({ failWritesForKeys: ['PW-T-2'], failWritesForKeysStatus: 503 });
      await expect(writePage(rows, 4, { attempt: 3, retryPolicy: policy })).rejects.toThrow(/HTTP 503/);
      const held = await Promise.all(rows.map((row) => clients.fno.getByKey(CUSTOMERS, row.key)));
      expect(held.map((row) => row?.CustomerAccount)).toEqual(['PW-T-1', undefined, 'PW-T-3']);
      expect(await store.listFailures(ref.runId)).toEqual([]);
    });

    test("on the last attempt becomes that row's failure, and the rest of the page is written", async () => {
      const rows = ['PW-L-1', 'PW-L-2', 'PW-L-3'].map((account) => customer(account, `Last ${account}`));
      emulators.fno.faults.configure({ failWritesForKeys: ['PW-L-2'], failWritesForKeysStatus: 503 });
      const result = await writePage(rows, 5, { attempt: 12, retryPolicy: policy });
      expect(result.counts).toEqual({ created: rows.length - 1, updated: 0, unchanged: 0, failed: 1 });
      const failures = await store.listFailures(ref.runId);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ task: templates.accounts.name, sourceKey: 'account/PW-L-2', attempt: 12 });
      expect(failures[0].message).toMatch(/HTTP 503.*\(still failing after 12 attempts\)$/);
    });
  });
});
