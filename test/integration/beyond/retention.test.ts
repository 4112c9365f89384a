/** The run-end purge: execution history older than the retention period goes, anything younger stays. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createRunEndActivities } from '../../../activities/alerts';
import { DEFAULT_RETENTION_DAYS, openCheckpointStore, type CheckpointStore } from '../../../common/checkpoint-store';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-11-25T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS).toISOString();

async function seedRun(store: CheckpointStore, runId: string, age: number): Promise<void> {
  await store.recordRun({
    runId,
    workflowId: runId,
    project: 'demo',
    task: 'accounts',
    status: 'CompletedWithWarnings',
    startedAt: daysAgo(age),
    endedAt: daysAgo(age),
    counters: { failed: 1 },
  });
  await store.addFailures(runId, [
    { task: 'accounts', sourceKey: `ACC-${age}`, code: 'value-too-long', message: 'name too long', at: daysAgo(age) },
  ]);
  await store.addWarnings(runId, [
    { task: 'accounts', sourceKey: `ACC-W-${age}`, code: 'value-truncated', message: 'name cut', at: daysAgo(age) },
  ]);
  await store.addTrace([
    { runId, workflowId: runId, task: 'accounts', sourceKey: `ACC-${age}`, outcome: 'failed', at: daysAgo(age) },
  ]);
  // A document saga's journaled snapshot whose saga never came back for it.
  await store.claimSnapshot(`${runId}/saga`, { header: {}, lines: [] }, daysAgo(age));
}

describe('purgeHistory', () => {
  let dir: string;
  let store: CheckpointStore;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-retention-'));
    store = await openCheckpointStore({ kind: 'sqlite', file: path.join(dir, 'store.sqlite') });
    await seedRun(store, 'p2c/demo/old', DEFAULT_RETENTION_DAYS + 10);
    await seedRun(store, 'p2c/demo/young', DEFAULT_RETENTION_DAYS - 1);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const purge = (retentionDays: number) => {
    const { purgeHistory } = createRunEndActivities({ store, runEnd: { alerts: {}, retentionDays }, now: () => NOW });
    return new MockActivityEnvironment().run(purgeHistory);
  };

  test('the default keeps 90 days: the older run goes with its failures, warnings and trace, the younger one stays whole', async () => {
    await expect(purge(DEFAULT_RETENTION_DAYS)).resolves.toEqual({
      runs: 1,
      failures: 1,
      warnings: 1,
      traces: 1,
      snapshots: 1,
    });
    expect(await store.getRun('p2c/demo/old')).toBeUndefined();
    expect(await store.journaledSnapshot('p2c/demo/old/saga')).toBeUndefined();
    expect(await store.journaledSnapshot('p2c/demo/young/saga')).toBeDefined();
    expect(await store.listFailures('p2c/demo/old')).toEqual([]);
    expect(await store.listWarnings('p2c/demo/old')).toEqual([]);
    expect(await store.listWarnings('p2c/demo/young')).toHaveLength(1);
    expect(await store.trace('accounts', `ACC-${DEFAULT_RETENTION_DAYS + 10}`)).toEqual([]);
    expect(await store.getRun('p2c/demo/young')).toBeDefined();
    expect(await store.listFailures('p2c/demo/young')).toHaveLength(1);
    expect(await store.trace('accounts', `ACC-${DEFAULT_RETENTION_DAYS - 1}`)).toHaveLength(1);
  });

  test('a longer retention keeps both', async () => {
    await expect(purge(DEFAULT_RETENTION_DAYS + 30)).resolves.toEqual({
      runs: 0,
      failures: 0,
      warnings: 0,
      traces: 0,
      snapshots: 0,
    });
    expect(await store.listFailures('p2c/demo/old')).toHaveLength(1);
    expect(await store.listWarnings('p2c/demo/old')).toHaveLength(1);
  });
});
