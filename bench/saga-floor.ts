/**
 * The saga floor: how many document sagas a second the Temporal server and a worker on this machine can run when
 * the sagas do nothing else — one child workflow per document, shaped like today's saga (a local plan and a local
 * write), like the one before it (the write as an activity task) and as the least such a child can be (one local
 * activity). p2c-sync's quote task cannot go faster than this floor, whatever its connectors do;
 * bench/results/saga-floor.json holds a committed run.
 *
 *   npx tsx bench/saga-floor.ts                                  # 1,000 documents, 16 at once, a dev server per shape
 *   npx tsx bench/saga-floor.ts --kinds local,single             # only these shapes, in this order
 *   npx tsx bench/saga-floor.ts --documents 500 --concurrency 32 --out /tmp/floor.json
 *   npx tsx bench/saga-floor.ts --temporal-address 127.0.0.1:7233   # one running server for all (no server CPU then)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { DEFAULT_NAMESPACE, startDevServer } from '../common/dev-server';
import { positiveInteger } from './harness/options';
import type { FloorActivities, FloorSagaKind } from './harness/saga-floor-workflows';

export interface SagaFloorOptions {
  address: string;
  namespace?: string;
  documents: number;
  concurrency: number;
  /** Size of each saga's input, as a saga's header row and task definitions make it (about 15 KB). */
  inputBytes: number;
  kinds: readonly FloorSagaKind[];
  /** The server's process, when this machine runs it: its CPU time is reported per saga. */
  serverPid?: number;
}

export interface SagaFloorResult {
  kind: FloorSagaKind;
  /** The parent's workflow id; its children are `<id>/0`, `<id>/1`… */
  workflowId: string;
  documents: number;
  concurrency: number;
  inputBytes: number;
  seconds: number;
  sagasPerSecond: number;
  /** CPU of this process (the worker and the client starting the parent), per saga. */
  workerCpuMsPerSaga: number;
  /** CPU of the Temporal server per saga, when it runs on this machine. */
  serverCpuMsPerSaga?: number;
}

/** User plus system CPU time of a process, from /proc (Linux); undefined where that cannot be read. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

const floorActivities: FloorActivities = {
  async plan(input) {
    return { header: input.header, snapshot: 's'.repeat(2_000) };
  },
  async write() {
    return { status: 'written' };
  },
};

export async function measureSagaFloor(options: SagaFloorOptions): Promise<SagaFloorResult[]> {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const taskQueue = `saga-floor-${process.pid}-${Date.now()}`;
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./harness/saga-floor-workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const native = await NativeConnection.connect({ address: options.address });
  const connection = await Connection.connect({ address: options.address });
  const results: SagaFloorResult[] = [];
  try {
    const worker = await Worker.create({
      connection: native,
      namespace,
      taskQueue,
      workflowBundle,
      activities: floorActivities,
      maxCachedWorkflows: 100,
    });
    const client = new Client({ connection, namespace });
    await worker.runUntil(async () => {
      for (const kind of options.kinds) {
        const serverBefore = options.serverPid ? processCpuMs(options.serverPid) : undefined;
        const cpuBefore = process.cpuUsage();
        const started = process.hrtime.bigint();
        const workflowId = `${taskQueue}/${kind}`;
        const done = await client.workflow.execute('floorParent', {
          taskQueue,
          workflowId,
          args: [
            { kind, documents: options.documents, concurrency: options.concurrency, inputBytes: options.inputBytes },
          ],
        });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const cpu = process.cpuUsage(cpuBefore);
        const serverAfter = options.serverPid ? processCpuMs(options.serverPid) : undefined;
        if (done !== options.documents) throw new Error(`floorParent ran ${done} of ${options.documents} sagas`);
        results.push({
          kind,
          workflowId,
          documents: done,
          concurrency: options.concurrency,
          inputBytes: options.inputBytes,
          seconds,
          sagasPerSecond: done / seconds,
          workerCpuMsPerSaga: (cpu.user + cpu.system) / 1000 / done,
          ...(serverBefore !== undefined && serverAfter !== undefined
            ? { serverCpuMsPerSaga: (serverAfter - serverBefore) / done }
            : {}),
        });
      }
    });
  } finally {
    await connection.close();
    await native.close();
  }
  return results;
}

export function describeFloor(result: SagaFloorResult): string {
  const server = result.serverCpuMsPerSaga === undefined ? '' : `, server ${result.serverCpuMsPerSaga.toFixed(1)} ms`;
  return (
    `${result.kind} saga: ${result.documents} in ${result.seconds.toFixed(1)} s, ` +
    `${result.sagasPerSecond.toFixed(1)} a second, ${result.concurrency} at once; CPU per saga: ` +
    `worker ${result.workerCpuMsPerSaga.toFixed(1)} ms${server}`
  );
}

const FLOOR_KINDS: readonly FloorSagaKind[] = ['local', 'activity', 'single'];

/** `--kinds local,single`: which saga shapes to measure, in that order; every shape when not given. */
export function floorKinds(value: string | undefined): FloorSagaKind[] {
  if (value === undefined) return [...FLOOR_KINDS];
  const kinds = value.split(',').map((kind) => kind.trim());
  for (const kind of kinds) {
    if (!FLOOR_KINDS.includes(kind as FloorSagaKind)) {
      throw new Error(`--kinds: '${kind}' is not a saga shape; use ${FLOOR_KINDS.join(' or ')}`);
    }
  }
  return kinds as FloorSagaKind[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      documents: { type: 'string' },
      concurrency: { type: 'string' },
      'input-bytes': { type: 'string' },
      out: { type: 'string' },
      'temporal-address': { type: 'string' },
      kinds: { type: 'string' },
    },
  });
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const measure = (address: string, kinds: FloorSagaKind[], serverPid?: number) =>
    measureSagaFloor({
      address,
      documents: positiveInteger('documents', values.documents, 1_000),
      concurrency: positiveInteger('concurrency', values.concurrency, 16),
      inputBytes: positiveInteger('input-bytes', values['input-bytes'], 15_000),
      kinds,
      serverPid,
    });
  const kinds = floorKinds(values.kinds);
  const results: SagaFloorResult[] = [];
  if (values['temporal-address']) {
    results.push(...(await measure(values['temporal-address'], kinds)));
  } else {
    // Each shape on a fresh server: one that already holds the histories of the shape before costs more per saga.
    for (const kind of kinds) {
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-saga-floor-'));
      const server = await startDevServer({ port: 0, uiPort: false, dbFile: path.join(workDir, 'temporal.sqlite') });
      try {
        results.push(...(await measure(server.address, [kind], server.pid)));
      } finally {
        await server.stop();
        fs.rmSync(workDir, { recursive: true, force: true });
      }
    }
  }
  for (const result of results) console.log(describeFloor(result));
  const report = { at: new Date().toISOString(), cpus: os.cpus().length, node: process.version, results };
  if (values.out) {
    fs.writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
    console.log(`report: ${values.out}`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`saga-floor: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
