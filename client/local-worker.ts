/**
 * A worker with both emulators in the same process, for trying p2c-sync against a Temporal server that runs
 * elsewhere (docker-compose) without a Dynamics tenant. Settings come from the same P2C_* variables as the worker.
 */
import path from 'node:path';
import { loadRuntimeConfig } from '../common/config';
import { startLocalStack } from './local-stack';

async function main(): Promise<void> {
  const config = loadRuntimeConfig();
  const dataDir = process.env.P2C_EMULATOR_DATA_DIR ?? path.resolve('.p2c/emulators');
  const accounts = Number(process.env.P2C_DEMO_ACCOUNTS ?? 1000);
  const stack = await startLocalStack({
    emulators: { seed: { accounts }, dataDir },
    storeFile: path.resolve('.p2c/checkpoints.sqlite'),
    store: config.store,
    temporalAddress: config.temporalAddress,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
  });
  console.log(`emulators: Dataverse ${stack.emulators.dataverse.url}, F&O ${stack.emulators.fno.url}`);
  console.log(
    `worker on ${config.temporalAddress}, task queue ${stack.taskQueue}; start a run with: npx p2c sync --wait`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stack.close().then(() => process.exit(0));
    });
  }
  await stack.workerDone;
}

main().catch((err: unknown) => {
  console.error(`p2c local worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
