/**
 * A document saga cancelled while it plans or writes, for both saga types that write batches (`quoteSyncV2` writes
 * in an activity, `quoteSyncV3` in a local activity), on the shared dev server with a real worker and in-memory
 * activities that hold the write until the test lets it go: the saga acts on what the write really did, then ends
 * cancelled.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { SyncActivities } from '../../../activities';
import type { DocumentPlan } from '../../../activities/documents';
import { resolveTasks } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import { workflowBundle } from '../../../worker/bundle';
import { quoteSyncV2, quoteSyncV3 } from '../../../workflows';
import type { QuoteSyncInput } from '../../../workflows/quoteSync';
import { EXAMPLE_PROJECT } from '../../support/e2e';
import { devServerEnv, uniqueQueue } from '../../support/temporal';

type SagaActivities = Pick<SyncActivities, 'planDocument' | 'writeDocument' | 'compensateDocument' | 'traceDocument'>;
type WriteResult = Awaited<ReturnType<SagaActivities['writeDocument']>>;

const QUOTE = 'QUO-9';
const tasks = new Map(resolveTasks(loadProject(EXAMPLE_PROJECT)).map((t) => [t.name, t]));
const toWrite: DocumentPlan = {
  kind: 'write',
  documentKey: QUOTE,
  lines: 1,
  header: {
    sourceKey: QUOTE,
    entitySet: 'CDSSalesQuotationHeaders',
    key: { dataAreaId: 'usmf', SalesQuotationNumber: QUOTE },
    fields: { SalesQuotationName: 'Projector' },
  },
  lineRows: [
    {
      sourceKey: `${QUOTE}/1`,
      entitySet: 'CDSSalesQuotationLines',
      key: { dataAreaId: 'usmf', SalesQuotationNumber: QUOTE, LineCreationSequenceNumber: 1 },
      fields: { ItemNumber: 'P-1' },
    },
  ],
  snapshot: {
    header: { entitySet: 'CDSSalesQuotationHeaders', key: { dataAreaId: 'usmf', SalesQuotationNumber: QUOTE } },
    lines: [],
  },
  hash: 'h1',
};

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Scenario {
  /** Where the saga is when the cancel arrives. */
  holdIn: 'plan' | 'write';
  write: WriteResult;
}

const sagas = [
  ['quoteSyncV2', quoteSyncV2],
  ['quoteSyncV3', quoteSyncV3],
] as const;

describe.each(sagas)('%s cancelled mid-saga (dev server)', (_name, saga) => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await devServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function cancelDuring(scenario: Scenario) {
    const events: string[] = [];
    const held = gate();
    const activities: SagaActivities = {
      async planDocument() {
        events.push('plan started');
        if (scenario.holdIn === 'plan') await held.promise;
        events.push('plan finished');
        return toWrite;
      },
      async writeDocument() {
        events.push('write started');
        if (scenario.holdIn === 'write') await held.promise;
        events.push('write finished');
        return scenario.write;
      },
      async compensateDocument() {
        events.push('compensated');
        return { undone: 1, compensationFailures: [] };
      },
      async traceDocument() {
        events.push('traced');
      },
    };
    const taskQueue = uniqueQueue('saga-cancel');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities,
    });
    const input: QuoteSyncInput = {
      ref: {
        project: 'p2c-demo',
        task: 'quoteHeaders',
        partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
        runId: 'p2c/p2c-demo/cancel',
      },
      headerTask: tasks.get('quoteHeaders')!,
      lineTask: tasks.get('quoteLines')!,
      header: { quotenumber: QUOTE, quoteid: '00000000-0000-0000-0000-000000000009' },
    };
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start(saga, {
        taskQueue,
        workflowId: `${uniqueQueue('cancel')}/${QUOTE}`,
        args: [input],
      });
      await until(`the ${scenario.holdIn} to start`, () => events.includes(`${scenario.holdIn} started`));
      await handle.cancel();
      events.push('cancel requested');
      // Give the worker time to act on the cancel before the held activity ends.
      await new Promise((r) => setTimeout(r, 1_000));
      held.open();
      const error = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      const { status } = await handle.describe();
      return { error, status: status.name, events };
    });
  }

  /** Each undo ran after every write started before it had ended. */
  function undoneAfterWrites(events: string[]): boolean {
    return events.every(
      (event, i) =>
        event !== 'compensated' ||
        events.slice(0, i).filter((e) => e === 'write started').length ===
          events.slice(0, i).filter((e) => e === 'write finished').length,
    );
  }

  test('a write that lands whole after the cancel is kept, and the saga ends cancelled', async () => {
    const { error, status, events } = await cancelDuring({ holdIn: 'write', write: { status: 'written' } });
    expect(events.slice(0, 5)).toEqual([
      'plan started',
      'plan finished',
      'write started',
      'cancel requested',
      'write finished',
    ]);
    // A local write's workflow task may be discarded by the cancel; the saga then writes again, never undoes.
    expect(events).not.toContain('compensated');
    expect(events[events.length - 1]).toBe('write finished');
    expect(status).toBe('CANCELLED');
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  });

  test('a write that ends half done after the cancel is undone once it has ended, then the saga ends cancelled', async () => {
    const failure = { task: 'quoteLines', sourceKey: QUOTE, code: 'Injected', message: 'line QUO-9/1: locked' };
    const { error, status, events } = await cancelDuring({ holdIn: 'write', write: { status: 'rejected', failure } });
    expect(events.slice(0, 5)).toEqual([
      'plan started',
      'plan finished',
      'write started',
      'cancel requested',
      'write finished',
    ]);
    expect(events[events.length - 1]).toBe('compensated');
    expect(undoneAfterWrites(events)).toBe(true);
    expect(status).toBe('CANCELLED');
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  });

  test('a saga cancelled while it plans still writes the planned document whole and ends cancelled', async () => {
    const { status, events } = await cancelDuring({ holdIn: 'plan', write: { status: 'written' } });
    expect(events.slice(0, 3)).toEqual(['plan started', 'cancel requested', 'plan finished']);
    expect(events).not.toContain('compensated');
    expect(events[events.length - 1]).toBe('write finished');
    expect(status).toBe('CANCELLED');
  });
});
