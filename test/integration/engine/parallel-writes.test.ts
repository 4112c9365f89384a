/**
 * entitySync writing several pages of a plain task at once (SyncSettings.writeConcurrency), on the time-skipping
 * server with in-memory activities whose writes finish out of order: every row is written once, no more pages
 * are in flight than allowed, and the resume point a write saves never passes a page that is not written yet.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { SyncActivities } from '../../../activities';
import { DEFAULT_SYNC_SETTINGS, type PageRead, type SyncCursor, type SyncSettings } from '../../../common/sync-types';
import { workflowBundle } from '../../../worker/bundle';
import { entitySync } from '../../../workflows';
import type { EntitySyncInput } from '../../../workflows/entitySync';
import { transformIdRows, withTransformAndWrite } from '../../support/page-activities';
import { timeSkippingEnv, uniqueQueue } from '../../support/temporal';

const PAGE_SIZE = 10;
const PAGES = 12;
/** Earlier pages of each group of four take longer, so later pages finish first. */
const WRITE_DELAYS_MS = [120, 80, 40, 0];

interface Recorder {
  written: Map<string, number>;
  inFlight: number;
  maxInFlight: number;
  finishedPages: Set<number>;
  /** Pages whose write saved a resume point past a page that was not written yet. */
  resumePastUnwritten: Array<{ page: number; resumeAfter: number; unwritten: number }>;
}

function activities(
  rec: Recorder,
): Pick<SyncActivities, 'beginTask' | 'readPage' | 'transformPage' | 'writePage' | 'finishTask'> {
  const pageOf = (id: string) => Math.floor(Number(id.slice('ACC-'.length)) / PAGE_SIZE) + 1;
  return {
    async beginTask() {
      return { pendingWatermark: { kind: 'modified-since', value: '2026-01-01T00:00:00Z' } };
    },
    async readPage(input): Promise<PageRead> {
      const offset = input.cursor ? Number(input.cursor) : 0;
      const total = PAGE_SIZE * PAGES;
      const rows = Array.from({ length: Math.min(input.pageSize, total - offset) }, (_, i) => ({
        id: `ACC-${offset + i}`,
      }));
      const next = offset + input.pageSize < total ? String(offset + input.pageSize) : undefined;
      return { rows, next, lookups: {}, deleted: [], failures: [], bytes: JSON.stringify(rows).length };
    },
    transformPage: transformIdRows,
    async writePage(input) {
      const page = pageOf(input.rows[0].sourceKey);
      const resume: SyncCursor = input.cursorAfter;
      for (let earlier = 1; earlier <= resume.page; earlier++) {
        if (!rec.finishedPages.has(earlier)) {
          rec.resumePastUnwritten.push({ page, resumeAfter: resume.page, unwritten: earlier });
        }
      }
      rec.inFlight++;
      rec.maxInFlight = Math.max(rec.maxInFlight, rec.inFlight);
      await new Promise((resolve) => setTimeout(resolve, WRITE_DELAYS_MS[(page - 1) % WRITE_DELAYS_MS.length]));
      for (const row of input.rows) rec.written.set(row.sourceKey, (rec.written.get(row.sourceKey) ?? 0) + 1);
      rec.inFlight--;
      rec.finishedPages.add(page);
      return { created: input.rows.length, updated: 0, unchanged: 0, failed: 0, failures: [] };
    },
    async finishTask() {
      return undefined;
    },
  };
}

function input(settings: Partial<SyncSettings>): EntitySyncInput {
  return {
    ref: { project: 'demo', task: 'accounts', partition: { dataAreaId: 'usmf', businessUnit: 'USMF' }, runId: 'r' },
    task: {
      name: 'accounts',
      title: 'accounts',
      direction: 'sales-to-fno',
      source: { system: 'sales', entitySet: 'accounts', keyFields: ['id'] },
      target: { system: 'fno', entitySet: 'Targets', keyFields: ['id'] },
      fieldMap: [],
      dependsOn: [],
    } as unknown as EntitySyncInput['task'],
    mode: 'full',
    settings: { ...DEFAULT_SYNC_SETTINGS, pageSize: PAGE_SIZE, pipelineDepth: 4, ...settings },
  };
}

describe('entitySync writes pages in parallel (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function run(settings: Partial<SyncSettings>) {
    const rec: Recorder = {
      written: new Map(),
      inFlight: 0,
      maxInFlight: 0,
      finishedPages: new Set(),
      resumePastUnwritten: [],
    };
    const taskQueue = uniqueQueue('parallel');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: withTransformAndWrite(activities(rec)),
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(entitySync, { taskQueue, workflowId: uniqueQueue('pages'), args: [input(settings)] }),
    );
    return { rec, result };
  }

  test.each([
    [4, 5],
    [3, 100],
  ])(
    'writeConcurrency %i (pagesPerRun %i): every row once, bounded writes, resume points behind unwritten pages',
    async (writeConcurrency, pagesPerRun) => {
      const { rec, result } = await run({ writeConcurrency, pagesPerRun });
      expect(result.outcome).toBe('Completed');
      expect(result.counters.read).toBe(PAGE_SIZE * PAGES);
      expect(result.counters.created).toBe(PAGE_SIZE * PAGES);
      expect(rec.written.size).toBe(PAGE_SIZE * PAGES);
      expect([...rec.written.values()].every((times) => times === 1)).toBe(true);
      expect(rec.maxInFlight).toBeGreaterThan(1);
      expect(rec.maxInFlight).toBeLessThanOrEqual(writeConcurrency);
      expect(rec.resumePastUnwritten).toEqual([]);
    },
  );

  test('writeConcurrency 1 writes one page after another', async () => {
    const { rec, result } = await run({ writeConcurrency: 1 });
    expect(result.counters.created).toBe(PAGE_SIZE * PAGES);
    expect(rec.maxInFlight).toBe(1);
  });
});
