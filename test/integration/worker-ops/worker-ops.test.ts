/**
 * The worker process's operations surface, seen from outside: /metrics agrees with a run's summary and moves on a
 * 429, the probes answer, the JSON logs hold no secret or customer e-mail, and SIGTERM lets the in-flight activity
 * finish before the process exits 0 (a second signal exits at once).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { connectionToEmulators } from '../../../client/local-stack';
import { startProjectRun } from '../../../client/run';
import { startEmulators, type Emulators } from '../../../emulators';
import { loadProject } from '../../../mappings/project-file';
import type { Project } from '../../../mappings';
import { ROW_OUTCOMES } from '../../../worker/observability';
import { createClients, type Clients } from '../../../worker/connections';
import { runTimeStamp, taskWorkflowId } from '../../../workflows/ids';
import { parseMetrics } from '../../support/metrics';
import { uniqueQueue } from '../../support/temporal';
import { killHard, spawnWorker, writeProjectFile } from '../../support/worker-process';

const SEED = { accounts: 40, contacts: 10, products: 10, quotes: 0, orders: 0 };
const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

interface LoggedWorker {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines(): string[];
  /** Base URL of /metrics, /healthz and /readyz, from the worker's start-up log line. */
  opsUrl: Promise<string>;
  exited: Promise<number | null>;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('worker process: metrics, probes, logs and shutdown', () => {
  let emulators: Emulators;
  let clients: Clients;
  let connection: Connection;
  let client: Client;
  let project: Project;
  let projectFile: string;
  const children: ChildProcess[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-worker-ops-'));

  beforeAll(async () => {
    emulators = await startEmulators({ seed: SEED });
    clients = createClients(connectionToEmulators(emulators.connection));
    connection = await Connection.connect({ address: process.env.P2C_TEST_TEMPORAL_ADDRESS! });
    client = new Client({ connection });
    projectFile = writeProjectFile(tmp, emulators);
    project = loadProject(projectFile);
  });
  afterAll(async () => {
    for (const child of children) await killHard(child);
    await connection?.close();
    await clients?.close();
    await emulators?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function startWorker(taskQueue: string, storeName: string, env: NodeJS.ProcessEnv = {}): LoggedWorker {
    const child = spawnWorker({
      projectFile,
      storeFile: path.join(tmp, storeName),
      taskQueue,
      temporalAddress: process.env.P2C_TEST_TEMPORAL_ADDRESS!,
      secret: emulators.connection.clientSecret,
      env,
      captureStdout: true,
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const lines = () => stdout.split('\n').filter(Boolean);
    const opsUrl = Promise.race([
      eventually('the worker to log its metrics address', async () => {
        const line = lines().find((l) => l.includes('metrics and health endpoints listening'));
        return line ? (JSON.parse(line).url as string) : undefined;
      }),
      exited.then((code) => Promise.reject(new Error(`worker exited with ${code}: ${stderr}`))),
    ]);
    return { child, lines, opsUrl, exited };
  }

  async function untilRunning(worker: LoggedWorker): Promise<string> {
    const url = await worker.opsUrl;
    await eventually('/readyz and /healthz to answer 200', async () => {
      const [ready, healthy] = await Promise.all([fetch(`${url}/readyz`), fetch(`${url}/healthz`)]);
      return ready.status === 200 && healthy.status === 200 ? true : undefined;
    });
    return url;
  }

  test('/metrics counts the run summary’s rows and the 429; probes answer; logs hold no secret or e-mail', async () => {
    const taskQueue = uniqueQueue('ops');
    const worker = startWorker(taskQueue, 'metrics.sqlite', { P2C_LOG_LEVEL: 'debug' });
    const url = await untilRunning(worker);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ state: 'RUNNING' });
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ temporal: 'ok', store: 'ok' });
    expect((await fetch(`${url}/nothing`)).status).toBe(404);

    emulators.dataverse.faults.configure({ throttleNext: { count: 1, retryAfterSeconds: 1 } });
    const run = await startProjectRun(client, project, {
      tasks: ['products', 'accounts', 'contactsToCustomers'],
      mode: 'full',
      taskQueue,
    });
    const summary = await run.handle.result();
    emulators.dataverse.faults.reset();

    const metric = parseMetrics(await (await fetch(`${url}/metrics`)).text());
    expect(summary.tasks.map((t) => t.task).sort()).toEqual(['accounts', 'contactsToCustomers', 'products']);
    for (const t of summary.tasks) {
      for (const outcome of ROW_OUTCOMES) {
        expect([t.task, outcome, metric('p2c_rows_total', { task: t.task, outcome })]).toEqual([
          t.task,
          outcome,
          t.counters[outcome],
        ]);
      }
    }
    expect(metric('p2c_rows_total', { task: 'accounts', outcome: 'read' })).toBe(SEED.accounts);
    expect(metric('p2c_rows_total', { task: 'accounts', outcome: 'created' })).toBeGreaterThan(0);

    expect(metric('p2c_http_requests_total', { system: 'sales', status: '429' })).toBe(1);
    expect(metric('p2c_throttled_total', { system: 'sales' })).toBe(1);
    // A run this small never spends a request window, but the worker reports both connections' waits.
    for (const system of ['sales', 'fno']) expect(metric('p2c_limiter_window_wait_seconds', { system })).toBe(0);
    expect(metric('p2c_retries_total', { system: 'sales' })).toBeGreaterThanOrEqual(1);
    for (const system of ['sales', 'fno']) {
      const ok = metric('p2c_http_requests_total', { system, status: '200' }) ?? 0;
      expect(ok).toBeGreaterThan(0);
      // Every counted request, whatever its status, has exactly one latency observation.
      const counted = metric('p2c_http_requests_total', { system });
      expect(metric('p2c_http_request_seconds_count', { system })).toBe(counted);
    }
    // The SDK's runtime metrics come through the same endpoint.
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^temporal_worker_task_slots_available\{/m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);

    const lines = worker.lines();
    const records = lines.map((l) => JSON.parse(l) as { level: string; time: string; msg: string; component?: string });
    for (const r of records) expect(typeof r.msg === 'string' && typeof r.time === 'string').toBe(true);
    expect(records.some((r) => r.component === 'connector' && r.level === 'debug' && r.msg === 'request done')).toBe(
      true,
    );
    expect(records.some((r) => r.level === 'info' && r.msg === 'throttled by the service')).toBe(true);

    const emails: string[] = [];
    for await (const page of clients.dataverse.readPages('accounts', { select: ['emailaddress1'], pageSize: 500 })) {
      emails.push(...page.rows.map((r) => String(r.emailaddress1 ?? '')).filter((e) => e.includes('@')));
    }
    expect(emails.length).toBeGreaterThan(0);
    const log = lines.join('\n');
    expect(log).not.toContain(emulators.connection.clientSecret);
    for (const email of emails) expect(log).not.toContain(email);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  /** Polls the task workflow until one of its activities is running on a worker; returns it and the run id. */
  /** A started read of the task: one that waits on the emulators (bookkeeping steps end too soon to signal in). */
  async function runningActivity(workflowId: string): Promise<{ activityId: string; runId: string }> {
    return eventually(`a running readPage of ${workflowId}`, async () => {
      const { raw } = await client.workflow.getHandle(workflowId).describe();
      const pending = raw.pendingActivities?.find((a) => a.state === STARTED && a.activityType?.name === 'readPage');
      return pending
        ? { activityId: pending.activityId!, runId: raw.workflowExecutionInfo!.execution!.runId! }
        : undefined;
    });
  }

  test('SIGTERM mid-activity: the activity completes on this worker, exit 0, and a new worker finishes the run', async () => {
    const taskQueue = uniqueQueue('ops-term');
    const first = startWorker(taskQueue, 'term.sqlite');
    await untilRunning(first);
    // Slow answers keep an activity in flight long enough to signal the worker in the middle of it.
    for (const emulator of [emulators.dataverse, emulators.fno]) emulator.faults.configure({ latencyMs: 1500 });
    const now = new Date();
    const run = await startProjectRun(client, project, { tasks: ['accounts'], mode: 'full', taskQueue, now });
    const accountsId = taskWorkflowId(project.name, 'accounts', runTimeStamp(now));
    const inFlight = await runningActivity(accountsId);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const messages = first.lines().map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'finishing in-flight activities, then stopping',
        'worker stopped: in-flight activities finished',
      ]),
    );

    for (const emulator of [emulators.dataverse, emulators.fno]) emulator.faults.reset();
    const second = startWorker(taskQueue, 'term.sqlite');
    const summary = await run.handle.result();
    expect(summary.tasks.map((t) => [t.task, t.counters.read])).toEqual([['accounts', SEED.accounts]]);
    expect(['Completed', 'CompletedWithWarnings']).toContain(summary.tasks[0].outcome);

    // The activity running at SIGTERM was completed by the first worker, on its first attempt.
    const history = await client.workflow.getHandle(accountsId, inFlight.runId).fetchHistory();
    const events = history.events ?? [];
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityId === inFlight.activityId)!;
    const started = events.find(
      (e) => e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled.eventId?.toString(),
    );
    const completed = events.find(
      (e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === scheduled.eventId?.toString(),
    );
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(1);
    expect(completed?.activityTaskCompletedEventAttributes?.identity).toBe(`${first.child.pid}@${os.hostname()}`);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  test('a second SIGTERM exits at once without waiting for the in-flight activity', async () => {
    const taskQueue = uniqueQueue('ops-force');
    const worker = startWorker(taskQueue, 'force.sqlite');
    await untilRunning(worker);
    // Answers slower than the whole check, so the activity is surely still running at the second signal.
    for (const emulator of [emulators.dataverse, emulators.fno]) emulator.faults.configure({ latencyMs: 10_000 });
    const now = new Date();
    const run = await startProjectRun(client, project, { tasks: ['accounts'], mode: 'full', taskQueue, now });
    try {
      await runningActivity(taskWorkflowId(project.name, 'accounts', runTimeStamp(now)));
      worker.child.kill('SIGTERM');
      await eventually('the first signal to be logged', async () =>
        worker.lines().some((l) => l.includes('finishing in-flight activities')) ? true : undefined,
      );
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(128 + os.constants.signals.SIGTERM);
      expect(worker.lines().some((l) => l.includes('worker stopped'))).toBe(false);
    } finally {
      for (const emulator of [emulators.dataverse, emulators.fno]) emulator.faults.reset();
      await run.handle.terminate('test finished');
    }
  });
});
