/**
 * The worker process is killed (SIGKILL) while a quote saga has written its header but not all of its lines. After
 * a fresh worker takes over, every quote is either complete in F&O or not there at all: never half written.
 */
import path from 'node:path';
import { Client } from '@temporalio/client';
import { startProjectRun } from '../../../client/run';
import { resolveTasks } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import type { ProjectRunSummary } from '../../../common/sync-types';
import type { TargetRow } from '../../../common/types';
import { openCheckpointStore } from '../../../common/checkpoint-store';
import { differences, expectedRows } from '../../support/expectations';
import { resultWithin, uniqueQueue } from '../../support/temporal';
import { crashSuite, describeWorker, killHard, spawnWorker, writeProjectFile } from '../../support/worker-process';
import { activitiesOf, quotation, sagaWorkflowId } from './support';

const PREREQUISITES = ['products', 'accounts', 'contactsToCustomers'];
const QUOTE_TASKS = ['quoteHeaders', 'quoteLines'];
/** Every F&O request waits this long, so the gap between a header and its lines is wide enough to kill in. */
const FNO_LATENCY_MS = 300;

describe('worker killed between a quote header and its lines', () => {
  const suite = crashSuite(
    {
      seed: { accounts: 80, products: 60, quotes: 30, orders: 0 },
      serviceProtection: false,
    },
    'p2c-quote-crash-',
  );

  test('after restart each quote is complete or absent, and the interrupted one is never half written', async () => {
    const { emulators, clients, connection, tmp } = suite;
    const projectFile = writeProjectFile(tmp, emulators);
    const project = loadProject(projectFile);
    const partition = project.partitions[0];
    const options = {
      projectFile,
      storeFile: path.join(tmp, 'checkpoints.sqlite'),
      taskQueue: uniqueQueue('quote-crash'),
      temporalAddress: process.env.P2C_TEST_TEMPORAL_ADDRESS!,
      secret: emulators.connection.clientSecret,
      env: suite.workerEnv,
    };
    const client = new Client({ connection });
    suite.worker = spawnWorker(options);
    let clock = Date.now();
    const start = (tasks: string[]) => {
      clock += 1000;
      return startProjectRun(client, project, {
        tasks,
        mode: 'full',
        taskQueue: options.taskQueue,
        now: new Date(clock),
      });
    };
    await (await start(PREREQUISITES)).handle.result();

    const definitions = new Map(resolveTasks(project).map((t) => [t.name, t]));
    const headers = await expectedRows(clients, definitions.get('quoteHeaders')!, partition);
    const linesByQuote = new Map<string, TargetRow[]>();
    for (const line of await expectedRows(clients, definitions.get('quoteLines')!, partition)) {
      const number = String(line.key.SalesQuotationNumber);
      linesByQuote.set(number, [...(linesByQuote.get(number) ?? []), line]);
    }
    const multiLine = headers.filter((h) => (linesByQuote.get(h.sourceKey)?.length ?? 0) >= 2).map((h) => h.sourceKey);
    expect(multiLine.length).toBeGreaterThan(3);

    emulators.fno.faults.configure({ latencyMs: FNO_LATENCY_MS });
    const run = await start(QUOTE_TASKS);
    let interrupted: string | undefined;
    for (let i = 0; i < 12_000 && !interrupted; i++) {
      interrupted = multiLine.find((number) => {
        const state = quotation(emulators, partition.dataAreaId, number);
        return state.header !== null && state.lines.length < linesByQuote.get(number)!.length;
      });
      if (!interrupted) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(interrupted).toBeDefined();
    await killHard(suite.worker);
    const halfWritten = quotation(emulators, partition.dataAreaId, interrupted!);
    expect(halfWritten.header).not.toBeNull();
    expect(halfWritten.lines.length).toBeLessThan(linesByQuote.get(interrupted!)!.length);
    emulators.fno.faults.reset();
    suite.worker = spawnWorker(options);

    const summary = await resultWithin<ProjectRunSummary>(client, run.handle, 180_000, () =>
      describeWorker(suite.worker),
    );
    expect(summary.tasks.find((t) => t.task === 'quoteHeaders')?.outcome).not.toBe('Failed');
    const states: Record<string, string> = {};
    for (const header of headers) {
      const state = quotation(emulators, partition.dataAreaId, header.sourceKey);
      const expectedLines = linesByQuote.get(header.sourceKey) ?? [];
      if (state.header === null && state.lines.length === 0) states[header.sourceKey] = 'absent';
      else if (state.header && state.lines.length === expectedLines.length) states[header.sourceKey] = 'complete';
      else states[header.sourceKey] = `half: ${state.lines.length} of ${expectedLines.length} lines`;
    }
    expect(Object.entries(states).filter(([, state]) => state.startsWith('half'))).toEqual([]);
    // Retried after the restart, the interrupted quote finishes rather than being rolled back: the saga's workflow
    // task died with the worker, so its plan and write ran again (header and lines are upserts by key).
    expect(states[interrupted!]).toBe('complete');
    const saga = await client.workflow
      .getHandle(sagaWorkflowId(project.name, run.workflowId, 'quoteHeaders', interrupted!))
      .fetchHistory();
    expect(activitiesOf(saga)).toEqual(['planDocument', 'writeDocument']);
    expect(saga.events?.some((e) => e.workflowTaskTimedOutEventAttributes)).toBe(true);
    const store = await openCheckpointStore({ kind: 'sqlite', file: options.storeFile });
    try {
      // The second plan saw the header the first write left; the snapshot journaled before that write still
      // says the quote was new, so it counts as created, and the journal entry is gone once the quote landed.
      expect((await store.trace('quoteHeaders', interrupted!)).map((t) => t.outcome)).toEqual(['created']);
      const sagaRun = saga.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId;
      expect(sagaRun).toBeTruthy();
      expect(await store.journaledSnapshot(sagaRun!)).toBeUndefined();
    } finally {
      await store.close();
    }
    const complete = headers.filter((h) => states[h.sourceKey] === 'complete');
    const landed = complete.flatMap((h) => [h, ...(linesByQuote.get(h.sourceKey) ?? [])]);
    expect(await differences(clients, landed)).toEqual([]);
  }, 300_000);
});
