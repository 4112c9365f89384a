/**
 * The real worker process is SIGKILLed at random points of a master-data run and started again, and the Temporal
 * dev server itself is stopped and restarted once mid-run on its SQLite file. The run completes and the target
 * equals what an undisturbed run lands: no row lost, none duplicated.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { connectionToEmulators } from '../../../client/local-stack';
import { startProjectRun } from '../../../client/run';
import { freePort, startDevServer, type DevServer } from '../../../common/dev-server';
import { startEmulators, type Emulators } from '../../../emulators';
import { createRng } from '../../../emulators/seed/prng';
import { loadProject } from '../../../mappings/project-file';
import type { ProjectRunSummary } from '../../../common/sync-types';
import { createClients, type Clients } from '../../../worker/connections';
import { uniqueQueue } from '../../support/temporal';
import { killHard, spawnWorker, writeProjectFile } from '../../support/worker-process';
import { byMode, recordScenario, writeReport } from './results';
import { checkTarget, MASTER_DATA_TASKS } from './verify';

const KILLS = byMode(3, 12);
const ACCOUNTS = byMode(300, 3000);
jest.setTimeout(byMode(300_000, 1_800_000));

describe('worker SIGKILLs and a Temporal restart during one run', () => {
  let emulators: Emulators;
  let clients: Clients;
  let server: DevServer | undefined;
  let worker: ChildProcess | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-chaos-'));

  beforeAll(async () => {
    emulators = await startEmulators({
      seed: { accounts: ACCOUNTS, contacts: ACCOUNTS, products: byMode(60, 300), quotes: 0, orders: 0 },
    });
    clients = createClients(connectionToEmulators(emulators.connection));
  });
  afterAll(async () => {
    if (worker) await killHard(worker);
    await server?.stop();
    await clients?.close();
    await emulators?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    writeReport();
  });

  test(`${KILLS} random SIGKILLs and one dev-server restart: target equals the undisturbed run`, async () => {
    const port = await freePort();
    const dbFile = path.join(tmp, 'temporal.sqlite');
    server = await startDevServer({ port, uiPort: false, dbFile });
    const projectFile = writeProjectFile(tmp, emulators);
    const project = loadProject(projectFile);
    const options = {
      projectFile,
      storeFile: path.join(tmp, 'checkpoints.sqlite'),
      taskQueue: uniqueQueue('chaos'),
      temporalAddress: server.address,
      secret: emulators.connection.clientSecret,
    };
    worker = spawnWorker(options);
    let connection = await Connection.connect({ address: server.address });
    const started = await startProjectRun(new Client({ connection }), project, {
      tasks: MASTER_DATA_TASKS,
      mode: 'full',
      taskQueue: options.taskQueue,
      now: new Date(),
    });
    const workflowId = started.workflowId;

    // Kill points are random but reproducible: the seed is printed in the report.
    const seed = Number(process.env.P2C_CHAOS_SEED ?? Date.now() % 100_000);
    const rng = createRng(seed, 'chaos-kills');
    const restartAfterKill = Math.floor(KILLS / 2);
    let kills = 0;
    let restarts = 0;
    const requestsAtKill: number[] = [];
    let lastRequests = emulators.dataverse.stats().requests + emulators.fno.stats().requests;
    while (kills < KILLS) {
      // Wait until the worker made some progress (new requests to the services), then a random extra moment.
      const target = lastRequests + 5 + rng.int(0, 40);
      const deadline = Date.now() + 60_000;
      while (emulators.dataverse.stats().requests + emulators.fno.stats().requests < target && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      lastRequests = emulators.dataverse.stats().requests + emulators.fno.stats().requests;
      if (await isClosed(connection, workflowId)) break;
      await killHard(worker);
      kills += 1;
      requestsAtKill.push(lastRequests);
      if (kills === restartAfterKill && restarts === 0) {
        // The worker is down: stop the server too, then bring it back on the same port and SQLite file.
        await connection.close();
        await server.stop();
        server = await startDevServer({ port, uiPort: false, dbFile });
        connection = await Connection.connect({ address: server.address });
        restarts += 1;
      }
      worker = spawnWorker(options);
    }

    const handle = new Client({ connection }).workflow.getHandle(workflowId);
    const summary: ProjectRunSummary = await handle.result();
    await connection.close();
    const check = await checkTarget(clients, project);
    recordScenario({
      id: 'crash-sigkill-restart',
      group: 'crash',
      scenario: 'worker SIGKILL at random points + Temporal dev server restart (SQLite kept)',
      runs: kills,
      injected: `${kills} SIGKILLs of the worker process, ${restarts} dev-server restart (seed ${seed})`,
      outcome: `run ${summary.outcome}; ${check.lost === 0 && check.duplicated === 0 ? 'target equals undisturbed run' : 'DIFFERENCES'}`,
      rows: { expected: check.expected, landed: check.landed, duplicated: check.duplicated, lost: check.lost },
      details: [`service requests seen at each kill: ${requestsAtKill.join(', ')}`],
    });

    for (const t of summary.tasks)
      expect({ task: t.task, outcome: t.outcome }).toEqual({
        task: t.task,
        outcome: expect.stringMatching(/^Completed/),
      });
    expect(kills).toBeGreaterThanOrEqual(Math.min(2, KILLS));
    expect(restarts).toBe(1);
    expect(check.problems).toEqual([]);
    expect({ lost: check.lost, duplicated: check.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(summary.tasks.find((t) => t.task === 'accounts')?.counters.read).toBe(ACCOUNTS);
  });
});

async function isClosed(connection: Connection, workflowId: string): Promise<boolean> {
  const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
  return description.status.name !== 'RUNNING';
}
