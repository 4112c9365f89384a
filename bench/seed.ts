/**
 * Seed generation and emulator start-up times against their goals: 100,000 accounts with 150,000 contacts,
 * 10,000 products and the default quotes and orders generate in a few seconds; both emulators start with
 * 10,000 accounts of seed data in under 5 s. `--strict` exits 1 when a goal is missed.
 *
 *   npx tsx bench/seed.ts [--strict] [--runs N]
 */
import os from 'node:os';
import { startEmulators } from '../emulators';
import { generateSeed, type SeedOptions } from '../emulators/seed';

const GENERATE_GOAL_MS = 5_000;
const START_GOAL_MS = 5_000;
const LARGE_SEED: SeedOptions = { accounts: 100_000, contacts: 150_000, products: 10_000 };
const START_SEED: SeedOptions = { accounts: 10_000 };

interface Measurement {
  step: string;
  rows: number;
  ms: number;
  /** CPU time of this process: on a shared, busy machine wall time overstates the cost. */
  cpuMs?: number;
  goalMs: number;
  heapMb?: number;
}

function totalRows(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measureGeneration(runs: number): Measurement {
  const times: number[] = [];
  const cpu: number[] = [];
  let rows = 0;
  let heapMb = 0;
  for (let run = 0; run < runs; run++) {
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const seed = generateSeed(LARGE_SEED);
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
    rows = totalRows(seed.expected.counts.dataverse) + totalRows(seed.expected.counts.fno);
    heapMb = Math.max(heapMb, (process.memoryUsage().heapUsed - heapBefore) / 1e6);
  }
  return {
    step: 'generateSeed 100k accounts',
    rows,
    ms: median(times),
    cpuMs: median(cpu),
    goalMs: GENERATE_GOAL_MS,
    heapMb,
  };
}

async function measureStart(runs: number): Promise<Measurement[]> {
  const total: number[] = [];
  const totalCpu: number[] = [];
  const generation: number[] = [];
  let rows = 0;
  for (let run = 0; run < runs; run++) {
    const generateStarted = performance.now();
    generateSeed(START_SEED);
    generation.push(performance.now() - generateStarted);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const emulators = await startEmulators({ seed: START_SEED, serviceProtection: false });
    total.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    totalCpu.push((used.user + used.system) / 1000);
    rows = totalRows(emulators.manifest!.counts.dataverse) + totalRows(emulators.manifest!.counts.fno);
    await emulators.close();
  }
  return [
    { step: 'startEmulators 10k accounts', rows, ms: median(total), cpuMs: median(totalCpu), goalMs: START_GOAL_MS },
    { step: '  of which generateSeed', rows, ms: median(generation), goalMs: START_GOAL_MS },
  ];
}

async function main(): Promise<void> {
  const strict = process.argv.includes('--strict');
  const runsIndex = process.argv.indexOf('--runs');
  const runs = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 3;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number ≥ 1');

  const results = [measureGeneration(runs), ...(await measureStart(runs))];
  console.log(`median of ${runs} runs, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`);
  console.table(
    results.map((r) => ({
      step: r.step,
      rows: r.rows,
      ms: Math.round(r.ms),
      'cpu ms': r.cpuMs === undefined ? '' : Math.round(r.cpuMs),
      'rows/s': Math.round((r.rows / r.ms) * 1000),
      'heap MB': r.heapMb === undefined ? '' : Math.round(r.heapMb),
      goal: `< ${r.goalMs} ms`,
      met: r.ms < r.goalMs ? 'yes' : 'NO',
    })),
  );
  if (strict && results.some((r) => r.ms >= r.goalMs)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
