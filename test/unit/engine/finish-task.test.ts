/** What finishTask records in the checkpoint store about a task that ended: its status and why it ended so. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSyncActivities, type FinishTaskInput } from '../../../activities/sync';
import { openCheckpointStore, type CheckpointStore } from '../../../common/checkpoint-store';
import { CANCELLED_REASON, emptyCounters, type TaskOutcome, type TaskRef } from '../../../common/sync-types';

const PROJECT_RUN = 'p2c/finish/20261125T091500.000Z';
const ref: TaskRef = {
  project: 'finish',
  task: 'accounts',
  partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
  runId: PROJECT_RUN,
};

describe('finishTask', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-finish-task-'));
  let store: CheckpointStore;
  let finishTask: (input: FinishTaskInput) => Promise<void>;

  beforeAll(async () => {
    store = await openCheckpointStore({ kind: 'sqlite', file: path.join(tmp, 'checkpoints.sqlite') });
    ({ finishTask } = createSyncActivities({ store, dataverse: {} as never, fno: {} as never }));
  });
  afterAll(async () => {
    await store.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const finish = async (task: string, outcome: TaskOutcome, reason?: string) => {
    const workflowId = `${PROJECT_RUN}/${task}`;
    await new MockActivityEnvironment().run(finishTask, {
      ref,
      task,
      workflowId,
      outcome,
      counters: emptyCounters(),
      startedAt: '2026-11-25T09:15:00.000Z',
      endedAt: '2026-11-25T09:15:04.000Z',
      reason,
    });
    const run = await store.getRun(workflowId);
    return { status: run?.status, reason: run?.reason };
  };

  test('a cancelled task is recorded as Canceled, with the cancellation as its reason', async () => {
    expect(await finish('accounts', 'Failed', CANCELLED_REASON)).toEqual({
      status: 'Canceled',
      reason: CANCELLED_REASON,
    });
  });

  test('a failed task is recorded as Failed with the reason it failed', async () => {
    expect(await finish('contacts', 'Failed', 'readPage: auth failed: AADSTS7000215 invalid client secret')).toEqual({
      status: 'Failed',
      reason: 'readPage: auth failed: AADSTS7000215 invalid client secret',
    });
  });

  test('a skipped task is recorded as Failed; a completed one has no reason', async () => {
    expect(await finish('quoteHeaders', 'Skipped', 'prerequisite accounts failed')).toEqual({
      status: 'Failed',
      reason: 'prerequisite accounts failed',
    });
    expect(await finish('products', 'CompletedWithWarnings')).toEqual({
      status: 'CompletedWithWarnings',
      reason: undefined,
    });
  });
});
