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
import { BATCHED_DOCUMENT_WRITES } from '../../workflows/quoteSync';

const DIR = path.join(__dirname, 'histories');
const WORKFLOW_TYPES = ['prospectToCash', 'entitySync', 'quoteSync', 'continuousSync'];
const IDS_FILE = 'workflow-ids.json';

const WORKFLOW_IDS = JSON.parse(fs.readFileSync(path.join(DIR, IDS_FILE), 'utf8')) as Record<string, string>;
const HISTORIES = fs
  .readdirSync(DIR)
  .filter((file) => file !== IDS_FILE)
  .map((file) => path.basename(file, '.json'))
  .sort();

function load(name: string) {
  const json = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as unknown;
  return { workflowId: WORKFLOW_IDS[name], history: historyFromJSON(json) as temporal.api.history.v1.IHistory };
}

function activitiesOf(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

function patchesOf(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const attributes = e.markerRecordedEventAttributes;
    if (attributes?.markerName !== 'core_patch') return [];
    const payload = attributes.details?.['patch-data']?.payloads?.[0]?.data;
    return payload ? [(JSON.parse(Buffer.from(payload).toString('utf8')) as { id: string }).id] : [];
  });
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

  test('the quote saga histories cover both write paths and the compensation', () => {
    const rowByRow = load('quoteSync.row-by-row').history;
    expect(patchesOf(rowByRow)).toEqual([]);
    expect(activitiesOf(rowByRow)).toEqual(
      expect.arrayContaining(['prepareDocument', 'snapshotDocument', 'upsertRow']),
    );

    const batched = load('quoteSync').history;
    expect(patchesOf(batched)).toEqual([BATCHED_DOCUMENT_WRITES]);
    expect(activitiesOf(batched)).toEqual(['planDocument', 'writeDocument']);

    const compensated = load('quoteSync.compensated').history;
    expect(patchesOf(compensated)).toEqual([BATCHED_DOCUMENT_WRITES]);
    expect(activitiesOf(compensated)).toEqual(['planDocument', 'writeDocument', 'compensateDocument']);
  });

  test('the plain task history takes the one-activity page path with parallel writes', () => {
    const pages = load('entitySync.pages').history;
    expect(patchesOf(pages)).toEqual(['parallel-page-writes', 'transform-in-write']);
    expect(activitiesOf(pages)).toEqual(['beginTask', 'readPage', 'transformAndWritePage', 'finishTask']);
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
