/**
 * A page with several source records for one target key (spec §8: non-unique account numbers), through the page
 * activity to the F&O emulator: the first record is written, the others are failures, and the row hashes are
 * those of what was written, so the next run finds the written row unchanged and fails the others again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { recordSourceIds } from '../../../activities/deletes';
import { createSyncActivities, type TransformAndWritePageInput } from '../../../activities/sync';
import { connectionToEmulators } from '../../../client/local-stack';
import { openCheckpointStore, type CheckpointStore } from '../../../common/checkpoint-store';
import type { TaskRef } from '../../../common/sync-types';
import { startEmulators, type Emulators } from '../../../emulators';
import { createLookupIndex, rowHash, templates, transform } from '../../../mappings';
import { createClients, type Clients } from '../../../worker/connections';
import { account, PARTITION } from '../mappings/fixtures';

const task = templates.accounts;
const accountId = (n: number) => `6f1c2a10-0000-0000-0000-00000000020${n}`;
const page = [
  { ...account, accountid: accountId(1), accountnumber: 'ACC-DUP-1', name: 'First' },
  { ...account, accountid: accountId(2), accountnumber: 'ACC-DUP-1', name: 'Second' },
  { ...account, accountid: accountId(3), accountnumber: 'acc-dup-1', name: 'Third' },
];

describe('a page with one account number on several accounts', () => {
  let emulators: Emulators;
  let clients: Clients;
  let store: CheckpointStore;
  let activities: ReturnType<typeof createSyncActivities>;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-duplicate-keys-'));
  const refOf = (runId: string): TaskRef => ({
    project: 'duplicate-keys',
    task: task.name,
    partition: PARTITION,
    runId,
  });

  beforeAll(async () => {
    emulators = await startEmulators({ seed: { accounts: 0, contacts: 0, products: 0, quotes: 0, orders: 0 } });
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

  const syncPage = (runId: string) => {
    const input: TransformAndWritePageInput = {
      ref: refOf(runId),
      task,
      workflowId: `duplicate-keys/${runId}`,
      rows: page,
      lookups: {},
      failures: [],
      cursorAfter: { page: 1, pageSize: page.length, done: true },
    };
    return new MockActivityEnvironment().run(activities.transformAndWritePage, input);
  };

  test('writes the first account, fails the others, and keeps the hash of what it wrote', async () => {
    const first = await syncPage('run-1');
    // Counters count source keys: the written row shares "ACC-DUP-1" with a failed one, and a key counts once, by
    // its worst outcome.
    expect(first).toMatchObject({ created: 0, updated: 0, unchanged: 0, failed: 2, filtered: 0 });
    const customer = await clients.fno.getByKey(task.target.entitySet, {
      dataAreaId: PARTITION.dataAreaId,
      CustomerAccount: 'ACC-DUP-1',
    });
    expect(customer).toMatchObject({ CustomerAccount: 'ACC-DUP-1', OrganizationName: 'First' });
    const failures = await store.listFailures('run-1');
    expect(failures.map((f) => [f.sourceKey, f.code])).toEqual([
      ['ACC-DUP-1', 'duplicate-business-key'],
      ['acc-dup-1', 'duplicate-business-key'],
    ]);

    const [written] = transform(task, [page[0]], { partition: PARTITION, lookups: createLookupIndex({}) }).rows;
    const hashes = await store.getHashes('duplicate-keys', task.name, PARTITION.dataAreaId, ['ACC-DUP-1', 'acc-dup-1']);
    expect([...hashes]).toEqual([['ACC-DUP-1', rowHash(written)]]);

    // The same page again: the written account is unchanged, the duplicates fail again until the data is fixed.
    const again = await syncPage('run-2');
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 0, failed: 2 });
    const trace = await store.trace(task.name, 'ACC-DUP-1');
    expect(trace.filter((entry) => entry.runId === 'run-2').map((entry) => entry.outcome)).toEqual(
      expect.arrayContaining(['unchanged', 'failed']),
    );
  });

  test('records the customer key for the account written only, so deleting a duplicate removes nothing', async () => {
    const ref = refOf('run-ids');
    await recordSourceIds(store, ref, PARTITION.dataAreaId, task, page, {});
    const ids = await store.getSourceIds(
      'duplicate-keys',
      task.name,
      PARTITION.dataAreaId,
      page.map((r) => r.accountid),
    );
    const customerKey = { dataAreaId: PARTITION.dataAreaId, CustomerAccount: 'ACC-DUP-1' };
    expect(ids.get(accountId(1))).toMatchObject({ sourceKey: 'ACC-DUP-1', targetKey: customerKey });
    expect(ids.get(accountId(2))?.sourceKey).toBe('ACC-DUP-1');
    expect(ids.get(accountId(2))?.targetKey).toBeUndefined();
    expect(ids.get(accountId(3))?.targetKey).toBeUndefined();
  });

  test('gives the key to the written account when an earlier one with its number is filtered out', async () => {
    const ref = refOf('run-ids-filtered');
    // An account of another business unit is outside this partition's filter; the one after it is written.
    const elsewhere = { ...page[0], accountid: accountId(4), owningbusinessunit: { name: 'Another unit' } };
    const active = { ...page[1], accountid: accountId(5) };
    expect(transform(task, [elsewhere], { partition: PARTITION, lookups: createLookupIndex({}) }).filtered).toBe(1);
    await recordSourceIds(store, ref, PARTITION.dataAreaId, task, [elsewhere, active], {});
    const ids = await store.getSourceIds('duplicate-keys', task.name, PARTITION.dataAreaId, [
      accountId(4),
      accountId(5),
    ]);
    expect(ids.get(accountId(4))?.targetKey).toBeUndefined();
    expect(ids.get(accountId(5))?.targetKey).toEqual({
      dataAreaId: PARTITION.dataAreaId,
      CustomerAccount: 'ACC-DUP-1',
    });
  });
});
