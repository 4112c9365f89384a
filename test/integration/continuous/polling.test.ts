/**
 * continuousSync's orchestration on the time-skipping server: back-off while idle and its reset on a change,
 * continue-as-new carrying the state, cancellation and the progress query. In-memory activities stand in for
 * the connectors; the real ones run in latency.test.ts against the emulators on the dev server.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { SyncActivities } from '../../../activities';
import { DEFAULT_SYNC_SETTINGS, type PageRead } from '../../../common/sync-types';
import type { TargetRow } from '../../../common/types';
import { workflowBundle } from '../../../worker/bundle';
import { continuousProgressQuery, continuousSync } from '../../../workflows';
import { DEFAULT_POLLING, type ContinuousSyncInput } from '../../../workflows/continuousSync';
import type { EntitySyncInput } from '../../../workflows/entitySync';
import { transformIdRows, withTransformAndWrite } from '../../support/page-activities';
import { timeSkippingEnv, uniqueQueue } from '../../support/temporal';

type PassActivities = Pick<
  SyncActivities,
  'beginTask' | 'readPage' | 'transformPage' | 'writePage' | 'finishTask' | 'applyDeletes'
>;

/** A source whose pass N (1-based) returns the rows and deletions scripted for it; other passes find nothing. */
interface ScriptedSource {
  changesByPass: Record<number, { rows?: string[]; deleted?: string[] }>;
  passes: number;
  target: Map<string, TargetRow>;
  deletesApplied: string[];
}

function scriptedActivities(source: ScriptedSource): PassActivities {
  return {
    async beginTask() {
      source.passes += 1;
      return { pendingWatermark: { kind: 'modified-since', value: `2026-01-01T00:00:${source.passes}Z` } };
    },
    async readPage(): Promise<PageRead> {
      const script = source.changesByPass[source.passes] ?? {};
      const rows = (script.rows ?? []).map((id) => ({ id }));
      return { rows, lookups: {}, deleted: script.deleted ?? [], failures: [], bytes: 0 };
    },
    transformPage: transformIdRows,
    async writePage(input) {
      let created = 0;
      for (const row of input.rows) {
        if (!source.target.has(row.sourceKey)) created += 1;
        source.target.set(row.sourceKey, row);
      }
      return { created, updated: input.rows.length - created, unchanged: 0, failed: 0, failures: [] };
    },
    async finishTask() {
      return undefined;
    },
    async applyDeletes(input) {
      source.deletesApplied.push(...input.sourceIds);
      for (const id of input.sourceIds) source.target.delete(id);
      return {
        reported: 0,
        deleted: input.sourceIds.length,
        deactivated: 0,
        absent: 0,
        unknown: 0,
        sourceKeys: input.sourceIds,
      };
    },
  };
}

function continuousInput(overrides: Partial<ContinuousSyncInput> = {}): ContinuousSyncInput {
  const task = {
    name: 'accounts',
    title: 'accounts',
    direction: 'sales-to-fno',
    source: { system: 'sales', entitySet: 'accounts', keyFields: ['id'], idField: 'id' },
    target: { system: 'fno', entitySet: 'Targets', keyFields: ['id'] },
    fieldMap: [],
    dependsOn: [],
    deletes: 'propagate',
  } as unknown as EntitySyncInput['task'];
  return {
    project: 'demo',
    task,
    partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
    settings: DEFAULT_SYNC_SETTINGS,
    ...overrides,
  };
}

describe('continuousSync polling (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function withWorker<T>(source: ScriptedSource, body: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueQueue('continuous');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: withTransformAndWrite(scriptedActivities(source)),
    });
    return worker.runUntil(body(taskQueue));
  }

  test('backs off while idle, resets on a change, and continues as new carrying its state', async () => {
    const source: ScriptedSource = {
      changesByPass: { 1: { rows: ['A-1', 'A-2'] }, 7: { rows: ['A-3'], deleted: ['A-1'] } },
      passes: 0,
      target: new Map(),
      deletesApplied: [],
    };
    const summary = await withWorker(source, async (taskQueue) => {
      const handle = await env.client.workflow.start(continuousSync, {
        taskQueue,
        workflowId: uniqueQueue('backoff'),
        args: [continuousInput({ maxPasses: 9, polling: { passesPerRun: 4 } })],
      });
      return handle.result();
    });

    const { minIntervalMs: min, maxIntervalMs: max } = DEFAULT_POLLING;
    // Sleeps after passes 1..8: the start counts as a change, idle passes double up to the cap, pass 7's change
    // resets it; after the last pass there is no sleep.
    expect(summary.recentIntervalsMs).toEqual([min, 2 * min, 4 * min, 8 * min, max, max, min, 2 * min]);
    expect(summary.passes).toBe(9);
    expect(source.passes).toBe(9);
    // Passes 1-4, 5-8 and 9 ran in three workflow runs.
    expect(summary.runs).toBe(3);
    expect(summary.counters.created).toBe(3);
    expect(summary.counters.deletedSeen).toBe(1);
    expect(summary.deletes.deleted).toBe(1);
    expect(source.deletesApplied).toEqual(['A-1']);
    expect([...source.target.keys()].sort()).toEqual(['A-2', 'A-3']);
    expect(summary.lastPass?.workflowId).toMatch(/\/pass-9$/);
    expect(summary.lastPass?.changes).toBe(0);
  });

  test('answers the progress query while sleeping and stops when cancelled', async () => {
    const source: ScriptedSource = { changesByPass: {}, passes: 0, target: new Map(), deletesApplied: [] };
    await withWorker(source, async (taskQueue) => {
      const handle = await env.client.workflow.start(continuousSync, {
        taskQueue,
        workflowId: uniqueQueue('cancel'),
        // Long sleeps: the query must find it asleep after its first pass, however slow the machine.
        args: [continuousInput({ polling: { minIntervalMs: 3_600_000, maxIntervalMs: 3_600_000 } })],
      });
      let progress = await handle.query(continuousProgressQuery);
      while (progress.state !== 'sleeping') {
        await new Promise((resolve) => setTimeout(resolve, 50));
        progress = await handle.query(continuousProgressQuery);
      }
      expect(progress).toMatchObject({ task: 'accounts', dataAreaId: 'usmf', passes: 1, runs: 1 });
      await handle.cancel();
      const failure = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    });
    expect(source.passes).toBe(1);
  });
});
