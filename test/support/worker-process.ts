/**
 * The production worker (worker/main.ts) as a child process pointed at in-process emulators, so tests can
 * SIGKILL it mid-run and start it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { Connection } from '@temporalio/client';
import { connectionToEmulators } from '../../client/local-stack';
import { startEmulators, type Emulators, type EmulatorsOptions } from '../../emulators';
import { createClients, type Clients } from '../../worker/connections';

const ROOT = path.resolve(__dirname, '../..');
export const SECRET_ENV = 'P2C_TEST_CLIENT_SECRET';

/** A copy of the demo project whose connection points at the emulators. */
export function writeProjectFile(
  dir: string,
  emulators: Emulators,
  source = path.join(ROOT, 'examples/project.yaml'),
): string {
  const project = YAML.parse(fs.readFileSync(source, 'utf8'));
  const caFile = path.join(dir, 'emulator-ca.pem');
  fs.writeFileSync(caFile, emulators.connection.caCertPem);
  const side = (url: string) => ({
    url,
    authority: emulators.connection.authority,
    clientId: emulators.connection.clientId,
    clientSecretEnv: SECRET_ENV,
    caCertFile: caFile,
  });
  project.connection = { dataverse: side(emulators.connection.dataverse.url), fno: side(emulators.connection.fno.url) };
  const file = path.join(dir, 'project.yaml');
  fs.writeFileSync(file, YAML.stringify(project));
  return file;
}

export interface WorkerProcessOptions {
  projectFile: string;
  storeFile: string;
  taskQueue: string;
  temporalAddress: string;
  secret: string;
  /** Further environment (e.g. P2C_METRICS_PORT) for this process. */
  env?: NodeJS.ProcessEnv;
  /** Pipe stdout (the JSON log lines) instead of discarding it. */
  captureStdout?: boolean;
}

export function spawnWorker(options: WorkerProcessOptions): ChildProcess {
  // One process (no tsx launcher in between), so a SIGKILL really kills the worker.
  return spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      P2C_TEMPORAL_ADDRESS: options.temporalAddress,
      P2C_TASK_QUEUE: options.taskQueue,
      P2C_PROJECT_FILE: options.projectFile,
      P2C_CHECKPOINT_STORE: options.storeFile,
      [SECRET_ENV]: options.secret,
      // An ephemeral metrics port, so several test workers never compete for the default one.
      P2C_METRICS_PORT: '0',
      ...options.env,
    },
    stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', 'pipe'],
  });
}

export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** What a suite that kills worker processes works with; `worker` is the one running now, if any. */
export interface CrashSuite {
  emulators: Emulators;
  clients: Clients;
  connection: Connection;
  tmp: string;
  worker?: ChildProcess;
}

/**
 * Starts seeded emulators, their clients and a connection to the shared dev server before the suite, and stops
 * them — with any worker still running — after it.
 */
export function crashSuite(emulatorOptions: EmulatorsOptions, tmpPrefix: string): CrashSuite {
  const suite = { tmp: fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix)) } as CrashSuite;
  beforeAll(async () => {
    suite.emulators = await startEmulators(emulatorOptions);
    suite.clients = createClients(connectionToEmulators(suite.emulators.connection));
    suite.connection = await Connection.connect({ address: process.env.P2C_TEST_TEMPORAL_ADDRESS! });
  });
  afterAll(async () => {
    if (suite.worker) await killHard(suite.worker);
    await suite.connection?.close();
    await suite.clients?.close();
    await suite.emulators?.close();
    fs.rmSync(suite.tmp, { recursive: true, force: true });
  });
  return suite;
}
