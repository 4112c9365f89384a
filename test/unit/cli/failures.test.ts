import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openCheckpointStore,
  type CheckpointStore,
  type FailureFilter,
  type StoredFailure,
} from '../../../common/checkpoint-store';
import { runFailures } from '../../../client/cli/failures';

const PROJECT_RUN = 'p2c/p2c-demo/20261125T091500.000Z';
const at = '2026-11-25T09:15:03.101Z';
const failure = (task: string, sourceKey: string): StoredFailure => ({
  task,
  sourceKey,
  code: 'missing-product',
  message: `${task} ${sourceKey}`,
  at,
});

describe('failures: the rows of a run, narrowed to a task by the store', () => {
  const root = mkdtempSync(join(tmpdir(), 'p2c-cli-failures-'));
  let store: CheckpointStore;
  let filters: FailureFilter[];

  beforeAll(async () => {
    const opened = await openCheckpointStore({ kind: 'sqlite', file: join(root, 'checkpoints.sqlite') });
    filters = [];
    // The real store, with the filters it is asked for noted.
    store = Object.assign(Object.create(opened) as CheckpointStore, {
      listFailures: (runId: string, filter?: FailureFilter) => {
        filters.push(filter ?? {});
        return opened.listFailures(runId, filter);
      },
    });
    for (const [task, workflowId] of [
      ['accounts', `${PROJECT_RUN}/accounts`],
      ['quoteHeaders', `${PROJECT_RUN}/quoteHeaders`],
    ]) {
      await opened.recordRun({
        runId: workflowId,
        workflowId,
        project: 'p2c-demo',
        task,
        partition: 'usmf',
        status: 'CompletedWithWarnings',
        startedAt: at,
        counters: {},
        parentRunId: PROJECT_RUN,
      });
    }
    await opened.addFailures(PROJECT_RUN, [
      failure('quoteHeaders', 'QUO-1'),
      failure('accounts', 'ACC-1'),
      failure('quoteLines', 'QUO-2'),
    ]);
  });

  beforeEach(() => (filters = []));

  afterAll(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("--task of a header task asks the store for it and its line task, and lists both tasks' rows", async () => {
    const { projectRunId, failures } = await runFailures(store, PROJECT_RUN, 'quoteHeaders');
    expect(projectRunId).toBe(PROJECT_RUN);
    expect(failures.map((f) => `${f.task} ${f.sourceKey}`)).toEqual(['quoteHeaders QUO-1', 'quoteLines QUO-2']);
    expect(filters).toEqual([{ tasks: ['quoteHeaders', 'quoteLines'] }]);
  });

  test("a task workflow id narrows to that task in the store, under its project run's id", async () => {
    const { projectRunId, failures } = await runFailures(store, `${PROJECT_RUN}/accounts`);
    expect(projectRunId).toBe(PROJECT_RUN);
    expect(failures.map((f) => `${f.task} ${f.sourceKey}`)).toEqual(['accounts ACC-1']);
    expect(filters).toEqual([{ tasks: ['accounts'] }]);
  });

  test('the project run lists every row; a task without failures is an empty list, not an unknown run', async () => {
    expect((await runFailures(store, PROJECT_RUN)).failures).toHaveLength(3);
    expect((await runFailures(store, PROJECT_RUN, 'contacts')).failures).toEqual([]);
    await expect(runFailures(store, 'p2c/p2c-demo/20000101T000000Z', 'accounts')).rejects.toThrow(
      'the checkpoint store has no record of run p2c/p2c-demo/20000101T000000Z; list runs with p2c status',
    );
  });
});
