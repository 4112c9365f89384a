/**
 * Starts a real Temporal dev server (`temporal server start-dev`) with p2c-sync's search attributes registered,
 * or reuses one already listening. Used by `npm start`, the integration tests' global setup and the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TEMPORAL_CLI, requireTemporalTool } from './temporal-cli';

/** Search attributes the workflows set; the Web UI filters runs by them. */
export const SEARCH_ATTRIBUTES = {
  P2CProject: 'Keyword',
  P2CTask: 'Keyword',
  P2CDirection: 'Keyword',
  P2COutcome: 'Keyword',
} as const;

const GRPC_UNIMPLEMENTED = 12;

const INDEXED_TYPES = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
} as const;

/**
 * Registers the search attributes on a server that lacks them (a cluster, the time-skipping test server).
 * Already-registered names are left alone, so it is safe at every start.
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace = DEFAULT_NAMESPACE,
): Promise<string[]> {
  const known = new Set<string>();
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    for (const name of Object.keys(existing.customAttributes ?? {})) known.add(name);
  } catch (err) {
    // The time-skipping test server cannot list them but accepts additions.
    if ((err as { code?: number }).code !== GRPC_UNIMPLEMENTED) throw err;
  }
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !known.has(name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_TYPES[type]])),
  });
  return missing.map(([name]) => name);
}

export const DEFAULT_TEMPORAL_PORT = 7233;
export const DEFAULT_UI_PORT = 8233;
export const DEFAULT_NAMESPACE = 'default';

export const DEFAULT_SQLITE_PRAGMAS: Readonly<Record<string, string>> = { journal_mode: 'wal', synchronous: 'normal' };

export interface DevServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** 0 picks a free port; false runs headless. */
  uiPort?: number | false;
  /** SQLite file so state survives restarts; omitted keeps everything in memory. */
  dbFile?: string;
  /**
   * SQLite pragmas for dbFile (the server accepts journal_mode and synchronous). Default: a write-ahead log with
   * `synchronous=NORMAL`, which survives a crash of the server process; only a power cut can lose its last commits.
   */
  sqlitePragmas?: Record<string, string>;
  namespace?: string;
  logFile?: string;
  /** Reuse a server already listening on the port instead of failing. */
  reuseExisting?: boolean;
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  pid?: number;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForFrontend(address: string, child: ChildProcess | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`Temporal dev server exited with code ${child.exitCode} before it was ready`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const host = options.host ?? '127.0.0.1';
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const requestedPort = options.port ?? DEFAULT_TEMPORAL_PORT;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;

  if (requestedPort !== 0 && options.reuseExisting && (await isListening(host, requestedPort))) {
    const address = `${host}:${requestedPort}`;
    await waitForFrontend(address, undefined, startTimeoutMs);
    const uiPort = options.uiPort === false ? undefined : (options.uiPort ?? DEFAULT_UI_PORT);
    return {
      address,
      namespace,
      uiUrl: uiPort ? `http://localhost:${uiPort}` : undefined,
      owned: false,
      stop: async () => undefined,
    };
  }

  const cli = requireTemporalTool(TEMPORAL_CLI);
  const port = requestedPort === 0 ? await freePort(host) : requestedPort;
  const args = ['server', 'start-dev', '--ip', host, '--port', String(port), '--namespace', namespace];
  args.push('--log-level', 'warn', '--log-format', 'json');
  let uiUrl: string | undefined;
  if (options.uiPort === false) {
    args.push('--headless');
  } else {
    const uiPort = options.uiPort === 0 || options.uiPort === undefined ? await freePort(host) : options.uiPort;
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://localhost:${uiPort}`;
  }
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
    for (const [name, value] of Object.entries(options.sqlitePragmas ?? DEFAULT_SQLITE_PRAGMAS)) {
      args.push('--sqlite-pragma', `${name}=${value}`);
    }
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);

  const logFd = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(cli.path, args, { stdio: ['ignore', logFd, logFd], detached: false });
  if (typeof logFd === 'number') fs.closeSync(logFd);
  const address = `${host}:${port}`;
  try {
    await waitForFrontend(address, child, startTimeoutMs);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { address, namespace, uiUrl, owned: true, pid: child.pid, stop: () => stopChild(child) };
}
