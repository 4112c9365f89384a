/**
 * Workflows for the saga floor (bench/saga-floor.ts): a parent that starts one child per document, as a document
 * task does, and children shaped like the document saga with nothing behind their activities. What they cost is
 * what a child workflow per document costs the Temporal server and the worker, whatever the connectors do.
 */
import { executeChild, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';

export interface FloorActivities {
  plan(input: { header: string }): Promise<{ header: string; snapshot: string }>;
  write(input: { header: string; snapshot: string }): Promise<{ status: 'written' }>;
}

const local = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '1m' });
const remote = proxyActivities<FloorActivities>({ startToCloseTimeout: '1m' });

export interface FloorDocument {
  /** Stands in for the header row and the task definitions a saga's input carries. */
  header: string;
}

/** Today's saga shape (`quoteSyncV3`): a local plan and a local write, one workflow task. */
export async function floorLocalSaga(document: FloorDocument): Promise<string> {
  const plan = await local.plan(document);
  return (await local.write(plan)).status;
}

/** The earlier shape (`quoteSyncV2`): a local plan, then the write as an activity task. */
export async function floorActivitySaga(document: FloorDocument): Promise<string> {
  const plan = await local.plan(document);
  return (await remote.write(plan)).status;
}

/** The least a child workflow per document can be: one local activity, one workflow task. */
export async function floorSingleSaga(document: FloorDocument): Promise<string> {
  return (await local.write({ header: document.header, snapshot: '' })).status;
}

export type FloorSagaKind = 'local' | 'activity' | 'single';

const SAGAS: Record<FloorSagaKind, (document: FloorDocument) => Promise<string>> = {
  local: floorLocalSaga,
  activity: floorActivitySaga,
  single: floorSingleSaga,
};

/** Starts `documents` children of the given shape, at most `concurrency` at once, as a document task's page does. */
export async function floorParent(input: {
  kind: FloorSagaKind;
  documents: number;
  concurrency: number;
  inputBytes: number;
}): Promise<number> {
  const saga = SAGAS[input.kind];
  const header = 'h'.repeat(input.inputBytes);
  const parentId = workflowInfo().workflowId;
  let next = 0;
  let done = 0;
  const slot = async () => {
    while (next < input.documents) {
      const index = next++;
      await executeChild(saga, { workflowId: `${parentId}/${index}`, args: [{ header }] });
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, input.concurrency) }, slot));
  return done;
}
