/**
 * The benchmark completes on the shared dev server and writes a well-formed report, checked here at a smoke size
 * (`--quick` seeds 10k accounts, which takes far longer than a test should; .ci/run runs it as a step of its own after
 * the tests). Speed is the benchmark's business, not this test's: nothing here depends on how fast the run was.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchReport } from '../../../bench/harness/report';
import { BENCH_TASKS } from '../../../bench/harness/scenario';
import { DEFAULT_MAX_CACHED_WORKFLOWS, WORKER_NODE_OPTIONS } from '../../../worker/worker';

const ROOT = path.resolve(__dirname, '../../..');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Generous: CI machines are shared; the run itself is meant to take under two minutes. */
const RUN_TIMEOUT_MS = 10 * 60 * 1000;
const SMOKE_ACCOUNTS = 150;
const NAME = 'ci-smoke';

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

const positive = (value: number) => Number.isFinite(value) && value > 0;

describe('npm run bench (smoke size)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-bench-quick-'));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test(
    'completes and writes JSON, markdown and a PNG plot',
    async () => {
      const run = await runBench([
        '--sizes',
        String(SMOKE_ACCOUNTS),
        '--name',
        NAME,
        '--out',
        out,
        '--temporal-address',
        process.env.P2C_TEST_TEMPORAL_ADDRESS!,
      ]);
      if (run.code !== 0) throw new Error(`bench exited with ${run.code}:\n${run.output}`);

      const report = JSON.parse(fs.readFileSync(path.join(out, `${NAME}.json`), 'utf8')) as BenchReport;
      expect(report.mode).toBe('full');
      expect(report.complete).toBe(true);
      expect(report.sizes.map((s) => s.accounts)).toEqual([SMOKE_ACCOUNTS]);
      const [size] = report.sizes;
      for (const value of [
        size.rows,
        size.baseline.rowsPerSecond,
        size.p2c.rowsPerSecond,
        size.ratio,
        size.incremental.relativeToFull,
        size.workerPeakRssMB,
        size.p2c.historyEventsPer1000Rows,
        size.p2c.payloadBytesPer1000Rows,
        size.p2c.requestsPer1000Rows,
        size.baseline.requestsPer1000Rows,
        size.p2c.maxEventsPerRun,
      ]) {
        expect(positive(value)).toBe(true);
      }
      expect(size.p2c.outcome).not.toBe('Failed');
      // Recorded for every size; a smoke-size copy is far below the Dataverse window's budget.
      expect(size.raw.baseline.dataverseWindowWaitSeconds).toBe(0);
      // The worker's own wait comes from its /metrics.
      expect(size.raw.full.dataverseWindowWaitSeconds).toBe(0);
      // The worker is measured as a deployment runs it, and the report says how it was started.
      expect(report.worker).toEqual({
        nodeOptions: WORKER_NODE_OPTIONS,
        maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
      });
      expect(positive(size.workerIdleRssMB)).toBe(true);
      expect(size.workerIdleRssMB).toBeLessThanOrEqual(size.workerPeakRssMB);
      // Every task's wall time, in p2c-sync and in the baseline, so a report shows where the time went.
      const headerTasks = BENCH_TASKS.filter((t) => t !== 'quoteLines');
      expect(size.raw.full.tasks.map((t) => t.task).sort()).toEqual([...headerTasks].sort());
      expect(size.raw.baseline.tasks.map((t) => t.task).sort()).toEqual([...headerTasks].sort());
      for (const t of [...size.raw.full.tasks, ...size.raw.baseline.tasks]) expect(positive(t.seconds)).toBe(true);
      expect(size.incremental.changedRows).toBeGreaterThan(0);
      // CPU time per process; the reused server (--temporal-address) is not the benchmark's to measure.
      const { baseline: baselineCpu, full: fullCpu } = { baseline: size.raw.baseline.cpu!, full: size.raw.full.cpu! };
      expect([baselineCpu.baseline!, baselineCpu.emulators, fullCpu.worker!, fullCpu.emulators].every(positive)).toBe(
        true,
      );
      expect(fullCpu.temporalServer).toBeUndefined();
      expect(size.cpu?.highestRatio).toBeCloseTo(size.baseline.seconds / (fullCpu.total / size.cpu!.cores), 6);
      expect(report.serviceProtection?.accounts).toBe(SMOKE_ACCOUNTS);
      expect(report.serviceProtection?.earlyRetries).toEqual(expect.any(Number));
      expect(report.targets.length).toBeGreaterThan(0);
      for (const target of report.targets) expect(typeof target.met).toBe('boolean');

      const markdown = fs.readFileSync(path.join(out, `${NAME}.md`), 'utf8');
      expect(markdown).toContain('| accounts | rows | baseline rows/s | p2c rows/s |');
      expect(markdown).toContain(`| ${size.accounts} | ${size.rows} |`);
      expect(markdown).toContain(`](${NAME}.png)`);
      expect(fs.readFileSync(path.join(out, `${NAME}.png`)).subarray(0, PNG_SIGNATURE.length)).toEqual(PNG_SIGNATURE);
    },
    RUN_TIMEOUT_MS,
  );
});
