/**
 * A page of document headers on the time-skipping test server, with in-memory activities standing in for the
 * connectors: one saga per document number, whatever the page holds.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { SyncActivities } from '../../../activities';
import { DEFAULT_SYNC_SETTINGS, type PageRead } from '../../../common/sync-types';
import type { RowFailure, SourceRow } from '../../../common/types';
import { resolveTasks } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import { workflowBundle } from '../../../worker/bundle';
import { entitySync } from '../../../workflows';
import { EXAMPLE_PROJECT } from '../../support/e2e';
import { timeSkippingEnv, uniqueQueue } from '../../support/temporal';

type PageActivities = Pick<
  SyncActivities,
  'beginTask' | 'readPage' | 'finishTask' | 'recordDocumentFailures' | 'planDocument' | 'traceDocument'
>;

const tasks = new Map(resolveTasks(loadProject(EXAMPLE_PROJECT)).map((t) => [t.name, t]));

describe('a page of document headers (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function syncPage(headers: SourceRow[]) {
    const planned: SourceRow[] = [];
    const recorded: RowFailure[] = [];
    const activities: PageActivities = {
      async beginTask() {
        return { pendingWatermark: { kind: 'modified-since', value: '2026-01-01T00:00:00Z' } };
      },
      async readPage(): Promise<PageRead> {
        return { rows: headers, lookups: {}, deleted: [], failures: [], bytes: JSON.stringify(headers).length };
      },
      async planDocument(input) {
        planned.push(input.header);
        return { kind: 'unchanged', documentKey: String(input.header.quotenumber), lines: 1 };
      },
      async traceDocument() {},
      async recordDocumentFailures(input) {
        recorded.push(...input.failures);
      },
      async finishTask() {},
    };
    const taskQueue = uniqueQueue('document-page');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities,
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(entitySync, {
        taskQueue,
        workflowId: uniqueQueue('p2c/demo/run/quoteHeaders'),
        args: [
          {
            ref: {
              project: 'demo',
              task: 'quoteHeaders',
              partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
              runId: 'p2c/demo/run',
            },
            task: tasks.get('quoteHeaders')!,
            lineTask: tasks.get('quoteLines')!,
            mode: 'full',
            settings: { ...DEFAULT_SYNC_SETTINGS, documentConcurrency: 4 },
          },
        ],
      }),
    );
    return { result, planned, recorded };
  }

  test('a second quote with the number of another fails naming it, and starts no saga of its own', async () => {
    const first = { quoteid: 'a1', quotenumber: 'Q-1', name: 'first' };
    const other = { quoteid: 'b2', quotenumber: 'q-1', name: 'second' };
    const next = { quoteid: 'c3', quotenumber: 'Q-2' };
    const { result, planned, recorded } = await syncPage([first, other, next]);
    // Sagas run at once, so they plan in any order.
    expect(planned).toHaveLength(2);
    expect(planned).toEqual(expect.arrayContaining([first, next]));
    expect(result.outcome).toBe('CompletedWithWarnings');
    expect(result.counters).toMatchObject({ read: 3, unchanged: 2, failed: 1 });
    expect(recorded).toEqual([
      expect.objectContaining({ task: 'quoteHeaders', sourceKey: 'q-1', code: 'duplicate-business-key' }),
    ]);
    expect(recorded[0].message).toContain('Only Q-1 (quoteid a1) is synced');
    expect(result.failureSample).toEqual(recorded);
  });

  test('a quote read twice in one page is synced once, from its later copy', async () => {
    const early = { quoteid: 'a1', quotenumber: 'Q-1', name: 'before the edit' };
    const late = { quoteid: 'a1', quotenumber: 'Q-1', name: 'after the edit' };
    const { result, planned, recorded } = await syncPage([early, late]);
    expect(planned).toEqual([late]);
    expect(recorded).toEqual([]);
    expect(result.outcome).toBe('Completed');
  });
});
