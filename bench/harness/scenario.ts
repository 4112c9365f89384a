/**
 * One benchmark size: seed the emulators once, then against the same emulators run the direct-copy baseline,
 * a full p2c-sync run (real dev server, worker in its own process) and an incremental run after 1 % of the rows
 * changed. The target side is restored to its seeded state between the baseline and p2c, so both do the same
 * writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { connectionToEmulators } from '../../client/local-stack';
import { freePort } from '../../common/dev-server';
import { startProjectRun } from '../../client/run';
import type { ProjectRunSummary } from '../../common/sync-types';
import { startEmulators, type Emulators } from '../../emulators';
import type { ThrottleOptions } from '../../emulators/common/throttle';
import { loadProject } from '../../mappings/project-file';
import type { Project } from '../../mappings';
import { createClients } from '../../worker/connections';
import { writeProjectFile } from '../../test/support/worker-process';
import type { BaselineOptions, BaselineResult } from './baseline';
import { runBaselineProcess } from './baseline-process';
import { cpuMeter, type CpuSeconds } from './cpu';
import { measureHistories, type HistoryCost } from './history';
import { startBenchWorker, type BenchWorker } from './worker-process';

/** The prospect-to-cash master data and quotes: what the benchmark's seed holds. */
export const BENCH_TASKS = [
  'products',
  'accounts',
  'contactsToCustomers',
  'contactPersons',
  'quoteHeaders',
  'quoteLines',
] as const;
export const CHANGED_SHARE = 0.01;
const WORKER_READY_TIMEOUT_MS = 120_000;
const POLL_INTERVAL_MS = 250;

export interface EngineSettings {
  pageSize: number;
  pipelineDepth: number;
  maxPageBytes: number;
  /** Pages of a plain task written at once (SyncSettings.writeConcurrency). */
  writeConcurrency: number;
  /** Quotes synced at once (SyncSettings.documentConcurrency). */
  documentConcurrency: number;
}

export interface RequestCounts {
  dataverse: number;
  fno: number;
  total: number;
}

export interface TimedRun {
  seconds: number;
  requests: RequestCounts;
}

export interface P2cRun extends TimedRun {
  workflowId: string;
  outcome: string;
  /** Rows read as the run's task counters report them. */
  rowsRead: number;
  /** Each task's wall time (its workflow's start to end) and rows read: where the run's time went. */
  tasks: Array<{ task: string; seconds: number; read: number }>;
  history: HistoryCost;
  /** Time the run's Dataverse requests waited for a spent request window (absent in older results). */
  dataverseWindowWaitSeconds?: number;
  /** CPU seconds the worker, the Temporal server and the emulators used during the run (absent in older results). */
  cpu?: CpuSeconds;
}

export interface SizeResult {
  accounts: number;
  seeded: Record<string, number>;
  /** Source rows of one full sync (every task's rows plus quote lines), as the baseline read them. */
  rows: number;
  baseline: TimedRun & {
    written: number;
    failed: number;
    tasks: BaselineResult['tasks'];
    /** Absent in results recorded before it was measured. */
    dataverseWindowWaitSeconds?: number;
    /** CPU seconds the baseline's process and the emulators used during the copy (absent in older results). */
    cpu?: CpuSeconds;
  };
  full: P2cRun;
  incremental: P2cRun & { changedRows: number };
  workerPeakRssBytes: number;
  /** The worker's RSS once it polls, before any work: what the peak adds to. */
  workerIdleRssBytes: number;
}

export interface ProtectedResult {
  accounts: number;
  rows: number;
  limits: { windowSeconds: number; maxRequests: number; maxConcurrent: number };
  unprotected: { seconds: number; dataverseRequests: number };
  run: P2cRun;
  throttled: number;
  earlyRetries: number;
}

export interface BenchContext {
  client: Client;
  temporalAddress: string;
  namespace: string;
  workDir: string;
  /** The Temporal server's process, when the benchmark started it (its CPU time is counted in p2c-sync's runs). */
  temporalServerPid?: number;
  /** Prebuilt workflow bundle the workers load (prebuiltWorkflowBundle). */
  workflowBundleFile?: string;
  engine: EngineSettings;
  baseline: BaselineOptions;
  log(message: string): void;
}

type Snapshot = Array<{ table: { load(data: unknown): void }; data: string }>;

/** The target side's tables as they were seeded (both emulators: products flow to Sales, the rest to F&O). */
function snapshotStores(emulators: Emulators): Snapshot {
  return [emulators.dataverse.store, emulators.fno.store].flatMap((store) =>
    store.tables().map((table) => ({ table, data: JSON.stringify(table.toJSON()) })),
  );
}

function restoreStores(snapshot: Snapshot): void {
  for (const { table, data } of snapshot) table.load(JSON.parse(data));
}

function requestCounter(emulators: Emulators): () => RequestCounts {
  const now = () => ({ dataverse: emulators.dataverse.stats().requests, fno: emulators.fno.stats().requests });
  const start = now();
  return () => {
    const end = now();
    const dataverse = end.dataverse - start.dataverse;
    const fno = end.fno - start.fno;
    return { dataverse, fno, total: dataverse + fno };
  };
}

async function time<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** Waits until the worker polls its task queue, so its start-up (bundling workflows) is not timed as sync work. */
async function waitForPoller(ctx: BenchContext, taskQueue: string, worker: BenchWorker): Promise<void> {
  const deadline = Date.now() + WORKER_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const described = await ctx.client.workflowService.describeTaskQueue({
      namespace: ctx.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    if ((described.pollers ?? []).length > 0) return;
    await Promise.race([new Promise((r) => setTimeout(r, POLL_INTERVAL_MS)), worker.crashed]);
  }
  throw new Error(`worker did not poll ${taskQueue} within ${WORKER_READY_TIMEOUT_MS} ms`);
}

export function benchProject(projectFile: string, engine: EngineSettings): Project {
  const project = loadProject(projectFile);
  return {
    ...project,
    engine: { pageSize: engine.pageSize, pipelineDepth: engine.pipelineDepth, maxPageBytes: engine.maxPageBytes },
  };
}

async function runP2c(
  ctx: BenchContext,
  emulators: Emulators,
  project: Project,
  worker: BenchWorker,
  taskQueue: string,
  mode: 'full' | 'incremental',
): Promise<P2cRun> {
  const requests = requestCounter(emulators);
  const waitedBefore = await worker.dataverseWindowWaitSeconds();
  const cpu = cpuMeter({ worker: worker.pid, temporalServer: ctx.temporalServerPid });
  const { value, seconds } = await time(async () => {
    const started = await startProjectRun(ctx.client, project, {
      tasks: [...BENCH_TASKS],
      mode,
      taskQueue,
      settings: { writeConcurrency: ctx.engine.writeConcurrency, documentConcurrency: ctx.engine.documentConcurrency },
    });
    const summary: ProjectRunSummary = await Promise.race([started.handle.result(), worker.crashed]);
    return { workflowId: started.workflowId, summary };
  });
  const counted = requests();
  const cpuSeconds = cpu();
  const dataverseWindowWaitSeconds = (await worker.dataverseWindowWaitSeconds()) - waitedBefore;
  const history = await measureHistories(ctx.client, value.workflowId);
  return {
    seconds,
    requests: counted,
    workflowId: value.workflowId,
    outcome: value.summary.outcome,
    rowsRead: value.summary.tasks.reduce((sum, t) => sum + t.counters.read, 0),
    tasks: value.summary.tasks.map((t) => ({
      task: t.task,
      seconds: (Date.parse(t.endedAt) - Date.parse(t.startedAt)) / 1000,
      read: t.counters.read,
    })),
    history,
    dataverseWindowWaitSeconds,
    cpu: cpuSeconds,
  };
}

/** Touches CHANGED_SHARE of the accounts and contacts through the Web API, as users editing in Sales would. */
async function changeRows(emulators: Emulators, seeded: Record<string, number>): Promise<number> {
  const clients = createClients(connectionToEmulators(emulators.connection));
  try {
    let changed = 0;
    for (const [entitySet, keyField] of [
      ['accounts', 'accountnumber'],
      ['contacts', 'msdynce_contactnumber'],
    ] as const) {
      const wanted = Math.ceil((seeded[entitySet] ?? 0) * CHANGED_SHARE);
      const keys: string[] = [];
      let cursor: string | undefined;
      // Spread the edits over the whole set: every n-th row with a business key.
      const stride = Math.max(1, Math.floor((seeded[entitySet] ?? 0) / Math.max(1, wanted)));
      let seen = 0;
      do {
        const page = await clients.dataverse.readPage(entitySet, { select: [keyField], pageSize: 5000, cursor });
        for (const row of page.rows) {
          const key = row[keyField];
          if (seen++ % stride === 0 && typeof key === 'string' && key && keys.length < wanted) keys.push(key);
        }
        cursor = page.nextCursor;
      } while (cursor && keys.length < wanted);
      const outcomes = await clients.dataverse.upsertBatch(
        keys.map((key, i) => ({
          sourceKey: key,
          entitySet,
          key: { [keyField]: key },
          fields: { telephone1: `+1 555 01${String(i % 100).padStart(2, '0')}` },
        })),
      );
      const failed = outcomes.filter((o) => o.status === 'failed');
      if (failed.length) throw new Error(`changing ${entitySet}: ${failed.length} edits failed (${failed[0].message})`);
      changed += keys.length;
    }
    return changed;
  } finally {
    await clients.close();
  }
}

export interface SizeRun {
  result: SizeResult;
  /** Runs the service-protection variant on these same emulators (restoring the seeded state first). */
  runProtected(limits: ThrottleOptions): Promise<ProtectedResult>;
  close(): Promise<void>;
}

export async function runSize(ctx: BenchContext, accounts: number): Promise<SizeRun> {
  const dir = fs.mkdtempSync(path.join(ctx.workDir, `size-${accounts}-`));
  ctx.log(`${accounts} accounts: seeding`);
  // Orders, order lines and invoices are not part of this benchmark's sync.
  const emulators = await startEmulators({ seed: { accounts, orders: 0 }, serviceProtection: false });
  try {
    const seeded = { ...emulators.manifest!.counts.dataverse, ...emulators.manifest!.counts.fno };
    const snapshot = snapshotStores(emulators);
    const projectFile = writeProjectFile(dir, emulators);
    const project = benchProject(projectFile, ctx.engine);

    ctx.log(`${accounts} accounts: baseline`);
    const baselineRequests = requestCounter(emulators);
    const baselineCpu = cpuMeter({});
    const baseline = await runBaselineProcess({
      connection: connectionToEmulators(emulators.connection),
      projectFile,
      engine: ctx.engine,
      tasks: BENCH_TASKS,
      options: ctx.baseline,
    });
    const baselineCounts = baselineRequests();
    const baselineCpuSeconds = baselineCpu(baseline.cpuSeconds);
    restoreStores(snapshot);

    let workerSeq = 0;
    const startWorker = async () => {
      workerSeq += 1;
      const taskQueue = `p2c-bench-${accounts}-${process.pid}-${workerSeq}`;
      const worker = startBenchWorker({
        metricsPort: await freePort(),
        projectFile,
        storeFile: path.join(dir, `checkpoints-${workerSeq}.sqlite`),
        taskQueue,
        temporalAddress: ctx.temporalAddress,
        secret: emulators.connection.clientSecret,
        workflowBundleFile: ctx.workflowBundleFile,
      });
      await waitForPoller(ctx, taskQueue, worker);
      return { worker, taskQueue };
    };

    const { worker, taskQueue } = await startWorker();
    const workerIdleRssBytes = worker.rssBytes();
    let full: P2cRun;
    let incremental: P2cRun;
    let changedRows: number;
    let workerPeakRssBytes: number;
    try {
      ctx.log(`${accounts} accounts: p2c-sync full run`);
      full = await runP2c(ctx, emulators, project, worker, taskQueue, 'full');
      changedRows = await changeRows(emulators, seeded);
      ctx.log(`${accounts} accounts: p2c-sync incremental run after ${changedRows} edits`);
      incremental = await runP2c(ctx, emulators, project, worker, taskQueue, 'incremental');
    } finally {
      workerPeakRssBytes = await worker.stop();
    }

    const result: SizeResult = {
      accounts,
      seeded,
      rows: baseline.value.rowsRead,
      baseline: {
        seconds: baseline.seconds,
        requests: baselineCounts,
        written: baseline.value.written,
        failed: baseline.value.failed,
        tasks: baseline.value.tasks,
        dataverseWindowWaitSeconds: baseline.value.dataverseWindowWaitSeconds,
        cpu: baselineCpuSeconds,
      },
      full,
      incremental: { ...incremental, changedRows },
      workerPeakRssBytes,
      workerIdleRssBytes,
    };

    return {
      result,
      async runProtected(limits) {
        restoreStores(snapshot);
        const protection = emulators.dataverse.throttle;
        protection.configure(limits);
        protection.reset();
        const before = emulators.dataverse.stats();
        const second = await startWorker();
        try {
          ctx.log(`${accounts} accounts: p2c-sync full run under Dataverse service protection`);
          const run = await runP2c(ctx, emulators, project, second.worker, second.taskQueue, 'full');
          const after = emulators.dataverse.stats();
          const effective = protection.limitsOrDefault();
          return {
            accounts,
            rows: result.rows,
            limits: {
              windowSeconds: effective.windowSeconds,
              maxRequests: effective.maxRequests,
              maxConcurrent: effective.maxConcurrent,
            },
            unprotected: { seconds: full.seconds, dataverseRequests: full.requests.dataverse },
            run,
            throttled: after.throttled - before.throttled,
            earlyRetries: after.earlyRetries - before.earlyRetries,
          };
        } finally {
          await second.worker.stop();
          protection.configure(false);
        }
      },
      async close() {
        await emulators.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await emulators.close();
    throw error;
  }
}
