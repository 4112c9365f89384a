/**
 * The local stack the demo and the end-to-end tests run on: both emulators with seed data, connector clients
 * pointed at them, a checkpoint store and (optionally) a worker on a Temporal server.
 */
import { NativeConnection, type Worker } from '@temporalio/worker';
import { openCheckpointStore, type CheckpointStore, type CheckpointStoreConfig } from '../common/checkpoint-store';
import type { ConnectionConfig } from '../connectors';
import { startEmulators, type Emulators, type EmulatorsOptions, type EmulatorConnection } from '../emulators';
import { createClients, type Clients } from '../worker/connections';
import { TASK_QUEUE, createWorker } from '../worker/worker';

export interface LocalStackOptions {
  emulators?: EmulatorsOptions;
  storeFile: string;
  /** Another checkpoint store (PostgreSQL under docker-compose); storeFile is used when absent. */
  store?: CheckpointStoreConfig;
  /** Temporal frontend to run a worker against; omitted starts no worker. */
  temporalAddress?: string;
  namespace?: string;
  taskQueue?: string;
}

export interface LocalStack {
  emulators: Emulators;
  connection: ConnectionConfig;
  clients: Clients;
  store: CheckpointStore;
  worker?: Worker;
  taskQueue: string;
  /** Resolves when the worker stopped (after close()). */
  workerDone?: Promise<void>;
  close(): Promise<void>;
}

export function connectionToEmulators(conn: EmulatorConnection): ConnectionConfig {
  const side = (url: string, resource: string) => ({
    url,
    authority: conn.authority,
    clientId: conn.clientId,
    clientSecret: conn.clientSecret,
    scope: `${resource}/.default`,
    caCertPem: conn.caCertPem,
  });
  return {
    dataverse: side(conn.dataverse.url, conn.dataverse.resource),
    fno: { ...side(conn.fno.url, conn.fno.resource), defaultCompany: conn.fno.defaultCompany },
  };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const emulators = await startEmulators(options.emulators);
  const connection = connectionToEmulators(emulators.connection);
  const clients = createClients(connection);
  const store = await openCheckpointStore(options.store ?? { kind: 'sqlite', file: options.storeFile });
  const taskQueue = options.taskQueue ?? TASK_QUEUE;
  let worker: Worker | undefined;
  let workerDone: Promise<void> | undefined;
  let nativeConnection: NativeConnection | undefined;
  if (options.temporalAddress) {
    nativeConnection = await NativeConnection.connect({ address: options.temporalAddress });
    worker = await createWorker({
      connection: nativeConnection,
      namespace: options.namespace,
      taskQueue,
      deps: { dataverse: clients.dataverse, fno: clients.fno, store },
    });
    workerDone = worker.run();
  }
  return {
    emulators,
    connection,
    clients,
    store,
    worker,
    workerDone,
    taskQueue,
    close: async () => {
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone;
      await nativeConnection?.close();
      await clients.close();
      await store.close();
      await emulators.close();
    },
  };
}
