/**
 * The `p2c` commands around one project run, as a child process against the shared dev server, a real worker and
 * both emulators: sync, watch, status, failures, retry-failed, replay and reset, with their output and exit codes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { StoredFailure } from '../../../common/checkpoint-store';
import { CANCELLED_REASON, type ProjectRunSummary } from '../../../common/sync-types';
import { loadProject } from '../../../mappings/project-file';
import { EXIT, exitCodeOf } from '../../../client/cli/errors';
import { pauseSignal, projectProgressQuery, resumeSignal } from '../../../workflows';
import type { ProjectProgress } from '../../../workflows/prospectToCash';
import { startE2E, taskResult, type E2E } from '../../support/e2e';
import { cliEnv, json, runP2c, startP2c, UI_URL, writeProject } from './p2c';

const TASKS = ['products', 'accounts'];
const PAGE_SIZE = 5;

describe('p2c run commands', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-cli-'));
  const projectName = `cli-runs-${process.pid}`;
  // Small pages, so a task has several pages and can be paused between two of them.
  const projectFile = writeProject(dir, projectName, PAGE_SIZE);
  let e2e: E2E;
  let env: Record<string, string>;
  let firstRun: string;
  let firstSummary: ProjectRunSummary;
  const p2c = (...args: string[]) => runP2c(args, env);
  const url = (id: string) => `${UI_URL}/namespaces/default/workflows/${encodeURIComponent(id)}`;

  beforeAll(async () => {
    e2e = await startE2E({ seed: { accounts: 60, products: 20, quotes: 0, orders: 0 } }, loadProject(projectFile));
    env = cliEnv(e2e, projectFile);
  });
  afterAll(async () => {
    await e2e?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('sync --full --wait --json starts a run, waits, and exits with its outcome', async () => {
    const result = await p2c('sync', '--full', '--task', ...TASKS, '--wait', '--json');
    const out = json<{ workflowId: string; url: string; outcome: string; summary: ProjectRunSummary }>(result);
    expect(out.workflowId).toMatch(new RegExp(`^p2c/${projectName}/\\d{8}T`));
    expect(out.url).toBe(url(out.workflowId));
    // The seed plants accounts the sync must reject, so the run ends with warnings: exit 2.
    expect(out.outcome).toBe('CompletedWithWarnings');
    expect(result.code).toBe(2);
    const stored: ProjectRunSummary = await e2e.client.workflow.getHandle(out.workflowId).result();
    expect(out.summary).toEqual(stored);
    expect(stored.tasks.map((t) => t.task).sort()).toEqual([...TASKS].sort());
    expect(taskResult(stored, 'accounts').counters.failed).toBeGreaterThan(0);
    firstRun = out.workflowId;
    firstSummary = stored;
  });

  test('sync prints the run and its Web UI link; watch follows it to the end', async () => {
    const started = await p2c('sync', '--task', 'accounts');
    expect(started.code).toBe(0);
    const id = /^run started: (\S+)$/m.exec(started.stdout)?.[1];
    expect(id).toBeDefined();
    expect(started.stdout).toContain(`Web UI: ${url(id!)}`);

    const watched = await p2c('watch', id!, '--interval', '200');
    const summary: ProjectRunSummary = await e2e.client.workflow.getHandle(id!).result();
    expect(watched.stdout).toContain(`watching ${id}`);
    expect(watched.stdout).toMatch(new RegExp(`^run ${id!.replace(/[.]/g, '\\.')}: ${summary.outcome}$`, 'm'));
    const accounts = taskResult(summary, 'accounts');
    // The last progress line of a task is its result.
    expect(watched.stdout).toContain(
      `accounts@usmf: ${accounts.outcome} — read ${accounts.counters.read}, written ${accounts.counters.created + accounts.counters.updated}, failed ${accounts.counters.failed}`,
    );
    expect(watched.code).toBe(exitCodeOf(summary.outcome));

    // Without a run id, watch takes the project's newest run.
    const latest = await p2c('watch', '--interval', '200');
    expect(latest.stdout).toContain(`watching ${id}`);
    expect(latest.code).toBe(exitCodeOf(summary.outcome));
  });

  /**
   * Starts a run of one task and pauses the task workflow between two pages. Slow answers of the system it reads
   * keep the task running long enough to be caught and paused; without them a fast machine can finish the task
   * between the progress query and the pause signal.
   */
  const startPaused = async (task: string, source: 'dataverse' | 'fno', start: () => Promise<string>) => {
    const faults = e2e.stack.emulators[source].faults;
    faults.configure({ latencyMs: 250 });
    try {
      const workflowId = await start();
      const run = e2e.client.workflow.getHandle(workflowId);
      let progress: ProjectProgress['tasks'][number] | undefined;
      while (progress?.state !== 'running' && progress?.state !== 'done') {
        if (progress) await new Promise((resolve) => setTimeout(resolve, 50));
        progress = (await run.query(projectProgressQuery)).tasks.find((t) => t.task === task);
      }
      expect(progress.state).toBe('running');
      const child = e2e.client.workflow.getHandle(progress.workflowId);
      // A task shows as running once the run has asked for its workflow; the server starts it a moment later.
      for (const giveUpAt = Date.now() + 10_000; ;) {
        const sent = await child.signal(pauseSignal).then(
          () => true,
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError && Date.now() < giveUpAt) return false;
            throw err;
          },
        );
        if (sent) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { workflowId, run, child };
    } finally {
      faults.reset();
    }
  };

  test('watch shows live progress per task: a paused task, then its result', async () => {
    const { workflowId, run, child } = await startPaused(
      'accounts',
      'dataverse',
      async () => json<{ workflowId: string }>(await p2c('sync', '--task', 'accounts', '--full', '--json')).workflowId,
    );

    const watching = startP2c(['watch', workflowId, '--interval', '200'], env);
    try {
      const [line, page] = await watching.waitFor(
        /accounts@usmf: paused at page (\d+) — read (\d+), written \d+, failed \d+, [\d.]+\/s/,
      );
      expect(Number(page)).toBeGreaterThan(0);
      expect(line).toContain(`read ${Number(page) * PAGE_SIZE}`);
    } finally {
      await child.signal(resumeSignal);
    }
    const watched = await watching.done;
    const summary: ProjectRunSummary = await run.result();
    const accounts = taskResult(summary, 'accounts');
    expect(watched.stdout).toContain(
      `accounts@usmf: ${accounts.outcome} — read ${accounts.counters.read}, written ${accounts.counters.created + accounts.counters.updated}, failed ${accounts.counters.failed}`,
    );
    expect(watched.code).toBe(exitCodeOf(summary.outcome));
  });

  test('status lists recent runs with outcome, counts and duration per task', async () => {
    const asJson = await p2c('status', '--limit', '5', '--json');
    expect(asJson.code).toBe(0);
    const { project, runs } = json<{ project: string; runs: Array<Record<string, any>> }>(asJson);
    expect(project).toBe(projectName);
    expect(runs.length).toBe(3);
    const first = runs.find((r) => r.workflowId === firstRun)!;
    expect(first.outcome).toBe('CompletedWithWarnings');
    expect(first.tasks.map((t: any) => [t.task, t.counters])).toEqual(
      firstSummary.tasks.map((t) => [t.task, t.counters]),
    );
    // Newest first.
    expect(runs[2].workflowId).toBe(firstRun);

    const text = await p2c('status', '--limit', '1');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(runs[0].workflowId);
    expect(text.stdout).not.toContain(firstRun);
    expect(text.stdout).toMatch(
      /task\s+outcome\s+read\s+created\s+updated\s+unchanged\s+filtered\s+failed\s+warnings\s+duration/,
    );
  });

  test('failures lists the rejected rows of a run as a table, JSON and CSV', async () => {
    const stored = await e2e.stack.store.listFailures(firstRun);
    expect(stored.length).toBe(firstSummary.tasks.reduce((n, t) => n + t.failureCount, 0));

    const asJson = await p2c('failures', firstRun, '--json');
    expect(asJson.code).toBe(0);
    expect(json<{ failures: StoredFailure[] }>(asJson).failures).toEqual(stored);

    const asCsv = await p2c('failures', firstRun, '--csv');
    const lines = asCsv.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('task,sourceKey,field,code,message,at');
    expect(lines.length).toBe(stored.length + 1);

    const accounts = stored.filter((f) => f.task === 'accounts');
    const table = await p2c('failures', firstRun, '--task', 'accounts');
    expect(table.code).toBe(0);
    for (const failure of accounts) expect(table.stdout).toContain(failure.sourceKey);
    expect(table.stdout).toContain(`${accounts.length} failed row`);
    expect(table.stdout).toContain(`p2c retry-failed ${firstRun}`);
  });

  test('retry-failed re-runs exactly the fixed row, linked to the original run', async () => {
    const tooLong = (await e2e.stack.store.listFailures(firstRun, { task: 'accounts' })).find(
      (f) => f.code === 'value-too-long',
    );
    expect(tooLong).toBeDefined();
    const key = tooLong!.sourceKey;
    const company = { dataAreaId: 'usmf', CustomerAccount: key };
    expect(await e2e.stack.clients.fno.getByKey('CustomersV2', company)).toBeNull();

    // Fix the row in Sales: a name F&O accepts.
    const [fixed] = await e2e.stack.clients.dataverse.upsertBatch([
      { sourceKey: key, entitySet: 'accounts', key: { accountnumber: key }, fields: { name: 'Fixed Name Ltd' } },
    ]);
    expect(fixed.status).toBe('updated');

    const result = await p2c('retry-failed', firstRun, '--key', key, '--wait', '--json');
    const out = json<{
      workflowId: string;
      retryOf: string;
      onlyKeys: Record<string, string[]>;
      summary: ProjectRunSummary;
    }>(result);
    expect(result.code).toBe(0);
    expect(out.retryOf).toBe(firstRun);
    expect(out.onlyKeys).toEqual({ accounts: [key] });
    const accounts = taskResult(out.summary, 'accounts');
    expect(accounts.counters).toMatchObject({ read: 1, created: 1, failed: 0 });
    expect(out.summary.tasks.map((t) => t.task)).toEqual(['accounts']);
    const customer = await e2e.stack.clients.fno.getByKey('CustomersV2', company);
    expect(customer?.OrganizationName).toBe('Fixed Name Ltd');
    const description = await e2e.client.workflow.getHandle(out.workflowId).describe();
    expect(description.memo?.retryOf).toBe(firstRun);

    const unknown = await p2c('retry-failed', firstRun, '--key', 'NO-SUCH-KEY');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(
      `p2c: run ${firstRun} has no failure for key NO-SUCH-KEY; see p2c failures ${firstRun}`,
    );
  });

  test('retry-failed leaves out rows without a business key, says how many, and exits 1 when only those are asked', async () => {
    const stored = await e2e.stack.store.listFailures(firstRun);
    const withoutKey = new Set(stored.filter((f) => f.code === 'missing-business-key').map((f) => f.sourceKey));
    expect(withoutKey.size).toBeGreaterThan(0);
    const [guid] = withoutKey;
    const leftOut = (n: number) =>
      `${n} failed row${n === 1 ? '' : 's'} without a business key (missing-business-key): such a row cannot be read by key; once it has one at the source, the next incremental run picks it up`;

    const only = await p2c('retry-failed', firstRun, '--key', guid);
    expect(only.code).toBe(1);
    expect(only.stderr.trim()).toBe(`p2c: nothing to retry in ${firstRun}: ${leftOut(1)}`);

    const expected: Record<string, string[]> = {};
    for (const f of stored.filter((f) => !withoutKey.has(f.sourceKey))) {
      const keys = (expected[f.task] ??= []);
      if (!keys.includes(f.sourceKey)) keys.push(f.sourceKey);
    }
    const all = await p2c('retry-failed', firstRun, '--wait', '--json');
    const out = json<{ onlyKeys: Record<string, string[]>; leftOut: unknown; summary: ProjectRunSummary }>(all);
    expect(out.onlyKeys).toEqual(expected);
    expect(out.leftOut).toEqual({ withoutBusinessKey: withoutKey.size });
    for (const [task, keys] of Object.entries(expected))
      expect(taskResult(out.summary, task).counters.read).toBe(keys.length);

    const text = await p2c('retry-failed', firstRun, '--wait');
    expect(text.stdout).toContain(`left out: ${leftOut(withoutKey.size)}`);
  });

  test('replay succeeds against the current workflows and fails against incompatible ones', async () => {
    const ok = await p2c('replay', firstRun, '--json');
    const report = json<{ replayed: number; failed: number; histories: Array<{ workflowId: string; ok: boolean }> }>(
      ok,
    );
    expect(ok.code).toBe(0);
    expect(report.failed).toBe(0);
    // The run and one child per task.
    expect(report.histories.map((h) => h.workflowId)).toEqual(
      expect.arrayContaining([firstRun, ...firstSummary.tasks.map((t) => expect.stringContaining(`/${t.task}/`))]),
    );
    expect(report.replayed).toBeGreaterThanOrEqual(1 + TASKS.length);

    const bad = await p2c('replay', firstRun, '--workflows', 'test/integration/cli/fixtures/incompatible-workflows.ts');
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(/FAILED\s+prospectToCash/);
    expect(bad.stdout).toContain('DeterminismViolationError');
    expect(bad.stdout).toMatch(/\d+ of \d+ histories do not replay/);
  });

  test('reset re-runs a finished run from its first workflow task and refuses a run with nothing to reset', async () => {
    const nothing = await p2c('reset', firstRun);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('nothing to reset');

    const before = await e2e.client.workflow.getHandle(firstRun).describe();
    const result = await p2c('reset', firstRun, '--to', 'first', '--json');
    expect(result.code).toBe(0);
    const out = json<{ runId: string; previousRunId: string }>(result);
    expect(out.previousRunId).toBe(before.runId);
    expect(out.runId).not.toBe(before.runId);
    const summary: ProjectRunSummary = await e2e.client.workflow.getHandle(firstRun, out.runId).result();
    expect(summary.tasks.map((t) => t.task).sort()).toEqual([...TASKS].sort());
  });

  /** Waits until the run has started its first task workflow. */
  const taskStarted = async (handle: WorkflowHandle) => {
    for (;;) {
      const history = await handle.fetchHistory();
      if (history.events?.some((e) => e.childWorkflowExecutionStartedEventAttributes)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  test('reset --to last-good resets a terminated run to the workflow task before the termination', async () => {
    const started = json<{ workflowId: string }>(await p2c('sync', '--task', 'products', '--json'));
    const handle = e2e.client.workflow.getHandle(started.workflowId);
    // Terminate once the task workflow runs, so the reset has a good workflow task and an open child to deal with.
    await taskStarted(handle);
    await handle.terminate('test: simulate a run that died');
    const result = await p2c('reset', started.workflowId, '--json');
    expect(result.code).toBe(0);
    const out = json<{ runId: string; trouble: string; restartedChildren: number }>(result);
    expect(out.trouble).toMatch(/^WORKFLOW_EXECUTION_TERMINATED at event \d+$/);
    // The products task was open when the run was terminated; the reset run starts it again and finishes.
    expect(out.restartedChildren).toBe(1);
    const summary: ProjectRunSummary = await e2e.client.workflow.getHandle(started.workflowId, out.runId).result();
    expect(summary.tasks.map((t) => [t.task, t.outcome === 'Failed'])).toEqual([['products', false]]);
  });

  test('a cancelled run ends Canceled (exit 4) for sync --wait, watch and status; reset --to last-good resets it to before the cancel request, and the reset run finishes', async () => {
    // The task is paused so that the run is still going when watch has started and the cancel request arrives.
    const syncing = startP2c(['sync', '--task', 'products', '--wait'], env);
    const { workflowId, run } = await startPaused(
      'products',
      'fno',
      async () => (await syncing.waitFor(/^run started: (\S+)$/m))[1],
    );
    const watching = startP2c(['watch', workflowId, '--interval', '200'], env);
    await watching.waitFor(/^watching /m);
    await run.cancel();
    for (const waited of [await syncing.done, await watching.done]) {
      expect(waited.stdout).toMatch(new RegExp(`^run ${workflowId.replace(/[.]/g, '\\.')}: Canceled$`, 'm'));
      expect(waited.code).toBe(EXIT.cancelled);
    }
    expect((await run.describe()).status.name).toBe('CANCELLED');
    // Temporal has no summary of a cancelled run; status shows its task as the checkpoint store recorded it.
    const listed = json<{ runs: Array<{ workflowId: string; outcome: string; tasks: unknown[] }> }>(
      await p2c('status', '--limit', '1', '--json'),
    );
    expect(listed.runs[0]).toMatchObject({
      workflowId,
      outcome: 'Canceled',
      tasks: [{ task: 'products', dataAreaId: 'usmf', outcome: 'Canceled', reason: CANCELLED_REASON }],
    });
    const result = await p2c('reset', workflowId, '--json');
    expect(result.code).toBe(0);
    const out = json<{ runId: string; trouble: string }>(result);
    expect(out.trouble).toMatch(/^WORKFLOW_EXECUTION_CANCEL_REQUESTED at event \d+$/);
    const summary: ProjectRunSummary = await e2e.client.workflow.getHandle(workflowId, out.runId).result();
    expect(summary.tasks.map((t) => [t.task, t.outcome === 'Failed'])).toEqual([['products', false]]);
  });

  test('user mistakes are one line on stderr with exit code 1', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['sync', '--task', 'nope'], {}, /^p2c: unknown task nope; the project has products, accounts/],
      [['status'], { P2C_TEMPORAL_ADDRESS: 'no-port' }, /^p2c: configuration: P2C_TEMPORAL_ADDRESS=no-port: must be/],
      [
        ['watch', 'p2c/none/20000101T000000Z'],
        {},
        /^p2c: no run p2c\/none\/20000101T000000Z; list runs with p2c status$/,
      ],
      [['status', '--limit', 'x'], {}, /^p2c: --limit x: give a whole number/],
      [['status', '--bogus'], {}, /^p2c: unknown option '--bogus'; see p2c status --help$/],
      [
        ['status'],
        { P2C_UI_URL: 'localhost:8233' },
        /^p2c: configuration: P2C_UI_URL=localhost:8233: must be an http:\/\/ or https:\/\/ address/,
      ],
      [['status'], { P2C_CODEC_KEYS: 'no-colon' }, /^p2c: configuration: P2C_CODEC_KEYS: entry 1 is not id:base64key/],
      [['failures', firstRun, '--json', '--csv'], {}, /^p2c: give --json or --csv, not both$/],
      [
        ['failures', firstRun],
        { P2C_CHECKPOINT_STORE: 'postgres://p2c:s3cret@127.0.0.1:1/p2c' },
        /^p2c: cannot open the checkpoint store postgres:\/\/p2c:\*\*\*@127\.0\.0\.1:1\/p2c \((?!.*s3cret)/,
      ],
      [
        ['failures', `p2c/${projectName}/20000101T000000Z`],
        {},
        new RegExp(
          `^p2c: the checkpoint store has no record of run p2c/${projectName}/20000101T000000Z; list runs with p2c status$`,
        ),
      ],
      [
        ['failures', firstRun, '--task', 'nope'],
        {},
        new RegExp(`^p2c: --task nope: not a task of project ${projectName}; its tasks are products, accounts, `),
      ],
      [
        ['retry-failed', `${firstRun}0`],
        {},
        new RegExp(`^p2c: the checkpoint store has no record of run ${firstRun.replace(/[.]/g, '\\.')}0; `),
      ],
      [
        ['sync', '--project', path.join(dir, 'missing.yaml')],
        {},
        /^p2c: .*missing\.yaml: cannot read the project file/,
      ],
    ];
    for (const [args, extraEnv, message] of cases) {
      const result = await runP2c(args, { ...env, ...extraEnv });
      expect({ args, code: result.code }).toEqual({ args, code: 1 });
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr.trim()).toMatch(message);
    }
  });

  test("status goes on past Temporal's retention: older runs come from the checkpoint store", async () => {
    // A run whose history Temporal no longer keeps, and a continuous pass, which status does not list.
    const old = `p2c/${projectName}/20200101T000000.000Z`;
    const pass = `p2c/${projectName}/continuous/20200101T000500.000Z/pass-1`;
    const task = (parentRunId: string, name: string, at: number, extra: Record<string, unknown> = {}) => ({
      runId: `${parentRunId}/${name}`,
      workflowId: `${parentRunId}/${name}`,
      project: projectName,
      task: name,
      partition: 'usmf',
      status: 'Completed' as const,
      startedAt: new Date(Date.UTC(2020, 0, 1, 0, 0, at)).toISOString(),
      endedAt: new Date(Date.UTC(2020, 0, 1, 0, 0, at + 2)).toISOString(),
      counters: { read: 3, created: 3, updated: 0, unchanged: 0, filtered: 0, failed: 0 },
      parentRunId,
      ...extra,
    });
    await e2e.stack.store.recordRun(task(old, 'products', 1));
    await e2e.stack.store.recordRun(task(old, 'accounts', 4, { status: 'Failed', reason: 'readPage: 401' }));
    await e2e.stack.store.recordRun(task(pass, 'accounts', 300));

    const { runs } = json<{ runs: Array<Record<string, any>> }>(await p2c('status', '--limit', '50', '--json'));
    const fromStore = runs.filter((r) => r.fromStore);
    expect(fromStore).toEqual([
      expect.objectContaining({
        workflowId: old,
        outcome: 'Failed',
        startedAt: '2020-01-01T00:00:01.000Z',
        endedAt: '2020-01-01T00:00:06.000Z',
        tasks: [
          expect.objectContaining({ task: 'products', outcome: 'Completed' }),
          expect.objectContaining({ task: 'accounts', outcome: 'Failed', reason: 'readPage: 401' }),
        ],
      }),
    ]);
    expect(fromStore[0].url).toBeUndefined();
    // Oldest last; the runs Temporal keeps are all newer.
    expect(runs[runs.length - 1].workflowId).toBe(old);
    expect(runs.some((r) => r.workflowId === pass)).toBe(false);

    const text = await p2c('status', '--limit', '50');
    expect(text.stdout).toContain(
      `${old}  Failed  started 2020-01-01T00:00:01.000Z, 5s  (from the checkpoint store: Temporal no longer keeps its history)`,
    );
    // A limit Temporal's runs fill leaves the store's out.
    const one = json<{ runs: Array<{ workflowId: string }> }>(await p2c('status', '--limit', '1', '--json'));
    expect(one.runs.map((r) => r.workflowId)).not.toContain(old);
  });
});
