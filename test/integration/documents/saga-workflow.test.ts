/**
 * The document saga's orchestration (`quoteSyncV3`, the type document tasks start) on the time-skipping test
 * server, with in-memory activities standing in for the connectors: what it does when its write, its undo or its
 * plan fails for good, and what a document costs in history. The end-to-end behaviour against the emulators is in
 * saga-batched-writes.test.ts; the journaled snapshot after a crash in worker-crash.test.ts.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { msToNumber } from '@temporalio/common/lib/time';
import type { SyncActivities } from '../../../activities';
import type { DocumentPlan, DocumentSnapshot } from '../../../activities/documents';
import { resolveTasks } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import type { TargetRow } from '../../../common/types';
import { workflowBundle } from '../../../worker/bundle';
import { quoteSyncV3 } from '../../../workflows';
import type { QuoteSyncInput, QuoteSyncResult } from '../../../workflows/quoteSync';
import { activityOptions, NON_RETRYABLE } from '../../../workflows/activity-options';
import { EXAMPLE_PROJECT } from '../../support/e2e';
import { timeSkippingEnv, uniqueQueue } from '../../support/temporal';

type SagaActivities = Pick<SyncActivities, 'planDocument' | 'writeDocument' | 'compensateDocument' | 'traceDocument'>;
type Calls = { [K in keyof SagaActivities]: Array<Parameters<SagaActivities[K]>[0]> };

const QUOTE = 'QUO-7';
const tasks = new Map(resolveTasks(loadProject(EXAMPLE_PROJECT)).map((t) => [t.name, t]));
const header: TargetRow = {
  sourceKey: QUOTE,
  entitySet: 'CDSSalesQuotationHeaders',
  key: { dataAreaId: 'usmf', SalesQuotationNumber: QUOTE },
  fields: { SalesQuotationName: 'Projector' },
};
const line: TargetRow = {
  sourceKey: `${QUOTE}/1`,
  entitySet: 'CDSSalesQuotationLines',
  key: { dataAreaId: 'usmf', SalesQuotationNumber: QUOTE, LineCreationSequenceNumber: 1 },
  fields: { ItemNumber: 'P-1' },
};
const snapshot: DocumentSnapshot = {
  header: { entitySet: header.entitySet, key: header.key, before: { SalesQuotationName: 'Old name' } },
  lines: [{ entitySet: line.entitySet, key: line.key }],
};
const toWrite: DocumentPlan = {
  kind: 'write',
  documentKey: QUOTE,
  lines: 1,
  header,
  lineRows: [line],
  snapshot,
  hash: 'h1',
};

const refused = (message: string) => ApplicationFailure.create({ type: NON_RETRYABLE, nonRetryable: true, message });

interface Behaviour {
  plan?: () => DocumentPlan;
  write?: () => Awaited<ReturnType<SagaActivities['writeDocument']>>;
  compensate?: () => Awaited<ReturnType<SagaActivities['compensateDocument']>>;
}

function fakeActivities(behaviour: Behaviour, calls: Calls): SagaActivities {
  return {
    async planDocument(input) {
      calls.planDocument.push(input);
      return (behaviour.plan ?? (() => toWrite))();
    },
    async writeDocument(input) {
      calls.writeDocument.push(input);
      return (behaviour.write ?? (() => ({ status: 'written' as const })))();
    },
    async compensateDocument(input) {
      calls.compensateDocument.push(input);
      return (behaviour.compensate ?? (() => ({ undone: 2, compensationFailures: [] })))();
    },
    async traceDocument(input) {
      calls.traceDocument.push(input);
    },
  };
}

describe('document saga orchestration (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function runSaga(
    behaviour: Behaviour,
  ): Promise<{ result: QuoteSyncResult; calls: Calls; events: number; history: temporal.api.history.v1.IHistory }> {
    const calls: Calls = { planDocument: [], writeDocument: [], compensateDocument: [], traceDocument: [] };
    const taskQueue = uniqueQueue('saga');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: fakeActivities(behaviour, calls),
    });
    const input: QuoteSyncInput = {
      ref: {
        project: 'p2c-demo',
        task: 'quoteHeaders',
        partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
        runId: 'p2c/p2c-demo/run',
      },
      headerTask: tasks.get('quoteHeaders')!,
      lineTask: tasks.get('quoteLines')!,
      header: { quotenumber: QUOTE, quoteid: '00000000-0000-0000-0000-000000000007' },
    };
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start(quoteSyncV3, {
        taskQueue,
        workflowId: `${uniqueQueue('run')}/${QUOTE}`,
        args: [input],
      });
      const result = await handle.result();
      const history = await handle.fetchHistory();
      return { result, calls, events: history.events?.length ?? 0, history };
    });
  }

  test('a written document costs one workflow task and counts by what its header snapshot says', async () => {
    const { result, calls, events } = await runSaga({});
    expect(result).toMatchObject({ documentKey: QUOTE, outcome: 'updated', lines: 1, failures: [] });
    expect(calls.writeDocument).toHaveLength(1);
    // The write journals the plan's snapshot before it writes anything.
    expect(calls.writeDocument[0]).toMatchObject({ outcome: 'updated', hash: 'h1', lineTask: 'quoteLines', snapshot });
    expect(calls.compensateDocument).toEqual([]);
    // Started, one workflow task (scheduled, started, completed), the two local activities' markers, completed.
    expect(events).toBe(7);

    const created = await runSaga({
      plan: () => ({ ...toWrite, snapshot: { ...snapshot, header: { ...snapshot.header, before: undefined } } }),
    });
    expect(created.result.outcome).toBe('created');
    expect(created.calls.writeDocument[0].outcome).toBe('created');
  });

  test('a document re-planned after a crash counts by the snapshot journaled before its first write', async () => {
    // The plan saw the saga's own half write (a header); the write's journal says the header was not there before.
    const { result } = await runSaga({ write: () => ({ status: 'written', outcome: 'created' }) });
    expect(result.outcome).toBe('created');
    const undone = await runSaga({
      write: () => ({
        status: 'rejected',
        outcome: 'created',
        failure: { task: 'quoteLines', sourceKey: QUOTE, code: 'x', message: 'no' },
      }),
    });
    expect(undone.result).toMatchObject({ outcome: 'failed', compensated: true });
  });

  test('an unchanged document is not written', async () => {
    const { result, calls, events } = await runSaga({
      plan: () => ({ kind: 'unchanged', documentKey: QUOTE, lines: 3 }),
    });
    expect(result).toMatchObject({ outcome: 'unchanged', lines: 3, failures: [] });
    expect(calls.writeDocument).toEqual([]);
    // Started, one workflow task, the plan's marker, completed.
    expect(events).toBe(6);
  });

  test('a write that fails for good is undone from the snapshot taken before it', async () => {
    const { result, calls } = await runSaga({
      write: () => {
        throw refused('F&O is read-only for maintenance');
      },
    });
    expect(calls.compensateDocument).toHaveLength(1);
    expect(calls.compensateDocument[0].snapshot).toEqual(snapshot);
    expect(calls.compensateDocument[0].reason).toContain('write-failed');
    expect(calls.compensateDocument[0].reason).toContain('F&O is read-only for maintenance');
    expect(result).toMatchObject({ outcome: 'failed', compensated: true, compensationFailures: [] });
    expect(result.failures).toEqual([expect.objectContaining({ code: 'write-failed', sourceKey: QUOTE })]);
  });

  test('the undo gets the time and retries of a write, not of a checkpoint-store call', async () => {
    const { history } = await runSaga({
      write: () => {
        throw refused('F&O is read-only for maintenance');
      },
    });
    const scheduled = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .find((a) => a?.activityType?.name === 'compensateDocument');
    const seconds = (d: Parameters<typeof msToNumber>[0]) => msToNumber(d) / 1000;
    const { write } = activityOptions;
    expect(Number(scheduled?.startToCloseTimeout?.seconds)).toBe(seconds(write.startToCloseTimeout));
    expect(Number(scheduled?.heartbeatTimeout?.seconds)).toBe(seconds(write.heartbeatTimeout));
    expect(scheduled?.retryPolicy?.maximumAttempts).toBe(write.retry.maximumAttempts);
    expect(Number(scheduled?.retryPolicy?.maximumInterval?.seconds)).toBe(seconds(write.retry.maximumInterval!));
  });

  test('a rejected line is reported as the write returned it, after the undo', async () => {
    const failure = { task: 'quoteLines', sourceKey: QUOTE, code: 'Injected', message: `line ${QUOTE}/1: locked` };
    const { result, calls } = await runSaga({ write: () => ({ status: 'rejected', failure }) });
    expect(calls.compensateDocument).toHaveLength(1);
    expect(result).toMatchObject({ outcome: 'failed', compensated: true, failures: [failure] });
  });

  test('undo steps the compensation could not complete are reported, not swallowed', async () => {
    const problem = `${header.entitySet} ${JSON.stringify(header.key)}: restoring failed: locked`;
    const partly = await runSaga({
      write: () => ({
        status: 'rejected',
        failure: { task: 'quoteLines', sourceKey: QUOTE, code: 'x', message: 'no' },
      }),
      compensate: () => ({ undone: 1, compensationFailures: [problem] }),
    });
    expect(partly.result).toMatchObject({ outcome: 'failed', compensated: false, compensationFailures: [problem] });

    const broken = await runSaga({
      write: () => ({
        status: 'rejected',
        failure: { task: 'quoteLines', sourceKey: QUOTE, code: 'x', message: 'no' },
      }),
      compensate: () => {
        throw refused('store unreachable');
      },
    });
    expect(broken.result.compensated).toBe(false);
    expect(broken.result.compensationFailures).toEqual([expect.stringContaining(`undoing ${QUOTE} did not finish`)]);
    expect(broken.result.compensationFailures[0]).toContain('store unreachable');
    // The compensation activity could not record its trace entry, so the saga did.
    expect(broken.calls.traceDocument).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        documentKey: QUOTE,
        detail: expect.stringContaining('did not finish'),
      }),
    ]);
  });

  test('a document that cannot be read is reported and traced, and nothing is written', async () => {
    const { result, calls } = await runSaga({
      plan: () => {
        throw refused('quotedetails: 403 Forbidden');
      },
    });
    expect(result).toMatchObject({ outcome: 'failed', compensated: false });
    expect(result.failures).toEqual([expect.objectContaining({ code: 'document-unreadable', sourceKey: QUOTE })]);
    expect(calls.writeDocument).toEqual([]);
    expect(calls.traceDocument).toEqual([
      expect.objectContaining({ outcome: 'failed', detail: expect.stringContaining('403 Forbidden') }),
    ]);
  });
});
