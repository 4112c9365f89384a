/**
 * Orchestration logic of entitySync and prospectToCash on the time-skipping test server, with in-memory
 * activities standing in for the connectors (the end-to-end tests use the real ones against the emulators).
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { SyncActivities } from '../../../activities';
import { DEFAULT_SYNC_SETTINGS, type PageRead, type SyncSettings } from '../../../common/sync-types';
import type { TargetRow } from '../../../common/types';
import { workflowBundle } from '../../../worker/bundle';
import { entitySync, pauseSignal, progressQuery, prospectToCash, resumeSignal } from '../../../workflows';
import type { EntitySyncInput } from '../../../workflows/entitySync';
import { PAGE_TOO_LARGE } from '../../../workflows/activity-options';
import { idTask as task, withTransformAndWrite } from '../../support/page-activities';
import { timeSkippingEnv, uniqueQueue } from '../../support/temporal';

interface FakeSystem {
  source: Array<{ id: string; name: string }>;
  target: Map<string, TargetRow>;
  readCalls: Array<{ cursor?: string; pageSize: number }>;
  failReadsFor?: string;
  maxPageSizeAccepted?: number;
  gate?: Promise<void>;
}

type RowActivities = Pick<SyncActivities, 'beginTask' | 'readPage' | 'transformPage' | 'writePage' | 'finishTask'>;

function fakeActivities(sys: FakeSystem): RowActivities {
  return {
    async beginTask() {
      return { pendingWatermark: { kind: 'modified-since', value: '2026-01-01T00:00:00Z' } };
    },
    async readPage(input): Promise<PageRead> {
      sys.readCalls.push({ cursor: input.cursor, pageSize: input.pageSize });
      if (sys.failReadsFor === input.task.name) {
        throw ApplicationFailure.create({
          type: 'ConnectorNonRetryable',
          nonRetryable: true,
          message: '401 InvalidAuthTicket',
        });
      }
      if (sys.maxPageSizeAccepted && input.pageSize > sys.maxPageSizeAccepted) {
        throw ApplicationFailure.create({ type: PAGE_TOO_LARGE, nonRetryable: true, message: 'too big' });
      }
      const offset = input.cursor ? Number(input.cursor) : 0;
      const rows = sys.source.slice(offset, offset + input.pageSize);
      const next = offset + input.pageSize < sys.source.length ? String(offset + input.pageSize) : undefined;
      return { rows, next, lookups: {}, deleted: [], failures: [], bytes: JSON.stringify(rows).length };
    },
    async transformPage(input) {
      const rows: TargetRow[] = [];
      const failures = [];
      for (const row of input.rows as Array<{ id: string; name: string }>) {
        if (row.name === '') {
          failures.push({
            task: input.task.name,
            sourceKey: row.id,
            field: 'name',
            code: 'required',
            message: 'name is empty',
          });
        } else {
          rows.push({ sourceKey: row.id, entitySet: 'Targets', key: { id: row.id }, fields: { Name: row.name } });
        }
      }
      return { rows, failures, filtered: 0 };
    },
    async writePage(input) {
      if (sys.gate) await sys.gate;
      let created = 0;
      let updated = 0;
      for (const row of input.rows) {
        if (sys.target.has(row.sourceKey)) updated++;
        else created++;
        sys.target.set(row.sourceKey, row);
      }
      return { created, updated, unchanged: 0, failed: input.failures.length, failures: input.failures };
    },
    async finishTask() {
      return undefined;
    },
  };
}

function input(name: string, settings: Partial<SyncSettings> = {}): EntitySyncInput {
  return {
    ref: { project: 'demo', task: name, partition: { dataAreaId: 'usmf', businessUnit: 'USMF' }, runId: 'p2c/demo/t' },
    task: task(name),
    mode: 'full',
    settings: { ...DEFAULT_SYNC_SETTINGS, ...settings },
  };
}

function rows(n: number, blankEvery = 0) {
  return Array.from({ length: n }, (_, i) => ({
    id: `ACC-${i}`,
    name: blankEvery && i % blankEvery === 0 ? '' : `Account ${i}`,
  }));
}

describe('entitySync orchestration (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function withWorker<T>(sys: FakeSystem, body: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueQueue('logic');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: withTransformAndWrite(fakeActivities(sys)),
    });
    return worker.runUntil(body(taskQueue));
  }

  test('pages through every row once, continues as new on the page budget, and reports row failures', async () => {
    const sys: FakeSystem = { source: rows(1050, 100), target: new Map(), readCalls: [] };
    const result = await withWorker(sys, async (taskQueue) => {
      const handle = await env.client.workflow.start(entitySync, {
        taskQueue,
        workflowId: uniqueQueue('can'),
        args: [input('accounts', { pageSize: 100, pagesPerRun: 3, pipelineDepth: 2 })],
      });
      const res = await handle.result();
      const progress = await handle.query(progressQuery);
      const description = await handle.describe();
      return { res, progress, firstRun: description.runId !== handle.firstExecutionRunId };
    });
    expect(result.res.outcome).toBe('CompletedWithWarnings');
    expect(result.res.counters.read).toBe(1050);
    expect(result.res.counters.created).toBe(1050 - 11);
    expect(result.res.counters.failed).toBe(11);
    expect(result.res.failureCount).toBe(11);
    expect(result.res.failureSample[0]).toMatchObject({ sourceKey: 'ACC-0', field: 'name', code: 'required' });
    expect(sys.target.size).toBe(1039);
    // A run stops reading after 3 pages, then drains its 2 read-ahead pages: 5 + 5 + 1 pages → 3 runs.
    expect(result.progress.runs).toBe(3);
    expect(result.firstRun).toBe(true);
    // Each page was read exactly once, in order, across runs and with read-ahead.
    expect(sys.readCalls.map((c) => c.cursor ?? '0')).toEqual(Array.from({ length: 11 }, (_, i) => String(i * 100)));
  });

  test('pause holds the page loop and resume finishes it', async () => {
    let release!: () => void;
    const sys: FakeSystem = {
      source: rows(500),
      target: new Map(),
      readCalls: [],
      gate: new Promise((r) => (release = r)),
    };
    const outcome = await withWorker(sys, async (taskQueue) => {
      const handle = await env.client.workflow.start(entitySync, {
        taskQueue,
        workflowId: uniqueQueue('pause'),
        args: [input('accounts', { pageSize: 100, pipelineDepth: 0 })],
      });
      await handle.signal(pauseSignal);
      release();
      // The first page finishes; the loop then waits at the pause point.
      for (let i = 0; i < 50; i++) {
        const p = await handle.query(progressQuery);
        if (p.page >= 1) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const paused = await handle.query(progressQuery);
      await new Promise((r) => setTimeout(r, 500));
      const stillPaused = await handle.query(progressQuery);
      await handle.signal(resumeSignal);
      return { paused, stillPaused, result: await handle.result() };
    });
    expect(outcome.paused.paused).toBe(true);
    expect(outcome.paused.page).toBe(1);
    expect(outcome.stillPaused.page).toBe(1);
    expect(outcome.result.outcome).toBe('Completed');
    expect(outcome.result.counters.created).toBe(500);
  });

  test('a page over the byte budget is read again at half the size from the same cursor', async () => {
    const sys: FakeSystem = { source: rows(230), target: new Map(), readCalls: [], maxPageSizeAccepted: 60 };
    const result = await withWorker(sys, (taskQueue) =>
      env.client.workflow.execute(entitySync, {
        taskQueue,
        workflowId: uniqueQueue('shrink'),
        args: [input('accounts', { pageSize: 200 })],
      }),
    );
    expect(result.counters.created).toBe(230);
    expect(sys.readCalls.slice(0, 3).map((c) => c.pageSize)).toEqual([200, 100, 50]);
    expect(sys.readCalls.every((c, i) => i < 2 || c.pageSize === 50)).toBe(true);
  });

  test('a task that cannot read ends Failed with the reason, and dependent tasks are skipped', async () => {
    const sys: FakeSystem = { source: rows(10), target: new Map(), readCalls: [], failReadsFor: 'accounts' };
    const summary = await withWorker(sys, (taskQueue) =>
      env.client.workflow.execute(prospectToCash, {
        taskQueue,
        workflowId: uniqueQueue('p2c'),
        args: [
          {
            project: 'demo',
            tasks: [task('products'), task('accounts'), task('contactPersons', ['accounts'])],
            partitions: [{ dataAreaId: 'usmf', businessUnit: 'USMF' }],
            mode: 'full',
            runTime: '20261125T000000.000Z',
          },
        ],
      }),
    );
    const byTask = Object.fromEntries(summary.tasks.map((t) => [t.task, t]));
    expect(byTask.products.outcome).toBe('Completed');
    expect(byTask.accounts.outcome).toBe('Failed');
    expect(byTask.accounts.reason).toContain('401 InvalidAuthTicket');
    expect(byTask.contactPersons.outcome).toBe('Skipped');
    expect(byTask.contactPersons.reason).toBe('prerequisite accounts failed');
    expect(summary.outcome).toBe('Failed');
  });
});
