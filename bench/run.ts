/**
 * `npm run bench`: throughput, cost per record and scaling of p2c-sync against a direct-copy baseline, plus an
 * incremental run and a run under Dataverse service protection. Writes JSON, markdown and a PNG plot.
 *
 *   npm run bench                     # 10k, 50k and 100k accounts
 *   npm run bench -- --quick          # 10k accounts (CI)
 *   npm run bench -- --sizes 10000 --page-size 500 --pipeline-depth 3 --out /tmp/bench
 *   npm run bench -- --quick --temporal-address 127.0.0.1:7233   # reuse a running Temporal server
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_NAMESPACE, registerSearchAttributes, startDevServer } from '../common/dev-server';
import { DEFAULT_THROTTLE_OPTIONS } from '../emulators/common/throttle';
import { DEFAULT_SYNC_SETTINGS } from '../common/sync-types';
import { loadProject } from '../mappings/project-file';
import { DEFAULT_MAX_CACHED_WORKFLOWS, WORKER_NODE_OPTIONS } from '../worker/worker';
import type { BaselineOptions } from './harness/baseline';
import { positiveInteger } from './harness/options';
import { prebuiltWorkflowBundle } from './harness/worker-process';
import { runSize, type BenchContext, type EngineSettings, type SizeRun } from './harness/scenario';
import {
  checkTargets,
  protectedReport,
  sizeReport,
  waitedForWindow,
  writeReport,
  type BenchReport,
  type ProtectedReport,
  type SizeReport,
} from './harness/report';

const FULL_SIZES = [10_000, 50_000, 100_000];
const QUICK_SIZES = [10_000];
const EXAMPLE_PROJECT = path.resolve(__dirname, '../examples/project.yaml');
const DEFAULT_OUT = path.resolve(__dirname, 'results');
/** A hand-written copy script keeps a few batches in flight, like the connector bench's writers. */
const DEFAULT_BASELINE_WRITES_IN_FLIGHT = 4;
const HISTORY_MESSAGE_LIMIT_BYTES = 64 * 1024 * 1024;

function numbers(value: string | undefined, fallback: number[]): number[] {
  if (!value) return fallback;
  const parsed = value.split(',').map((v) => Number(v.trim()));
  if (parsed.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--sizes: positive integers, got ${value}`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      'page-size': { type: 'string' },
      'pipeline-depth': { type: 'string' },
      'max-page-bytes': { type: 'string' },
      'write-concurrency': { type: 'string' },
      'document-concurrency': { type: 'string' },
      'baseline-in-flight': { type: 'string' },
      'no-protection': { type: 'boolean', default: false },
      'protection-size': { type: 'string' },
      'temporal-address': { type: 'string' },
    },
  });
  const started = process.hrtime.bigint();
  const startedAt = new Date().toISOString();
  const mode = values.quick ? 'quick' : 'full';
  const sizes = numbers(values.sizes, values.quick ? QUICK_SIZES : FULL_SIZES).sort((a, b) => a - b);
  const defaults = loadProject(EXAMPLE_PROJECT).engine;
  const engine: EngineSettings = {
    pageSize: positiveInteger('page-size', values['page-size'], defaults.pageSize),
    pipelineDepth: positiveInteger('pipeline-depth', values['pipeline-depth'], defaults.pipelineDepth),
    maxPageBytes: positiveInteger('max-page-bytes', values['max-page-bytes'], defaults.maxPageBytes),
    writeConcurrency: positiveInteger(
      'write-concurrency',
      values['write-concurrency'],
      DEFAULT_SYNC_SETTINGS.writeConcurrency!,
    ),
    documentConcurrency: positiveInteger(
      'document-concurrency',
      values['document-concurrency'],
      DEFAULT_SYNC_SETTINGS.documentConcurrency,
    ),
  };
  const inFlight = positiveInteger(
    'baseline-in-flight',
    values['baseline-in-flight'],
    DEFAULT_BASELINE_WRITES_IN_FLIGHT,
  );
  const baseline: BaselineOptions = {
    pageSize: engine.pageSize,
    writesInFlight: inFlight,
    documentConcurrency: inFlight,
  };
  const protectionSize = values['no-protection']
    ? undefined
    : positiveInteger('protection-size', values['protection-size'], sizes[0]);
  const outDir = path.resolve(values.out ?? DEFAULT_OUT);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-bench-'));
  const log = (message: string) =>
    console.log(`[${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(0).padStart(4)} s] ${message}`);

  // A given frontend (the integration tests' dev server) is reused; otherwise the bench starts its own.
  const server = values['temporal-address']
    ? { address: values['temporal-address'], namespace: DEFAULT_NAMESPACE, stop: async () => undefined }
    : await startDevServer({ port: 0, uiPort: false, dbFile: path.join(workDir, 'temporal.sqlite') });
  const connection = await Connection.connect({
    address: server.address,
    // A page of history events carrying page payloads can pass gRPC's default 4 MB message limit.
    channelArgs: { 'grpc.max_receive_message_length': HISTORY_MESSAGE_LIMIT_BYTES },
  });
  try {
    await registerSearchAttributes(connection, server.namespace);
    const ctx: BenchContext = {
      client: new Client({ connection, namespace: server.namespace }),
      temporalAddress: server.address,
      namespace: server.namespace,
      temporalServerPid: 'pid' in server ? server.pid : undefined,
      workDir,
      workflowBundleFile: await prebuiltWorkflowBundle(workDir),
      engine,
      baseline,
      log,
    };
    const reports: SizeReport[] = [];
    let protectedRun: ProtectedReport | undefined;
    // Rewritten after every step, so a long run that is stopped early still leaves what it measured.
    const emit = (complete: boolean): BenchReport => {
      const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const report: BenchReport = {
        startedAt,
        mode,
        complete,
        machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}` },
        worker: { nodeOptions: WORKER_NODE_OPTIONS, maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS },
        engine,
        baselineSettings: baseline,
        sizes: reports,
        serviceProtection: protectedRun,
        totalSeconds,
        targets: checkTargets(reports, protectedRun, totalSeconds),
      };
      const files = writeReport(report, outDir, values.name ?? mode);
      log(`report${complete ? '' : ' so far'}: ${files.json}, ${files.markdown}, ${files.png}`);
      return report;
    };
    for (const accounts of sizes) {
      let run: SizeRun | undefined;
      try {
        run = await runSize(ctx, accounts);
        const report = sizeReport(run.result);
        reports.push(report);
        log(
          `${accounts} accounts: ${report.rows} rows; baseline ${report.baseline.rowsPerSecond.toFixed(0)} rows/s, ` +
            `p2c ${report.p2c.rowsPerSecond.toFixed(0)} rows/s (×${report.ratio.toFixed(2)}` +
            (waitedForWindow(report)
              ? `; ×${report.ratioWithoutWindowWaits.toFixed(2)} without request-window waits`
              : '') +
            `), incremental ` +
            `${(report.incremental.relativeToFull * 100).toFixed(1)} % of full, worker peak ${report.workerPeakRssMB.toFixed(0)} MB`,
        );
        emit(false);
        if (accounts === protectionSize) {
          protectedRun = protectedReport(await run.runProtected({ ...DEFAULT_THROTTLE_OPTIONS }));
          log(
            `${accounts} accounts under service protection: ${protectedRun.rowsPerSecond.toFixed(0)} rows/s, ` +
              `${(protectedRun.achievedShare * 100).toFixed(1)} % of the limit-imposed maximum, ` +
              `${protectedRun.throttled} throttled, ${protectedRun.earlyRetries} early retries`,
          );
          emit(false);
        }
      } finally {
        await run?.close();
      }
    }
    const report = emit(true);
    for (const t of report.targets) log(`${t.met ? 'met    ' : 'MISSED '} ${t.name}: ${t.measured} (goal ${t.target})`);
  } finally {
    await connection.close();
    await server.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
