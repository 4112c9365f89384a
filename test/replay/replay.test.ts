/**
 * Determinism guard: every recorded history (one per workflow type, made by scripts/record-histories.ts from a
 * real run) must replay against today's workflow code. A change that breaks them needs a patch marker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { workflowBundle } from '../../worker/bundle';

const DIR = path.join(__dirname, 'histories');
const WORKFLOW_TYPES = ['prospectToCash', 'entitySync', 'quoteSync'];

const WORKFLOW_IDS = JSON.parse(fs.readFileSync(path.join(DIR, 'workflow-ids.json'), 'utf8')) as Record<string, string>;

function load(type: string) {
  return {
    workflowId: WORKFLOW_IDS[type],
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, `${type}.json`), 'utf8'))),
  };
}

describe('replay of recorded histories', () => {
  test('a history is recorded for every workflow type', () => {
    expect(fs.readdirSync(DIR).sort()).toEqual([...WORKFLOW_TYPES.map((t) => `${t}.json`), 'workflow-ids.json'].sort());
    expect(Object.keys(WORKFLOW_IDS).sort()).toEqual([...WORKFLOW_TYPES].sort());
  });

  test.each(WORKFLOW_TYPES)('%s replays against the current workflow code', async (type) => {
    const { history, workflowId } = load(type);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
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
