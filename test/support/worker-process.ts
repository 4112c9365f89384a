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
import { workflowBundle } from '../../worker/bundle';
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

/** The last part of what a worker process printed, for a test that gives up on it. */
interface OutputTail {
  stderr: string;
  stdout: string;
}

const TAIL_CHARS = 6_000;
const tails = new WeakMap<ChildProcess, OutputTail>();

export function spawnWorker(options: WorkerProcessOptions): ChildProcess {
  // One process (no tsx launcher in between), so a SIGKILL really kills the worker.
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
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
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Both pipes are always read: a worker whose unread pipe fills blocks on its next write. A test that captures
  // stdout reads it itself, from its first listener on.
  const tail: OutputTail = { stderr: '', stdout: '' };
  const keep = (stream: keyof OutputTail) => (chunk: Buffer) => {
    tail[stream] = (tail[stream] + chunk.toString()).slice(-TAIL_CHARS);
  };
  child.stderr!.on('data', keep('stderr'));
  if (!options.captureStdout) child.stdout!.on('data', keep('stdout'));
  tails.set(child, tail);
  return child;
}

/** Whether a worker process runs or how it ended, with the end of its log and of its stderr. */
export function describeWorker(child: ChildProcess | undefined): string {
  if (!child) return 'worker process: none started';
  const state =
    child.exitCode !== null
      ? `exited with code ${child.exitCode}`
      : child.signalCode !== null
        ? `killed by ${child.signalCode}`
        : 'running';
  const tail = tails.get(child);
  const section = (name: string, text: string | undefined) =>
    text?.trim() ? `\n  ${name} (last part):\n${indent(text.trim())}` : '';
  return `worker process ${child.pid}: ${state}${section('log', tail?.stdout)}${section('stderr', tail?.stderr)}`;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

/**
 * The workflow bundle written to `dir` once, and the environment that makes a worker process load it instead of
 * bundling anew: a restarted worker is up in about a second, as a production worker with a prebuilt bundle is.
 */
export async function prebuiltBundleEnv(dir: string): Promise<NodeJS.ProcessEnv> {
  const bundleFile = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundleFile, (await workflowBundle()).code);
  return { P2C_WORKFLOW_BUNDLE: bundleFile };
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
  /** Environment for every worker of the suite (the prebuilt workflow bundle). */
  workerEnv: NodeJS.ProcessEnv;
  worker?: ChildProcess;
}

/**
 * Starts seeded emulators, their clients, a connection to the shared dev server and the workflow bundle before the
 * suite, and stops them — with any worker still running — after it.
 */
export function crashSuite(emulatorOptions: EmulatorsOptions, tmpPrefix: string): CrashSuite {
  const suite = { tmp: fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix)) } as CrashSuite;
  beforeAll(async () => {
    suite.emulators = await startEmulators(emulatorOptions);
    suite.clients = createClients(connectionToEmulators(suite.emulators.connection));
    suite.connection = await Connection.connect({ address: process.env.P2C_TEST_TEMPORAL_ADDRESS! });
    suite.workerEnv = await prebuiltBundleEnv(suite.tmp);
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
