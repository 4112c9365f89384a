/**
 * `npm start`: a local Temporal dev server (or the one already on 7233), both emulators with seed data, a worker,
 * and a full prospect-to-cash run of the demo project; then the Web UI address. Ctrl-C stops what it started.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { dataConverterFor, loadCodecConfig } from '../common/codec';
import { startDevServer, type DevServer } from '../common/dev-server';
import { MissingTemporalToolError } from '../common/temporal-cli';
import type { ProjectRunSummary } from '../common/sync-types';
import { loadProject } from '../mappings/project-file';
import { projectProgressQuery } from '../workflows';
import { startLocalStack, type LocalStack } from './local-stack';
import { startProjectRun } from './run';

const ROOT = path.resolve(__dirname, '..');
const STATE_DIR = process.env.P2C_STATE_DIR ?? path.join(ROOT, '.p2c');

interface DemoOptions {
  temporalPort: number;
  uiPort: number;
  accounts: number;
  /** Stop everything once the run ended (scripts, CI); by default the UI stays up until Ctrl-C. */
  exitAfterRun: boolean;
}

function options(env = process.env, argv = process.argv): DemoOptions {
  return {
    temporalPort: Number(env.P2C_DEMO_TEMPORAL_PORT ?? 7233),
    uiPort: Number(env.P2C_DEMO_UI_PORT ?? 8233),
    accounts: Number(env.P2C_DEMO_ACCOUNTS ?? 1000),
    exitAfterRun: argv.includes('--exit'),
  };
}

export function workflowUrl(uiUrl: string, workflowId: string): string {
  return `${uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
}

function printSummary(summary: ProjectRunSummary): void {
  const rows = summary.tasks.map((t) => [
    `${t.task}@${t.partition.dataAreaId}`,
    t.outcome,
    String(t.counters.read),
    String(t.counters.created),
    String(t.counters.updated),
    String(t.counters.unchanged),
    String(t.counters.failed),
    t.reason ?? '',
  ]);
  const header = ['task', 'outcome', 'read', 'created', 'updated', 'unchanged', 'failed', 'reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const line of [header, ...rows])
    console.log(
      line
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
}

async function main(): Promise<void> {
  const opts = options();
  // Row-level problems are in the run's summary and failures; the worker itself only reports real errors here.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const cleanups: Array<() => Promise<void>> = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => console.error(`cleanup: ${String(err)}`));
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(130));
  process.once('SIGTERM', () => void stop(143));

  try {
    let server: DevServer;
    try {
      server = await startDevServer({
        port: opts.temporalPort,
        uiPort: opts.uiPort,
        dbFile: path.join(STATE_DIR, 'temporal.sqlite'),
        logFile: path.join(STATE_DIR, 'temporal.log'),
        reuseExisting: true,
      });
    } catch (err) {
      if (err instanceof MissingTemporalToolError) throw err;
      throw new Error(`could not start the Temporal dev server: ${(err as Error).message}`);
    }
    cleanups.push(() => server.stop());
    console.log(
      server.owned
        ? `Temporal dev server started on ${server.address}`
        : `using the Temporal server on ${server.address}`,
    );

    const stack: LocalStack = await startLocalStack({
      emulators: { seed: { accounts: opts.accounts }, dataDir: path.join(STATE_DIR, 'emulators') },
      storeFile: path.join(STATE_DIR, 'checkpoints.sqlite'),
      temporalAddress: server.address,
    });
    cleanups.push(() => stack.close());
    console.log(`emulators: Dataverse ${stack.emulators.dataverse.url}, F&O ${stack.emulators.fno.url}`);

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, dataConverter: dataConverterFor(loadCodecConfig()) });
    const project = loadProject(path.join(ROOT, 'examples/project.yaml'));
    const { workflowId, handle } = await startProjectRun(client, project, { taskQueue: stack.taskQueue });
    const uiUrl = server.uiUrl ?? `http://localhost:${opts.uiPort}`;
    console.log(`run started: ${workflowId}`);

    const seen = new Map<string, string>();
    const progress = setInterval(() => {
      handle
        .query(projectProgressQuery)
        .then((p) => {
          for (const t of p.tasks) {
            const line = t.result
              ? `${t.result.outcome} (${t.result.counters.read} read, ${t.result.counters.failed} failed)`
              : t.state;
            if (seen.get(t.workflowId) !== line) console.log(`  ${t.task}@${t.dataAreaId}: ${line}`);
            seen.set(t.workflowId, line);
          }
        })
        .catch(() => undefined);
    }, 1000);
    const summary = await handle.result().finally(() => clearInterval(progress));
    console.log(`\nrun completed: ${summary.outcome}`);
    printSummary(summary);
    console.log(`\nTemporal Web UI: ${uiUrl}`);
    console.log(`this run:        ${workflowUrl(uiUrl, workflowId)}`);
    if (opts.exitAfterRun) return await stop(0);
    console.log('Press Ctrl-C to stop the dev server, the emulators and the worker.');
  } catch (err) {
    console.error(`p2c demo: ${err instanceof Error ? err.message : String(err)}`);
    await stop(1);
  }
}

void main();
