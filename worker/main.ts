/**
 * The worker process: reads the runtime settings and the project file, connects to Temporal, Dataverse and F&O,
 * and serves the p2c-sync task queue until SIGINT/SIGTERM, finishing in-flight activities before it exits (a second
 * signal exits at once). Logs are JSON lines on stdout; metrics and health probes are on P2C_METRICS_PORT.
 */
import os from 'node:os';
import v8 from 'node:v8';
import { Connection } from '@temporalio/client';
import { NativeConnection, Runtime, makeTelemetryFilterString, type Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { loadRuntimeConfig } from '../common/config';
import { openCheckpointStore } from '../common/checkpoint-store';
import { freePort, registerSearchAttributes } from '../common/dev-server';
import { loadProject } from '../mappings/project-file';
import { connectionFromProject, createClients } from './connections';
import {
  createLogger,
  createMetrics,
  loadObservabilityConfig,
  startOpsServer,
  temporalLogger,
  type WorkerState,
} from './observability';
import { createWorker } from './worker';

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const MIB = 1024 * 1024;

async function main(logger: Logger, observability: ReturnType<typeof loadObservabilityConfig>): Promise<void> {
  const config = loadRuntimeConfig();
  const metrics = createMetrics();

  // The SDK's own exporter listens on a private loopback port; /metrics appends its text to ours.
  const sdkMetricsAddress = `127.0.0.1:${await freePort()}`;
  Runtime.install({
    logger: temporalLogger(logger),
    // Signals are handled below, so the second one can force an exit.
    shutdownSignals: [],
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) },
      metrics: {
        prometheus: { bindAddress: sdkMetricsAddress, countersTotalSuffix: true, useSecondsForDurations: true },
      },
    },
  });

  let worker: Worker | undefined;
  let connection: NativeConnection | undefined;
  const store = await openCheckpointStore(config.store);
  const ops = await startOpsServer({
    host: observability.metricsHost,
    port: observability.metricsPort,
    registry: metrics.registry,
    sdkMetricsUrl: `http://${sdkMetricsAddress}/metrics`,
    workerState: (): WorkerState => worker?.getState() ?? 'STARTING',
    readiness: {
      temporal: async () => {
        if (!connection) throw new Error('not connected yet');
        await connection.healthService.check({});
      },
      store: () => store.schemaVersion(),
    },
    logger,
  });
  logger.info({ url: ops.url }, 'metrics and health endpoints listening');

  const project = loadProject(config.projectFile);
  const clients = createClients(connectionFromProject(project), {
    logger: logger.child({ component: 'connector' }),
    metrics: metrics.connector,
  });
  metrics.watchLimiters([clients.dataverse.target, clients.fno.target]);
  try {
    const admin = await Connection.connect({ address: config.temporalAddress });
    await registerSearchAttributes(admin, config.namespace);
    await admin.close();
    connection = await NativeConnection.connect({ address: config.temporalAddress });
    worker = await createWorker({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      deps: { dataverse: clients.dataverse, fno: clients.fno, store, rowMetrics: metrics.rows },
    });
    const running = worker;
    let signals = 0;
    for (const signal of SHUTDOWN_SIGNALS) {
      process.on(signal, () => {
        signals += 1;
        if (signals > 1) {
          logger.warn({ signal }, 'second signal: exiting without waiting for in-flight activities');
          process.exit(128 + os.constants.signals[signal]);
        }
        logger.info({ signal }, 'finishing in-flight activities, then stopping');
        running.shutdown();
      });
    }
    logger.info(
      {
        project: project.name,
        temporalAddress: config.temporalAddress,
        taskQueue: config.taskQueue,
        // Without WORKER_NODE_OPTIONS' heap caps V8 sizes its heap from the machine's memory and collects lazily.
        heapLimitMB: Math.round(v8.getHeapStatistics().heap_size_limit / MIB),
      },
      'worker started',
    );
    await worker.run();
    logger.info('worker stopped: in-flight activities finished');
  } finally {
    await connection?.close();
    await clients.close();
    await store.close();
    await ops.close();
  }
}

let logger: Logger | undefined;
try {
  const observability = loadObservabilityConfig();
  logger = createLogger(observability.logLevel);
  main(logger, observability).then(
    () => process.exit(0),
    (err: unknown) => fail(err),
  );
} catch (err) {
  fail(err);
}

function fail(err: unknown): never {
  const message = `p2c-sync worker: ${err instanceof Error ? err.message : String(err)}`;
  // stderr keeps the plain line for whoever started the process; the JSON line is for the log pipeline.
  logger?.fatal(message);
  console.error(message);
  process.exit(1);
}
