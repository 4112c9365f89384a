/**
 * Determinism guard: every recorded history (made by scripts/record-histories.ts from real runs) must replay against
 * today's workflow code — the current shape of every workflow type, a quote saga that compensated, and the shapes
 * recorded before a patched change (`<type>.<variant>.json`), which must keep taking their old path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { workflowBundle } from '../../worker/bundle';
import { CANCELED_OUTCOME_SHOWN, EARLY_PATCH_DECISIONS, LOCAL_BOOKKEEPING } from '../../workflows/entitySync';
import { BATCHED_DOCUMENT_WRITES, LOCAL_DOCUMENT_PLAN, QUOTE_SYNC_V2, QUOTE_SYNC_V3 } from '../../workflows/quoteSync';
import {
  activitiesOf,
  activityResults,
  childTypesOf,
  patchesOf,
  remoteActivitiesOf,
  searchAttributeUpserts,
  splitAfterFirstLocalActivity,
  type HistoryJson,
} from '../support/history';

const DIR = path.join(__dirname, 'histories');
const WORKFLOW_TYPES = ['prospectToCash', 'entitySync', 'quoteSyncV3', 'quoteSyncV2', 'quoteSync', 'continuousSync'];
const IDS_FILE = 'workflow-ids.json';

const WORKFLOW_IDS = JSON.parse(fs.readFileSync(path.join(DIR, IDS_FILE), 'utf8')) as Record<string, string>;
const HISTORIES = fs
  .readdirSync(DIR)
  .filter((file) => file !== IDS_FILE)
  .map((file) => path.basename(file, '.json'))
  .sort();

function load(name: string, reshape: (json: HistoryJson) => HistoryJson = (json) => json) {
  const json = reshape(JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as HistoryJson);
  return { workflowId: WORKFLOW_IDS[name], history: historyFromJSON(json) as temporal.api.history.v1.IHistory };
}

describe('replay of recorded histories', () => {
  test('every workflow type has a current history, and every history its workflow id', () => {
    expect(HISTORIES).toEqual(expect.arrayContaining(WORKFLOW_TYPES));
    expect(HISTORIES.every((name) => WORKFLOW_TYPES.includes(name.split('.')[0]))).toBe(true);
    expect(Object.keys(WORKFLOW_IDS).sort()).toEqual(HISTORIES);
  });

  test.each(HISTORIES)('%s replays against the current workflow code', async (name) => {
    const { history, workflowId } = load(name);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  });

  test('the saga histories cover both write paths, both plan paths, the compensation and every saga type', () => {
    const rowByRow = load('quoteSync.row-by-row').history;
    expect(patchesOf(rowByRow)).toEqual([]);
    expect(activitiesOf(rowByRow)).toEqual(
      expect.arrayContaining(['prepareDocument', 'snapshotDocument', 'upsertRow']),
    );

    // Batched writes with the plan as an activity task, as recorded before plans ran locally.
    const remotePlan = load('quoteSync.remote-plan').history;
    expect(patchesOf(remotePlan)).toEqual([BATCHED_DOCUMENT_WRITES]);
    expect(remoteActivitiesOf(remotePlan)).toEqual(['planDocument', 'writeDocument']);

    // quoteSync's last shape: the plan is a local activity, the write and the undo go through the server.
    const batched = load('quoteSync').history;
    expect(patchesOf(batched)).toEqual([BATCHED_DOCUMENT_WRITES, LOCAL_DOCUMENT_PLAN]);
    expect(activitiesOf(batched)).toEqual(['planDocument', 'writeDocument']);
    expect(remoteActivitiesOf(batched)).toEqual(['writeDocument']);

    const compensated = load('quoteSync.compensated').history;
    expect(patchesOf(compensated)).toEqual([BATCHED_DOCUMENT_WRITES, LOCAL_DOCUMENT_PLAN]);
    expect(activitiesOf(compensated)).toEqual(['planDocument', 'writeDocument', 'compensateDocument']);
    expect(remoteActivitiesOf(compensated)).toEqual(['writeDocument', 'compensateDocument']);

    // quoteSyncV2 runs the same steps with no patch marker, and so no TemporalChangeVersion update either.
    for (const [name, steps] of [
      ['quoteSyncV2', ['planDocument', 'writeDocument']],
      ['quoteSyncV2.compensated', ['planDocument', 'writeDocument', 'compensateDocument']],
    ] as const) {
      const history = load(name).history;
      expect(patchesOf(history)).toEqual([]);
      expect(searchAttributeUpserts(history)).toBe(0);
      expect(activitiesOf(history)).toEqual(steps);
      expect(remoteActivitiesOf(history)).toEqual(steps.slice(1));
      expect(history.events!.length).toBeLessThan(
        load(name.replace('quoteSyncV2', 'quoteSync')).history.events!.length,
      );
    }

    // Today's saga plans and writes locally: only an undo goes through the server, and a written document's whole
    // history is its start, one workflow task, two markers and its completion.
    for (const [name, steps, remote] of [
      ['quoteSyncV3', ['planDocument', 'writeDocument'], []],
      ['quoteSyncV3.compensated', ['planDocument', 'writeDocument', 'compensateDocument'], ['compensateDocument']],
    ] as const) {
      const history = load(name).history;
      expect(patchesOf(history)).toEqual([]);
      expect(activitiesOf(history)).toEqual(steps);
      expect(remoteActivitiesOf(history)).toEqual(remote);
      expect(history.events!.length).toBeLessThan(
        load(name.replace('quoteSyncV3', 'quoteSyncV2')).history.events!.length,
      );
    }
    expect(load('quoteSyncV3').history.events).toHaveLength(7);
  });

  test('a document task starts the saga type its patches say; task runs recorded before keep theirs', () => {
    const current = load('entitySync').history;
    expect(patchesOf(current)).toContain(QUOTE_SYNC_V3);
    expect(patchesOf(current)).toContain(LOCAL_BOOKKEEPING);
    expect(remoteActivitiesOf(current)).not.toContain('beginTask');
    expect(remoteActivitiesOf(load('entitySync.saga-v2').history)).toEqual(
      expect.arrayContaining(['beginTask', 'recordDocumentFailures', 'finishTask']),
    );
    expect(patchesOf(current)).not.toContain(QUOTE_SYNC_V2);
    expect(new Set(childTypesOf(current))).toEqual(new Set(['quoteSyncV3']));
    const v2 = load('entitySync.saga-v2').history;
    expect(patchesOf(v2)).toContain(QUOTE_SYNC_V2);
    expect(patchesOf(v2)).not.toContain(QUOTE_SYNC_V3);
    expect(new Set(childTypesOf(v2))).toEqual(new Set(['quoteSyncV2']));
    const before = load('entitySync.row-by-row').history;
    expect(patchesOf(before)).not.toContain(QUOTE_SYNC_V2);
    expect(new Set(childTypesOf(before))).toEqual(new Set(['quoteSync']));
  });

  test('the plain task histories take the one-activity page path, with packed pages and with plain rows', () => {
    const pages = load('entitySync.pages').history;
    expect(patchesOf(pages)).toEqual([
      EARLY_PATCH_DECISIONS,
      'parallel-page-writes',
      'delete-policy',
      CANCELED_OUTCOME_SHOWN,
      LOCAL_BOOKKEEPING,
      'transform-in-write',
    ]);
    // Recorded before the decisions moved to the start: each is taken where the code needs it.
    const late = load('entitySync.pages-late-patches').history;
    expect(patchesOf(late)).toEqual([LOCAL_BOOKKEEPING, 'parallel-page-writes', 'transform-in-write']);
    expect(activitiesOf(late)).toEqual(activitiesOf(pages));
    expect(activitiesOf(pages)).toEqual(['beginTask', 'readPage', 'transformAndWritePage', 'finishTask']);
    // The task's bookkeeping is local; only the page's read and write go through the server.
    expect(remoteActivitiesOf(pages)).toEqual(['readPage', 'transformAndWritePage']);
    const [packed] = activityResults(pages, 'readPage');
    expect(packed).toEqual(
      expect.objectContaining({ packed: expect.objectContaining({ columns: expect.any(Array) }) }),
    );
    expect(packed).not.toHaveProperty('rows');

    // Recorded before pages were packed: readPage returned row objects, and the workflow still replays them.
    const plain = load('entitySync.plain-rows').history;
    expect(activitiesOf(plain)).toEqual(activitiesOf(pages));
    // Recorded before bookkeeping ran locally: its begin and finish stay activity tasks.
    expect(patchesOf(plain)).not.toContain(LOCAL_BOOKKEEPING);
    expect(remoteActivitiesOf(plain)).toEqual(activitiesOf(pages));
    const [rows] = activityResults(plain, 'readPage');
    expect(rows).toEqual(expect.objectContaining({ rows: expect.any(Array) }));
    expect(rows).not.toHaveProperty('packed');
  });

  // The SDK sometimes records a local activity's result in one workflow task and the commands of the code after it in
  // the next, while a replay runs that code within the first. A task run that decides its patches at its start
  // replays either shape; one recorded before decided right after the beginTask local activity, and fails.
  test.each(['entitySync.pages', 'entitySync'])(
    '%s also replays with the commands after its first local activity in a workflow task of their own',
    async (name) => {
      const { history, workflowId } = load(name, splitAfterFirstLocalActivity);
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
    },
  );

  test('a task run recorded before does not, which is why decisions moved to the start', async () => {
    const { history, workflowId } = load('entitySync.pages-late-patches', splitAfterFirstLocalActivity);
    const replay = Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
    await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
    await expect(replay).rejects.toThrow(/patch marker encountered for change parallel-page-writes/);
  });

  test('an incompatible change without a patch marker fails the replay', async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/incompatible-workflows'),
      logger: new DefaultLogger('WARN'),
    });
    const { history, workflowId } = load('entitySync');
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId)).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
