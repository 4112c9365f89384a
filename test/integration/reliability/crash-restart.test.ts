/**
 * The real worker process is SIGKILLed at random points of a prospect-to-cash run (master data, then quotes with
 * their lines as sagas) and started again, and the Temporal dev server itself is stopped and restarted once
 * mid-run on its SQLite file. The run completes and the target equals what an undisturbed run lands: no row lost,
 * none duplicated, every good quote complete and every bad one absent (never written or fully compensated).
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
import { killHard, prebuiltBundleEnv, spawnWorker, writeProjectFile } from '../../support/worker-process';
import { byMode, recordScenario, writeReport } from './results';
import { checkQuotes, checkTarget, MASTER_DATA_TASKS, QUOTE_TASKS, quotationCount } from './verify';

const KILLS = byMode(2, 12);
/** The last kills wait for the quote phase, so sagas are interrupted too (between a header and its lines). */
const QUOTE_PHASE_KILLS = byMode(1, 4);
const ACCOUNTS = byMode(60, 3000);
const QUOTES = byMode(24, 150);
/** Service requests between two kills: a random number in this range, so kills fall at random points. */
const REQUESTS_BETWEEN_KILLS = byMode({ min: 3, max: 12 }, { min: 10, max: 60 });
/**
 * The same once the quote phase has begun. The CI form's quote phase lasts only a few dozen requests, so its kill
 * must come soon after the first quotation or the run may end before it.
 */
const REQUESTS_INTO_QUOTE_PHASE = byMode({ min: 1, max: 4 }, REQUESTS_BETWEEN_KILLS);
jest.setTimeout(byMode(240_000, 2_400_000));

describe('worker SIGKILLs and a Temporal restart during one run', () => {
  let emulators: Emulators;
  let clients: Clients;
  let server: DevServer | undefined;
  let worker: ChildProcess | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-chaos-'));

  beforeAll(async () => {
    emulators = await startEmulators({
      seed: { accounts: ACCOUNTS, contacts: ACCOUNTS, products: byMode(40, 300), quotes: QUOTES, orders: 0 },
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
    // Every restarted worker loads the same prebuilt workflow bundle (the production path) instead of bundling anew.
    const options = {
      projectFile,
      storeFile: path.join(tmp, 'checkpoints.sqlite'),
      taskQueue: uniqueQueue('chaos'),
      temporalAddress: server.address,
      secret: emulators.connection.clientSecret,
      env: await prebuiltBundleEnv(tmp),
    };
    worker = spawnWorker(options);
    let connection = await Connection.connect({ address: server.address });
    const started = await startProjectRun(new Client({ connection }), project, {
      tasks: [...MASTER_DATA_TASKS, ...QUOTE_TASKS],
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
    const requests = () => emulators.dataverse.stats().requests + emulators.fno.stats().requests;
    const quotePhase = () => quotationCount(emulators, project) > 0;
    let killsInQuotePhase = 0;
    /** Per kill: ms from starting the new worker to the next service request (the run moving again). */
    const recoveries: Array<Promise<number>> = [];
    while (kills < KILLS) {
      // The last kills first wait for the first quotation to appear in F&O; all wait for a random number of new
      // service requests (progress of the restarted worker, not time).
      const closed = () => isClosed(connection, workflowId);
      const inQuotePhase = kills >= KILLS - QUOTE_PHASE_KILLS;
      if (inQuotePhase && !(await waitFor(quotePhase, closed))) break;
      const range = inQuotePhase ? REQUESTS_INTO_QUOTE_PHASE : REQUESTS_BETWEEN_KILLS;
      const target = requests() + rng.int(range.min, range.max);
      if (!(await waitFor(() => requests() >= target, closed))) break;
      const lastRequests = requests();
      await killHard(worker);
      kills += 1;
      if (quotePhase()) killsInQuotePhase += 1;
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
      const respawned = { at: Date.now(), requests: requests() };
      recoveries.push(
        waitFor(
          () => requests() > respawned.requests,
          async () => false,
        ).then(() => Date.now() - respawned.at),
      );
    }

    const handle = new Client({ connection }).workflow.getHandle(workflowId);
    const summary: ProjectRunSummary = await handle.result();
    await connection.close();
    const check = await checkTarget(clients, project);
    const quotes = await checkQuotes(clients, emulators, project);
    const rows = {
      expected: check.expected + quotes.expected,
      landed: check.landed + quotes.landed,
      duplicated: check.duplicated + quotes.duplicated,
      lost: check.lost + quotes.lost,
    };
    const equal = rows.lost === 0 && rows.duplicated === 0 && quotes.problems.length === 0;
    recordScenario({
      id: 'crash-sigkill-restart',
      group: 'crash',
      scenario: 'worker SIGKILL at random points + Temporal dev server restart (SQLite kept)',
      runs: kills,
      injected: `${kills} SIGKILLs of the worker process (${killsInQuotePhase} during the quote sagas), ${restarts} dev-server restart (seed ${seed})`,
      outcome: `run ${summary.outcome}; ${quotes.complete} quotes complete, ${quotes.absent} bad quotes absent, ${quotes.halfWritten.length} half-written; ${equal ? 'target equals undisturbed run' : 'DIFFERENCES'}`,
      rows,
      details: [
        `master data: ${check.expected} rows expected, ${check.landed} landed; quotes: ${quotes.expected} header and line rows expected, ${quotes.landed} landed`,
        `service requests seen at each kill: ${requestsAtKill.join(', ')}`,
        `seconds from each restarted worker to the next service request: ${(await Promise.all(recoveries)).map((ms) => (ms / 1000).toFixed(1)).join(', ')}`,
      ],
    });

    for (const t of summary.tasks)
      expect({ task: t.task, outcome: t.outcome }).toEqual({
        task: t.task,
        outcome: expect.stringMatching(/^Completed/),
      });
    expect({ kills, killsInQuotePhase }).toEqual({ kills: KILLS, killsInQuotePhase: expect.any(Number) });
    expect(killsInQuotePhase).toBeGreaterThanOrEqual(1);
    expect(restarts).toBe(1);
    expect(check.problems).toEqual([]);
    expect(quotes.problems).toEqual([]);
    expect(quotes.complete).toBeGreaterThan(0);
    expect(quotes.absent).toBeGreaterThan(0);
    expect({ lost: rows.lost, duplicated: rows.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(summary.tasks.find((t) => t.task === 'accounts')?.counters.read).toBe(ACCOUNTS);
  });
});

/** Polls `done` until it holds (true), or until `closed` says the run ended first (false). */
async function waitFor(done: () => boolean, closed: () => Promise<boolean>): Promise<boolean> {
  for (let polls = 0; !done(); polls++) {
    // A finished run makes no more requests; asking the server only now and then keeps the polling cheap.
    if (polls % POLLS_PER_STATUS_CHECK === 0 && (await closed())) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

const POLL_MS = 10;
const POLLS_PER_STATUS_CHECK = 50;

async function isClosed(connection: Connection, workflowId: string): Promise<boolean> {
  const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
  return description.status.name !== 'RUNNING';
}
