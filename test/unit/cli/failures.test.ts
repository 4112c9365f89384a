import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openCheckpointStore,
  type CheckpointStore,
  type FailureFilter,
  type StoredFailure,
} from '../../../common/checkpoint-store';
import { failures as failuresCommand, runFailures } from '../../../client/cli/failures';
import { taskRow } from '../../../client/cli/summary';
import { CliContext } from '../../../client/cli/context';
import { emptyCounters } from '../../../common/sync-types';

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

describe('failures --warnings: rows written anyway, listed apart from the failures', () => {
  const root = mkdtempSync(join(tmpdir(), 'p2c-cli-warnings-'));
  const file = join(root, 'checkpoints.sqlite');
  const truncated = {
    task: 'accounts',
    sourceKey: 'ACC-2',
    field: 'description',
    code: 'value-truncated',
    message: 'Account ACC-2, description: truncated from 1200 to 1000 characters',
    at,
  };

  beforeAll(async () => {
    const store = await openCheckpointStore({ kind: 'sqlite', file });
    await store.recordRun({
      runId: `${PROJECT_RUN}/accounts`,
      workflowId: `${PROJECT_RUN}/accounts`,
      project: 'p2c-demo',
      task: 'accounts',
      partition: 'usmf',
      status: 'CompletedWithWarnings',
      startedAt: at,
      counters: {},
      parentRunId: PROJECT_RUN,
    });
    await store.addFailures(PROJECT_RUN, [failure('accounts', 'ACC-1')]);
    await store.addWarnings(PROJECT_RUN, [truncated]);
    await store.close();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function run(options: Parameters<typeof failuresCommand>[2], runId = PROJECT_RUN) {
    const out = { text: '', isTTY: false, write: (text: string) => void (out.text += text) };
    const err = { text: '', isTTY: false, write: (text: string) => void (err.text += text) };
    const ctx = new CliContext({ P2C_CHECKPOINT_STORE: file }, out, err);
    try {
      const code = await failuresCommand(ctx, runId, options);
      return { code, out: out.text };
    } finally {
      await ctx.close();
    }
  }

  test('the failure list names the failed row only, and says how many warnings there are and how to list them', async () => {
    const { code, out } = await run({});
    expect(code).toBe(0);
    expect(out).toContain('ACC-1');
    expect(out).not.toContain('ACC-2');
    expect(out).toContain(
      `1 failed row; re-run them with p2c retry-failed ${PROJECT_RUN}; 1 warning on written rows, listed by p2c failures ${PROJECT_RUN} --warnings`,
    );
  });

  test('--warnings lists the warnings, not the failures', async () => {
    const { out } = await run({ warnings: true });
    expect(out).toContain('value-truncated');
    expect(out).toContain('ACC-2');
    expect(out).not.toContain('ACC-1');
    expect(out).toContain('1 warning on rows that were written; they are not failures and are not retried');
  });

  test('JSON keeps failures and warnings apart; --warnings --json and --csv give the warnings alone', async () => {
    expect(JSON.parse((await run({ json: true })).out)).toEqual({
      run: PROJECT_RUN,
      failures: [failure('accounts', 'ACC-1')],
      warnings: [truncated],
    });
    expect(JSON.parse((await run({ json: true, warnings: true })).out)).toEqual({
      run: PROJECT_RUN,
      warnings: [truncated],
    });
    const csv = (await run({ csv: true, warnings: true })).out.trim().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[0]).toBe('task,sourceKey,field,code,message,at');
    expect(csv[1]).toContain('ACC-2,description,value-truncated');
  });

  test("a task's row in the run summary shows its warning count; results from before warnings show 0", () => {
    const row = (counters: Record<string, number>) =>
      taskRow({ task: 'accounts', partition: { dataAreaId: 'usmf' }, outcome: 'Completed', counters, startedAt: at });
    expect(row({ ...emptyCounters(), read: 3, created: 3, warnings: 2 }).slice(2, 9)).toEqual([
      '3',
      '3',
      '0',
      '0',
      '0',
      '0',
      '2',
    ]);
    const { warnings: _none, ...before } = emptyCounters();
    expect(row(before)[8]).toBe('0');
  });
});
