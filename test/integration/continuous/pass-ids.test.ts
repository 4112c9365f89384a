/**
 * Pass ids of a continuous sync stopped and started again, on the shared dev server with a real worker and
 * in-memory activities: a pass's id is the run id its cursor and failures are saved under, so a later start must
 * not reuse the id of a pass the earlier start left unfinished.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { SyncActivities } from '../../../activities';
import { DEFAULT_SYNC_SETTINGS, type PageRead } from '../../../common/sync-types';
import { workflowBundle } from '../../../worker/bundle';
import { continuousSync, type ContinuousSyncInput } from '../../../workflows/continuousSync';
import type { EntitySyncInput } from '../../../workflows/entitySync';
import { devServerEnv, uniqueQueue } from '../../support/temporal';

type Activities = Pick<SyncActivities, 'beginTask' | 'readPage' | 'transformAndWritePage' | 'finishTask'>;

describe('continuous pass ids (dev server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await devServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test('passes of a start after a stop get ids and run ids of their own', async () => {
    const begun: string[] = [];
    let releaseRead!: () => void;
    const readGate = new Promise<void>((resolve) => (releaseRead = resolve));
    const activities: Activities = {
      async beginTask(input) {
        begun.push(input.ref.runId);
        return { pendingWatermark: { kind: 'none' } };
      },
      async readPage(): Promise<PageRead> {
        await readGate;
        return { rows: [], lookups: {}, deleted: [], failures: [], bytes: 0 };
      },
      async transformAndWritePage() {
        return { filtered: 0, created: 0, updated: 0, unchanged: 0, failed: 0, failures: [] };
      },
      async finishTask() {},
    };
    const taskQueue = uniqueQueue('pass-ids');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities,
    });
    const workflowId = `${uniqueQueue('p2c/pass-ids')}/accounts@usmf/continuous`;
    const input: ContinuousSyncInput = {
      project: 'pass-ids',
      task: {
        name: 'accounts',
        direction: 'sales-to-fno',
        source: { system: 'sales', entitySet: 'accounts', keyFields: ['id'] },
        target: { system: 'fno', entitySet: 'Targets', keyFields: ['id'] },
        fieldMap: [],
      } as unknown as EntitySyncInput['task'],
      partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
      settings: { ...DEFAULT_SYNC_SETTINGS, writeConcurrency: 1 },
    };
    const { firstPass, summary } = await worker.runUntil(async () => {
      try {
        // The first start is stopped while its first pass reads.
        const first = await env.client.workflow.start(continuousSync, { taskQueue, workflowId, args: [input] });
        const deadline = Date.now() + 20_000;
        while (begun.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        await first.cancel();
        await first.result().catch(() => undefined);
        releaseRead();
        const firstPass = begun[0];
        const second = await env.client.workflow.start(continuousSync, {
          taskQueue,
          workflowId,
          args: [{ ...input, maxPasses: 1 }],
        });
        const summary = await second.result();
        return { firstPass, summary };
      } finally {
        releaseRead();
      }
    });
    expect(begun).toHaveLength(2);
    expect(begun[1]).not.toBe(firstPass);
    expect(summary.lastPass?.workflowId).toBe(begun[1]);
    // Readable: the continuous workflow's id, the start's time, the pass number.
    expect(summary.lastPass?.workflowId).toMatch(
      new RegExp(`^${workflowId.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/\\d{8}T\\d{6}\\.\\d{3}Z/pass-1$`),
    );
  });
});
