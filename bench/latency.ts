/**
 * Continuous-mode latency: with `p2c sync --continuous` workflows running for accounts and quotes, edit source
 * rows at random moments (so edits land in every phase of the idle back-off) and time each change until it is
 * visible in F&O. Prints and writes p50/p95/max per entity.
 *
 *   npx tsx bench/latency.ts                         # 20 edits per entity, 0-20 s apart
 *   npx tsx bench/latency.ts --edits 40 --max-gap-ms 40000 --out /tmp/latency.json
 *   npx tsx bench/latency.ts --temporal-address 127.0.0.1:7233   # reuse a running Temporal server
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { continuousStarts, startContinuous } from '../client/cli/continuous';
import { startLocalStack, type LocalStack } from '../client/local-stack';
import { startProjectRun } from '../client/run';
import { DEFAULT_NAMESPACE, registerSearchAttributes, startDevServer } from '../common/dev-server';
import type { BusinessKey } from '../common/types';
import { loadProject } from '../mappings/project-file';
import type { Project } from '../mappings';

/** A source column whose edit shows up in one target column. */
export interface LatencyProbe {
  task: string;
  sourceSet: string;
  sourceKeyField: string;
  sourceField: string;
  targetSet: string;
  targetKeyField: string;
  targetField: string;
  /** Columns written before and after the edit: an active quote is read-only until set back to draft. */
  reopen?: Record<string, number>;
  reactivate?: Record<string, number>;
}

export const LATENCY_PROBES: readonly LatencyProbe[] = [
  {
    task: 'accounts',
    sourceSet: 'accounts',
    sourceKeyField: 'accountnumber',
    sourceField: 'name',
    targetSet: 'CustomersV2',
    targetKeyField: 'CustomerAccount',
    targetField: 'OrganizationName',
  },
  {
    task: 'quoteHeaders',
    sourceSet: 'quotes',
    sourceKeyField: 'quotenumber',
    sourceField: 'name',
    targetSet: 'CDSSalesQuotationHeaders',
    targetKeyField: 'SalesQuotationNumber',
    targetField: 'SalesQuotationName',
    reopen: { statecode: 0, statuscode: 1 },
    reactivate: { statecode: 1, statuscode: 2 },
  },
];

/** How often the target is read while waiting for an edit to arrive. */
const ARRIVAL_POLL_MS = 100;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keys of rows the probe's task already wrote to the target (edits must go to rows that sync). */
export async function syncedKeys(stack: LocalStack, probe: LatencyProbe, dataAreaId: string): Promise<string[]> {
  const page = await stack.clients.fno.readPage(probe.targetSet, {
    select: [probe.targetKeyField],
    pageSize: 1000,
    dataAreaId,
  });
  return page.rows.map((row) => String(row[probe.targetKeyField]));
}

/**
 * Writes `value` to the source row and waits until the target shows it; answers the milliseconds in between.
 * Fails after `timeoutMs` so a change that never arrives is an error, not a long number.
 */
export async function timeOneEdit(
  stack: LocalStack,
  probe: LatencyProbe,
  key: string,
  dataAreaId: string,
  value: string,
  timeoutMs: number,
): Promise<number> {
  // One request per step, in order: a batch would run them but the measured edit is the last one.
  for (const fields of [probe.reopen, { [probe.sourceField]: value }, probe.reactivate]) {
    if (!fields) continue;
    const [outcome] = await stack.clients.dataverse.upsertBatch([
      { sourceKey: key, entitySet: probe.sourceSet, key: { [probe.sourceKeyField]: key }, fields },
    ]);
    if (outcome.status !== 'updated') throw new Error(`editing ${probe.sourceSet} ${key}: ${outcome.message ?? ''}`);
  }
  const edited = Date.now();
  const targetKey: BusinessKey = { dataAreaId, [probe.targetKeyField]: key };
  for (;;) {
    const row = await stack.clients.fno.getByKey(probe.targetSet, targetKey);
    if (row?.[probe.targetField] === value) return Date.now() - edited;
    if (Date.now() - edited > timeoutMs) {
      throw new Error(`${probe.targetSet} ${key}.${probe.targetField} did not become '${value}' in ${timeoutMs} ms`);
    }
    await pause(ARRIVAL_POLL_MS);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) throw new Error('no samples');
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface ProbeReport {
  task: string;
  edits: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  samplesMs: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      edits: { type: 'string', default: '20' },
      'max-gap-ms': { type: 'string', default: '20000' },
      'timeout-ms': { type: 'string', default: '120000' },
      out: { type: 'string' },
      'temporal-address': { type: 'string' },
    },
  });
  const edits = Number(values.edits);
  const maxGapMs = Number(values['max-gap-ms']);
  const timeoutMs = Number(values['timeout-ms']);
  for (const [name, n] of Object.entries({ edits, 'max-gap-ms': maxGapMs, 'timeout-ms': timeoutMs })) {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: a positive integer`);
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-latency-'));
  const server = values['temporal-address']
    ? { address: values['temporal-address'], namespace: DEFAULT_NAMESPACE, stop: async () => undefined }
    : await startDevServer({ port: 0, uiPort: false, dbFile: path.join(workDir, 'temporal.sqlite') });
  const connection = await Connection.connect({ address: server.address });
  await registerSearchAttributes(connection, server.namespace);
  const client = new Client({ connection, namespace: server.namespace });
  const stack = await startLocalStack({
    emulators: { seed: { accounts: 200, contacts: 50, products: 100, quotes: 60, orders: 0 } },
    storeFile: path.join(workDir, 'checkpoints.sqlite'),
    temporalAddress: server.address,
    namespace: server.namespace,
    taskQueue: `p2c-latency-${process.pid}`,
  });
  const project: Project = loadProject(path.resolve(__dirname, '../examples/project.yaml'));
  const dataAreaId = project.partitions[0].dataAreaId;
  try {
    const first = await startProjectRun(client, project, { taskQueue: stack.taskQueue, mode: 'full' });
    await first.handle.result();
    const starts = continuousStarts(project, { tasks: LATENCY_PROBES.map((p) => p.task) });
    await startContinuous(client, starts, stack.taskQueue);

    const reports: ProbeReport[] = [];
    const keys = await Promise.all(LATENCY_PROBES.map((probe) => syncedKeys(stack, probe, dataAreaId)));
    const samples: number[][] = LATENCY_PROBES.map(() => []);
    // Both entities are edited in the same rounds, so their workflows are measured under the same load.
    for (let i = 0; i < edits; i += 1) {
      await pause(Math.floor(Math.random() * maxGapMs));
      await Promise.all(
        LATENCY_PROBES.map(async (probe, p) => {
          const key = keys[p][i % keys[p].length];
          const ms = await timeOneEdit(stack, probe, key, dataAreaId, `Latency ${i} ${Date.now()}`, timeoutMs);
          samples[p].push(ms);
          console.log(`${probe.task} ${key}: ${ms} ms`);
        }),
      );
    }
    for (const [p, probe] of LATENCY_PROBES.entries()) {
      const sorted = [...samples[p]].sort((a, b) => a - b);
      reports.push({
        task: probe.task,
        edits: sorted.length,
        p50Ms: percentile(sorted, 50),
        p95Ms: percentile(sorted, 95),
        maxMs: sorted[sorted.length - 1],
        samplesMs: samples[p],
      });
    }
    for (const r of reports) console.log(`${r.task}: p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, max ${r.maxMs} ms`);
    const out = values.out ?? path.resolve(__dirname, 'results/latency.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify({ edits, maxGapMs, at: new Date().toISOString(), reports }, null, 2)}\n`);
    console.log(`written ${out}`);
    for (const { workflowId } of starts) await client.workflow.getHandle(workflowId).cancel();
  } finally {
    await stack.close();
    await connection.close();
    await server.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
