/**
 * What cancelling does to a project run and its tasks, and what pausing does to a task that continues as new, on the
 * shared dev server with a real worker and in-memory activities that hold a page until the test lets it go.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { SyncActivities } from '../../../activities';
import { createSyncActivities } from '../../../activities/sync';
import { openCheckpointStore, type CheckpointStore } from '../../../common/checkpoint-store';
import { CANCELLED_REASON, DEFAULT_SYNC_SETTINGS, type PageRead } from '../../../common/sync-types';
import { workflowBundle } from '../../../worker/bundle';
import { entitySync, pauseSignal, progressQuery, prospectToCash, resumeSignal } from '../../../workflows';
import { CANCELED_OUTCOME_SHOWN } from '../../../workflows/entitySync';
import { CANCELLED_TASK_REASON, type ProspectToCashInput } from '../../../workflows/prospectToCash';
import { OUTCOME_ATTRIBUTE } from '../../../workflows/search-attributes';
import { patchesOf } from '../../support/history';
import { devServerEnv, uniqueQueue } from '../../support/temporal';
import { idTask as task } from '../../support/page-activities';

type Activities = Pick<
  SyncActivities,
  'beginTask' | 'readPage' | 'transformAndWritePage' | 'finishTask' | 'sendRunAlert' | 'purgeHistory'
>;

interface Recorded {
  readPage: Array<Parameters<Activities['readPage']>[0]>;
  beginTask: Array<Parameters<Activities['beginTask']>[0]>;
  finishTask: Array<Parameters<Activities['finishTask']>[0]>;
  transformAndWritePage: number;
  sendRunAlert: number;
  purgeHistory: number;
}

interface Fake {
  pages: number;
  /** Reads (or writes) wait for this before they return. */
  readGate?: Promise<void>;
  writeGate?: Promise<void>;
}

/** In-memory reads and writes; a task's end is recorded by the real finishTask in a real checkpoint store. */
function fakeActivities(fake: Fake, calls: Recorded, store: CheckpointStore): Activities {
  const { finishTask } = createSyncActivities({ store, dataverse: {} as never, fno: {} as never });
  return {
    async beginTask(input) {
      calls.beginTask.push(input);
      return { pendingWatermark: { kind: 'none' } };
    },
    async readPage(input): Promise<PageRead> {
      calls.readPage.push(input);
      if (fake.readGate) await fake.readGate;
      const page = input.cursor ? Number(input.cursor) : 0;
      const rows = [{ id: `ROW-${page}` }];
      const next = page + 1 < fake.pages ? String(page + 1) : undefined;
      return { rows, next, lookups: {}, deleted: [], failures: [], bytes: 20 };
    },
    async transformAndWritePage() {
      if (fake.writeGate) await fake.writeGate;
      calls.transformAndWritePage++;
      return { filtered: 0, created: 1, updated: 0, unchanged: 0, failed: 0, failures: [] };
    },
    async finishTask(input) {
      calls.finishTask.push(input);
      await finishTask(input);
    },
    async sendRunAlert() {
      calls.sendRunAlert++;
      return { sent: false, channels: [], reasons: [] };
    },
    async purgeHistory() {
      calls.purgeHistory++;
      return { taskRuns: 0, failures: 0, documents: 0 } as unknown as Awaited<ReturnType<Activities['purgeHistory']>>;
    },
  };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cancelling and pausing runs (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let store: CheckpointStore;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-cancellation-'));
  beforeAll(async () => {
    env = await devServerEnv();
    store = await openCheckpointStore({ kind: 'sqlite', file: path.join(tmp, 'checkpoints.sqlite') });
  });
  afterAll(async () => {
    await store?.close();
    await env?.teardown();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function emptyCalls(): Recorded {
    return { readPage: [], beginTask: [], finishTask: [], transformAndWritePage: 0, sendRunAlert: 0, purgeHistory: 0 };
  }

  async function withWorker<T>(fake: Fake, calls: Recorded, body: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueQueue('cancel');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: fakeActivities(fake, calls, store),
    });
    return worker.runUntil(body(taskQueue));
  }

  /** A full project run of these tasks in usmf, writing one page at a time. */
  function startProjectRun(
    taskQueue: string,
    workflowId: string,
    { project, tasks, runTime }: Pick<ProspectToCashInput, 'project' | 'tasks' | 'runTime'>,
  ) {
    return env.client.workflow.start(prospectToCash, {
      taskQueue,
      workflowId,
      args: [
        {
          project,
          tasks,
          partitions: [{ dataAreaId: 'usmf', businessUnit: 'USMF' }],
          mode: 'full',
          settings: { ...DEFAULT_SYNC_SETTINGS, writeConcurrency: 1 },
          runTime,
        },
      ],
    });
  }

  test('a cancelled project run ends cancelled, its running task is cancelled and no dependent task starts', async () => {
    const read = gate();
    const calls = emptyCalls();
    const runTime = `${Date.now()}`;
    const projectRunId = uniqueQueue('p2c-cancel');
    const outcome = await withWorker({ pages: 1, readGate: read.promise }, calls, async (taskQueue) => {
      const handle = await startProjectRun(taskQueue, projectRunId, {
        project: 'cancel',
        tasks: [task('accounts'), task('contactPersons', ['accounts'])],
        runTime,
      });
      try {
        await until('the first page read', () => calls.readPage.length > 0);
        await handle.cancel();
        const error = await handle.result().then(
          () => undefined,
          (err: unknown) => err,
        );
        const run = await handle.describe();
        const child = await env.client.workflow.getHandle(`p2c/cancel/accounts/${runTime}`).describe();
        return { error, status: run.status.name, childStatus: child.status.name, child };
      } finally {
        read.open();
      }
    });
    expect(outcome.error).toBeInstanceOf(WorkflowFailedError);
    expect((outcome.error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(outcome.status).toBe('CANCELLED');
    expect(outcome.childStatus).toBe('CANCELLED');
    // The Web UI's list and its filter on P2COutcome tell the cancelled task from a failed one, as the store does.
    expect(outcome.child.searchAttributes[OUTCOME_ATTRIBUTE]).toEqual(['Canceled']);
    expect(outcome.child.memo?.summary).toBe(
      'accounts: Canceled — read 0, created 0, updated 0, unchanged 0, filtered 0, failed 0',
    );
    expect(calls.beginTask.map((c) => c.ref.task)).toEqual(['accounts']);
    // The cancelled task's run record is ended, and its watermark stays where it was.
    expect(calls.finishTask).toEqual([
      expect.objectContaining({ task: 'accounts', outcome: 'Failed', reason: CANCELLED_REASON }),
    ]);
    expect(calls.finishTask[0].watermark).toBeUndefined();
    // The store, which outlives the run's history, says it was cancelled, not that it failed.
    expect(await store.listRuns({ parentRunId: projectRunId })).toEqual([
      expect.objectContaining({ task: 'accounts', status: 'Canceled', reason: CANCELLED_REASON }),
    ]);
    expect(calls.sendRunAlert).toBe(0);
    expect(calls.purgeHistory).toBe(0);
  });

  test('a task cancelled on its own says Canceled in Temporal and the store; its run goes on and counts it failed', async () => {
    const read = gate();
    const calls = emptyCalls();
    const runTime = `${Date.now()}`;
    const projectRunId = uniqueQueue('p2c-cancel-task');
    const taskRunId = `p2c/cancel-task/accounts/${runTime}`;
    const outcome = await withWorker({ pages: 1, readGate: read.promise }, calls, async (taskQueue) => {
      const handle = await startProjectRun(taskQueue, projectRunId, {
        project: 'cancel-task',
        tasks: [task('accounts')],
        runTime,
      });
      const taskHandle = env.client.workflow.getHandle(taskRunId);
      try {
        await until('the first page read', () => calls.readPage.length > 0);
        await taskHandle.cancel();
        const summary = await handle.result();
        return {
          summary,
          task: await taskHandle.describe(),
          history: await taskHandle.fetchHistory(),
          runHistory: await handle.fetchHistory(),
        };
      } finally {
        read.open();
      }
    });
    expect(outcome.task.status.name).toBe('CANCELLED');
    expect(outcome.task.searchAttributes[OUTCOME_ATTRIBUTE]).toEqual(['Canceled']);
    expect(outcome.task.memo?.summary).toBe(
      'accounts: Canceled — read 0, created 0, updated 0, unchanged 0, filtered 0, failed 0',
    );
    expect(await store.listRuns({ parentRunId: projectRunId })).toEqual([
      expect.objectContaining({ task: 'accounts', status: 'Canceled', reason: CANCELLED_REASON }),
    ]);
    // Behind a patch: task runs cancelled before it keep showing Failed when their histories replay.
    expect(patchesOf(outcome.history)).toContain(CANCELED_OUTCOME_SHOWN);
    expect(patchesOf(outcome.runHistory)).toContain(CANCELLED_TASK_REASON);
    const bundle = await workflowBundle();
    await Worker.runReplayHistory({ workflowBundle: bundle }, outcome.history, taskRunId);
    await Worker.runReplayHistory({ workflowBundle: bundle }, outcome.runHistory, projectRunId);
    // The run's outcome has no Canceled: a task that did not finish is a failed task of the run, which says why.
    expect(outcome.summary.outcome).toBe('Failed');
    expect(outcome.summary.tasks).toEqual([
      expect.objectContaining({ task: 'accounts', outcome: 'Failed', reason: CANCELLED_REASON }),
    ]);
  });

  test('a task paused while its parallel writes drain before continue-as-new stays paused until resumed', async () => {
    const write = gate();
    const calls = emptyCalls();
    const outcome = await withWorker({ pages: 6, writeGate: write.promise }, calls, async (taskQueue) => {
      const handle = await env.client.workflow.start(entitySync, {
        taskQueue,
        workflowId: uniqueQueue('pause-drain'),
        args: [
          {
            ref: {
              project: 'pause',
              task: 'accounts',
              partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
              runId: 'r',
            },
            task: task('accounts'),
            mode: 'full',
            settings: { ...DEFAULT_SYNC_SETTINGS, writeConcurrency: 4, pagesPerRun: 2, pipelineDepth: 0 },
          },
        ],
      });
      try {
        // Two pages read and their writes held: the run has stopped reading and waits for the writes to drain.
        await until('the run to stop reading', async () => (await handle.query(progressQuery)).page === 2);
        await handle.signal(pauseSignal);
        write.open();
        await new Promise((r) => setTimeout(r, 1_500));
        const whilePaused = await handle.query(progressQuery);
        const readsWhilePaused = calls.readPage.length;
        await handle.signal(resumeSignal);
        return { whilePaused, readsWhilePaused, result: await handle.result() };
      } finally {
        write.open();
      }
    });
    expect(outcome.whilePaused.paused).toBe(true);
    expect(outcome.whilePaused.page).toBe(2);
    expect(outcome.readsWhilePaused).toBe(2);
    expect(outcome.result.outcome).toBe('Completed');
    expect(outcome.result.counters.created).toBe(6);
  });
});
