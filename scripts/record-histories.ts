/**
 * Records one history per workflow type from a real run (own dev server, emulators, worker) into
 * test/replay/histories/, where the replay test checks that today's workflow code still replays them.
 * Run after a deliberate, patched workflow change: `npx tsx scripts/record-histories.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startDevServer } from '../common/dev-server';
import { startLocalStack } from '../client/local-stack';
import { startProjectRun } from '../client/run';
import { loadProject } from '../mappings/project-file';

export const HISTORY_DIR = path.resolve(__dirname, '../test/replay/histories');

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-record-'));
  const server = await startDevServer({ port: 0, uiPort: false });
  const stack = await startLocalStack({
    emulators: { seed: { accounts: 40, products: 20, quotes: 4, orders: 2 } },
    storeFile: path.join(tmp, 'checkpoints.sqlite'),
    temporalAddress: server.address,
  });
  const connection = await Connection.connect({ address: server.address });
  try {
    const client = new Client({ connection });
    const project = loadProject(path.resolve(__dirname, '../examples/project.yaml'));
    const run = await startProjectRun(client, project, {
      taskQueue: stack.taskQueue,
      tasks: ['products', 'accounts', 'contactsToCustomers', 'quoteHeaders'],
      mode: 'full',
    });
    await run.handle.result();
    fs.mkdirSync(HISTORY_DIR, { recursive: true });
    const ids: Record<string, string> = {};
    for (const type of ['prospectToCash', 'entitySync', 'quoteSync']) {
      const [first] = await collect(client.workflow.list({ query: `WorkflowType = "${type}"` }));
      if (!first) throw new Error(`no ${type} execution to record`);
      const history = await client.workflow.getHandle(first.workflowId, first.runId).fetchHistory();
      const file = path.join(HISTORY_DIR, `${type}.json`);
      fs.writeFileSync(file, historyToJSON(history));
      ids[type] = first.workflowId;
      console.log(`recorded ${type} (${history.events?.length ?? 0} events) → ${path.relative(process.cwd(), file)}`);
    }
    // Replay needs the original workflow ids: child ids are derived from them.
    fs.writeFileSync(path.join(HISTORY_DIR, 'workflow-ids.json'), JSON.stringify(ids, null, 2) + '\n');
  } finally {
    await connection.close();
    await stack.close();
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length >= 1) break;
  }
  return out;
}

main().catch((err: unknown) => {
  console.error(`record-histories: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
