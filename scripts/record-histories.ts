/**
 * Records histories from a real run (own dev server, emulators, worker) into test/replay/histories/, where the
 * replay test checks that today's workflow code still replays them: one per workflow type the run starts, plus a
 * document saga that compensates (one of its lines is refused by F&O at write time), a plain page-by-page task and a
 * short continuous sync. Histories of earlier workflow shapes and types recorded before (names with a variant, e.g.
 * `quoteSync.row-by-row`, and `quoteSync` and `quoteSyncV2`, the saga types before `quoteSyncV3`) are kept.
 * Run after a deliberate, patched workflow change: `npx tsx scripts/record-histories.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startDevServer } from '../common/dev-server';
import { startLocalStack } from '../client/local-stack';
import { startProjectRun } from '../client/run';
import { loadProject } from '../mappings/project-file';
import { QUOTE_STATES } from '../emulators/seed/documents';
import type { Emulators } from '../emulators';
import { continuousStarts } from '../client/cli/continuous';
import { continuousSync } from '../workflows/continuousSync';
import { activitiesOf } from '../test/support/history';

export const HISTORY_DIR = path.resolve(__dirname, '../test/replay/histories');
export const WORKFLOW_IDS_FILE = path.join(HISTORY_DIR, 'workflow-ids.json');
/** The workflow type document tasks start today; histories of earlier saga types stay as they were recorded. */
const SAGA_TYPE = 'quoteSyncV3';
/** The line of the chosen quote that F&O refuses, so its saga writes, fails and compensates. */
const REFUSED_LINE = 2;

type History = temporal.api.history.v1.IHistory;

/** Marks one good active quote's second line so a fault rule can refuse exactly that write; returns the marker. */
function refuseOneLine(emulators: Emulators): { quoteNumber: string; marker: string } {
  const store = emulators.dataverse.store;
  const bad = new Set((emulators.manifest?.badRows ?? []).filter((b) => b.entitySet === 'quotes').map((b) => b.key));
  const lines = [...store.table('quotedetails').rows()];
  for (const quote of store.table('quotes').rows()) {
    if (quote.statecode !== QUOTE_STATES.active.statecode || bad.has(String(quote.quotenumber))) continue;
    const own = lines.filter((l) => l._quoteid_value === quote.quoteid);
    const line = own.find((l) => Number(l.sequencenumber) === REFUSED_LINE);
    if (!line) continue;
    const marker = `refused at write time: ${String(quote.quotenumber)}`;
    store.table('quotedetails').replace(String(line.quotedetailid), { ...line, description: marker });
    return { quoteNumber: String(quote.quotenumber), marker };
  }
  throw new Error(`the seed has no good active quote with a line ${REFUSED_LINE} to refuse`);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-record-'));
  const server = await startDevServer({ port: 0, uiPort: false });
  const stack = await startLocalStack({
    emulators: { seed: { accounts: 40, products: 20, quotes: 8, orders: 2 } },
    storeFile: path.join(tmp, 'checkpoints.sqlite'),
    temporalAddress: server.address,
  });
  const connection = await Connection.connect({ address: server.address });
  try {
    const client = new Client({ connection });
    const project = loadProject(path.resolve(__dirname, '../examples/project.yaml'));
    const refused = refuseOneLine(stack.emulators);
    stack.emulators.fno.faults.configure({ failWritesForKeys: [refused.marker] });
    const run = await startProjectRun(client, project, {
      taskQueue: stack.taskQueue,
      tasks: ['products', 'accounts', 'contactsToCustomers', 'quoteHeaders'],
      mode: 'full',
    });
    await run.handle.result();
    const fetch = (workflowId: string) => client.workflow.getHandle(workflowId).fetchHistory();

    const recorded: Record<string, { workflowId: string; history: History }> = {};
    recorded.prospectToCash = { workflowId: run.workflowId, history: await fetch(run.workflowId) };
    const documentTask = (await collect(client.workflow.list({ query: 'WorkflowType = "entitySync"' }))).find((w) =>
      w.workflowId.includes('/quoteHeaders'),
    );
    if (!documentTask) throw new Error('no quoteHeaders entitySync execution to record');
    recorded.entitySync = { workflowId: documentTask.workflowId, history: await fetch(documentTask.workflowId) };
    const compensatedId = `${documentTask.workflowId}/${refused.quoteNumber}`;
    recorded[`${SAGA_TYPE}.compensated`] = { workflowId: compensatedId, history: await fetch(compensatedId) };
    for (const saga of await collect(client.workflow.list({ query: `WorkflowType = "${SAGA_TYPE}"` }))) {
      const history = await fetch(saga.workflowId);
      const activities = activitiesOf(history);
      if (activities.includes('writeDocument') && !activities.includes('compensateDocument')) {
        recorded[SAGA_TYPE] = { workflowId: saga.workflowId, history };
        break;
      }
    }
    if (!recorded[SAGA_TYPE]) throw new Error(`no ${SAGA_TYPE} execution wrote its document`);
    // A plain (page by page) task of the same run, and a short continuous sync of it.
    const pagesId = run.workflowId.replace(`/${project.name}/`, `/${project.name}/accounts/`);
    recorded['entitySync.pages'] = { workflowId: pagesId, history: await fetch(pagesId) };
    const [continuous] = continuousStarts(project, {
      tasks: ['accounts'],
      polling: { minIntervalMs: 200, maxIntervalMs: 400, backoffFactor: 2, passesPerRun: 50 },
    });
    const handle = await client.workflow.start(continuousSync, {
      taskQueue: stack.taskQueue,
      workflowId: continuous.workflowId,
      args: [{ ...continuous.input, maxPasses: 2 }],
    });
    await handle.result();
    recorded.continuousSync = { workflowId: continuous.workflowId, history: await fetch(continuous.workflowId) };
    if (!activitiesOf(recorded[`${SAGA_TYPE}.compensated`].history).includes('compensateDocument')) {
      throw new Error(`the saga of ${refused.quoteNumber} did not compensate; its refused line was not written`);
    }

    fs.mkdirSync(HISTORY_DIR, { recursive: true });
    const ids: Record<string, string> = fs.existsSync(WORKFLOW_IDS_FILE)
      ? (JSON.parse(fs.readFileSync(WORKFLOW_IDS_FILE, 'utf8')) as Record<string, string>)
      : {};
    for (const [name, { workflowId, history }] of Object.entries(recorded)) {
      const file = path.join(HISTORY_DIR, `${name}.json`);
      fs.writeFileSync(file, historyToJSON(history));
      // Replay needs the original workflow ids: child ids are derived from them.
      ids[name] = workflowId;
      console.log(`recorded ${name} (${history.events?.length ?? 0} events) → ${path.relative(process.cwd(), file)}`);
    }
    const sorted = Object.fromEntries(Object.entries(ids).sort(([a], [b]) => a.localeCompare(b)));
    fs.writeFileSync(WORKFLOW_IDS_FILE, JSON.stringify(sorted, null, 2) + '\n');
  } finally {
    await connection.close();
    await stack.close();
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

main().catch((err: unknown) => {
  console.error(`record-histories: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
