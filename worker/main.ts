/**
 * The worker process: reads the runtime settings and the project file, connects to Temporal, Dataverse and F&O,
 * and serves the p2c-sync task queue until SIGINT/SIGTERM, finishing in-flight activities before it exits.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadRuntimeConfig } from '../common/config';
import { openCheckpointStore } from '../common/checkpoint-store';
import { registerSearchAttributes } from '../common/dev-server';
import { loadProject } from '../mappings/project-file';
import { connectionFromProject, createClients } from './connections';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = loadRuntimeConfig();
  const project = loadProject(config.projectFile);
  const clients = createClients(connectionFromProject(project));
  const store = await openCheckpointStore(config.store);
  const admin = await Connection.connect({ address: config.temporalAddress });
  await registerSearchAttributes(admin, config.namespace);
  await admin.close();
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    deps: { dataverse: clients.dataverse, fno: clients.fno, store },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: finishing in-flight activities, then stopping`);
      worker.shutdown();
    });
  }
  console.log(
    `p2c-sync worker for project ${project.name} on ${config.temporalAddress}, task queue ${config.taskQueue}`,
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
    await clients.close();
    await store.close();
  }
}

main().catch((err: unknown) => {
  console.error(`p2c-sync worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
