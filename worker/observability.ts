/**
 * The worker's operations surface: JSON logs (pino), Prometheus metrics (ours plus the Temporal SDK's, served on one
 * `/metrics`), and the `/healthz` and `/readyz` probes, all on one small HTTP server bound to 127.0.0.1 by default.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { z } from 'zod';
import { ConfigError } from '../common/config';
import type { Counters } from '../common/sync-types';
import type { ConnectorMetrics } from '../connectors';
import type { Target } from '../connectors/target';

export const OBSERVABILITY_ENV = {
  logLevel: 'P2C_LOG_LEVEL',
  metricsHost: 'P2C_METRICS_HOST',
  metricsPort: 'P2C_METRICS_PORT',
} as const;

export const DEFAULT_METRICS_PORT = 9464;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const observabilitySchema = z.object({
  logLevel: z.enum(LOG_LEVELS).default('info'),
  metricsHost: z.string().min(1).default('127.0.0.1'),
  metricsPort: z.coerce.number().int().min(0).max(65535).default(DEFAULT_METRICS_PORT),
});

export type ObservabilityConfig = z.output<typeof observabilitySchema>;

export function loadObservabilityConfig(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const raw = Object.fromEntries(
    Object.entries(OBSERVABILITY_ENV)
      .map(([key, name]) => [key, env[name]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = observabilitySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path[0] as keyof typeof OBSERVABILITY_ENV;
    throw new ConfigError(`${OBSERVABILITY_ENV[key]}=${String(raw[key])}: ${issue.message}`);
  }
  return parsed.data;
}

/** One JSON object per line on stdout, with ISO timestamps and level names that log pipelines can filter on. */
export function createLogger(level: ObservabilityConfig['logLevel']): Logger {
  return pino({
    level,
    base: { service: 'p2c-worker', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

const TEMPORAL_LEVEL_RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };
const PINO_METHOD: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal Runtime's logger (SDK and forwarded core logs) as pino lines. Below `minimum` is dropped: the SDK
 * logs every activity and workflow task at DEBUG/INFO, which would drown the connector's own lines.
 */
export function temporalLogger(logger: Logger, minimum: LogLevel = 'WARN'): TemporalLogger {
  const sdk = logger.child({ component: 'temporal' });
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    if (TEMPORAL_LEVEL_RANK[level] < TEMPORAL_LEVEL_RANK[minimum]) return;
    sdk[PINO_METHOD[level]](meta ?? {}, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/** Row outcomes of a finished task, as the activities see them; the worker counts them into `p2c_rows_total`. */
export interface RowMetrics {
  taskFinished(task: string, counters: Counters): void;
}

export const ROW_OUTCOMES = ['read', 'created', 'updated', 'unchanged', 'failed'] as const;

export interface WorkerMetrics {
  registry: Registry;
  rows: RowMetrics;
  connector: ConnectorMetrics;
  /** Reports each connection's limiter: time its requests waited for a spent request window. */
  watchLimiters(targets: ReadonlyArray<Pick<Target, 'system' | 'limiter'>>): void;
}

export function createMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const rowsTotal = new Counter({
    name: 'p2c_rows_total',
    help: 'Rows of finished tasks by outcome',
    labelNames: ['task', 'outcome'],
    registers: [registry],
  });
  const requestsTotal = new Counter({
    name: 'p2c_http_requests_total',
    help: 'HTTP requests to Dataverse (system sales) and F&O (system fno) by status (0: no response)',
    labelNames: ['system', 'status'],
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'p2c_http_request_seconds',
    help: 'HTTP request latency to Dataverse and F&O, excluding time queued in the limiter',
    labelNames: ['system'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const throttledTotal = new Counter({
    name: 'p2c_throttled_total',
    help: '429 answers (service protection) by system',
    labelNames: ['system'],
    registers: [registry],
  });
  const limiters: Array<Pick<Target, 'system' | 'limiter'>> = [];
  new Gauge({
    name: 'p2c_limiter_window_wait_seconds',
    help: "Time requests waited because the connection's request window was spent, since the worker started",
    labelNames: ['system'],
    registers: [registry],
    collect() {
      for (const { system, limiter } of limiters) this.set({ system }, limiter.snapshot().windowBlockedMs / 1000);
    },
  });
  const retriesTotal = new Counter({
    name: 'p2c_retries_total',
    help: 'Requests retried inside the connector by system',
    labelNames: ['system'],
    registers: [registry],
  });
  return {
    registry,
    watchLimiters(targets) {
      limiters.push(...targets);
    },
    rows: {
      taskFinished(task, counters) {
        // Zero values too, so every task has all five series and dashboards see 0 rather than no data.
        for (const outcome of ROW_OUTCOMES) rowsTotal.inc({ task, outcome }, counters[outcome]);
      },
    },
    connector: {
      onRequest(system, _method, status, ms) {
        requestsTotal.inc({ system, status: String(status) });
        requestSeconds.observe({ system }, ms / 1000);
      },
      onThrottle(system) {
        throttledTotal.inc({ system });
      },
      onRetry(system) {
        retriesTotal.inc({ system });
      },
    },
  };
}

export type WorkerState =
  'STARTING' | 'INITIALIZED' | 'RUNNING' | 'STOPPED' | 'STOPPING' | 'DRAINING' | 'DRAINED' | 'FAILED';

export interface OpsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Where the Temporal SDK's own Prometheus exporter listens; its text is appended to `/metrics`. */
  sdkMetricsUrl?: string;
  workerState: () => WorkerState;
  /** Named readiness checks (Temporal connection, checkpoint store); each rejects when not ready. */
  readiness: Record<string, () => Promise<unknown>>;
  logger: Logger;
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

const READINESS_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function sdkMetrics(url: string | undefined, logger: Logger): Promise<string> {
  if (!url) return '';
  try {
    const response = await withTimeout(fetch(url), READINESS_TIMEOUT_MS);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.text();
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'Temporal SDK metrics unavailable');
    return '';
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { registry, logger } = options;
  const routes: Record<string, (res: http.ServerResponse) => Promise<void>> = {
    '/metrics': async (res) => {
      const [ours, sdk] = await Promise.all([registry.metrics(), sdkMetrics(options.sdkMetricsUrl, logger)]);
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(sdk ? `${ours}\n${sdk}` : ours);
    },
    '/healthz': async (res) => {
      const state = options.workerState();
      send(res, state === 'RUNNING' ? 200 : 503, { state });
    },
    '/readyz': async (res) => {
      const names = Object.keys(options.readiness);
      const results = await Promise.allSettled(
        names.map((name) => withTimeout(Promise.resolve().then(options.readiness[name]), READINESS_TIMEOUT_MS)),
      );
      const checks = Object.fromEntries(
        results.map((r, i) => [names[i], r.status === 'fulfilled' ? 'ok' : String(r.reason?.message ?? r.reason)]),
      );
      send(res, results.every((r) => r.status === 'fulfilled') ? 200 : 503, checks);
    },
  };
  const server = http.createServer((req, res) => {
    const route = req.method === 'GET' ? routes[new URL(req.url ?? '/', 'http://x').pathname] : undefined;
    if (!route) return send(res, 404, { error: 'not found' });
    route(res).catch((err: unknown) => {
      logger.error({ err: (err as Error).message, path: req.url }, 'operations endpoint failed');
      if (!res.headersSent) send(res, 500, { error: (err as Error).message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
