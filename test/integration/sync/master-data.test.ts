/**
 * Accounts, contacts and products end to end: real dev server, real worker, both emulators over HTTP.
 * 2,000 accounts, 3,000 contacts and 500 products with the seed's share of bad rows.
 */
import { resolveTasks, type TaskDefinition } from '../../../mappings';
import { differences, expectedRows, readAllSource } from '../../support/expectations';
import { startE2E, taskResult, type E2E } from '../../support/e2e';
import { activitiesOf, remoteActivitiesOf } from '../../support/history';
import { taskWorkflowId } from '../../../workflows/ids';

const TASKS = ['products', 'accounts', 'contactsToCustomers', 'contactPersons'];
/** The seed names tasks as Data Integrator's template does; these are ours. */
const SEED_TASKS: Record<string, string> = {
  'Accounts - Customers': 'accounts',
  Contacts: 'contactPersons',
  Products: 'products',
};

describe('master data sync (accounts, contacts, products)', () => {
  let e2e: E2E;
  let tasks: Map<string, TaskDefinition>;
  const partition = () => e2e.project.partitions[0];
  beforeAll(async () => {
    e2e = await startE2E({ seed: { accounts: 2000, contacts: 3000, products: 500, quotes: 0, orders: 0 } });
    tasks = new Map(resolveTasks(e2e.project).map((t) => [t.name, t]));
  });
  afterAll(async () => {
    await e2e?.close();
  });

  test('a full run lands every valid row field for field and reports every seeded bad row', async () => {
    const { workflowId, summary } = await e2e.run({ tasks: TASKS, mode: 'full' });
    for (const name of TASKS)
      expect(['Completed', 'CompletedWithWarnings']).toContain(taskResult(summary, name).outcome);
    expect(taskResult(summary, 'accounts').outcome).toBe('CompletedWithWarnings');

    // Every seeded bad row of these tasks is among the run's failures, with the code the seed planted it for.
    const failures = await e2e.stack.store.listFailures(workflowId);
    const manifest = e2e.stack.emulators.manifest!;
    const planted = manifest.badRows.filter((b) => SEED_TASKS[b.task]);
    expect(planted.length).toBeGreaterThan(10);
    for (const bad of planted) {
      const task = SEED_TASKS[bad.task];
      const match = failures.find((f) => f.task === task && (f.sourceKey === bad.key || f.message.includes(bad.key)));
      expect({ key: bad.key, kind: bad.kind, code: match?.code }).toEqual({
        key: bad.key,
        kind: bad.kind,
        code: bad.expectedError,
      });
    }
    const accounts = taskResult(summary, 'accounts');
    expect(accounts.counters.read).toBe(2000);
    expect(accounts.counters.created + accounts.counters.failed).toBe(2000);
    // Pages cross the history packed, so full pages of 200 accounts stay within the page byte budget unshrunk.
    const accountsHistory = await e2e.client.workflow
      .getHandle(taskWorkflowId(e2e.project.name, 'accounts', workflowId.split('/').pop()!))
      .fetchHistory();
    expect(activitiesOf(accountsHistory).filter((name) => name === 'readPage')).toHaveLength(2000 / 200);
    // The task's bookkeeping runs locally: only pages go through the server as activity tasks.
    expect(activitiesOf(accountsHistory)).toEqual(expect.arrayContaining(['beginTask', 'finishTask']));
    expect(new Set(remoteActivitiesOf(accountsHistory))).toEqual(new Set(['readPage', 'transformAndWritePage']));

    // Field for field: a sample of every task's expected target rows equals what the target holds.
    for (const name of TASKS) {
      const expected = await expectedRows(e2e.stack.clients, tasks.get(name)!, partition());
      expect(expected.length).toBeGreaterThan(0);
      const sample = expected.filter((_, i) => i % Math.ceil(expected.length / 60) === 0);
      expect(await differences(e2e.stack.clients, sample)).toEqual([]);
    }
  });

  test('an incremental run right after changes nothing, and 10 edited accounts give exactly 10 updates', async () => {
    const quiet = await e2e.run({ tasks: TASKS });
    for (const t of quiet.summary.tasks) {
      expect({ task: t.task, created: t.counters.created, updated: t.counters.updated }).toEqual({
        task: t.task,
        created: 0,
        updated: 0,
      });
    }
    expect(taskResult(quiet.summary, 'accounts').counters.read).toBe(0);

    const accounts = await readAllSource(e2e.stack.clients, tasks.get('accounts')!, partition());
    const valid = await expectedRows(e2e.stack.clients, tasks.get('accounts')!, partition());
    const edited = valid.slice(0, 10).map((r) => r.sourceKey);
    const outcomes = await e2e.stack.clients.dataverse.upsertBatch(
      edited.map((accountnumber, i) => ({
        sourceKey: accountnumber,
        entitySet: 'accounts',
        key: { accountnumber },
        fields: { telephone1: `+1 555 0100 ${i}` },
      })),
      { continueOnError: false },
    );
    expect(outcomes.map((o) => o.status)).toEqual(Array(10).fill('updated'));
    expect(accounts.length).toBe(2000);

    const { summary } = await e2e.run({ tasks: TASKS });
    const result = taskResult(summary, 'accounts');
    expect(result.counters.read).toBe(10);
    expect(result.counters.updated).toBe(10);
    expect(result.counters.created).toBe(0);
    for (const [i, accountnumber] of edited.entries()) {
      const customer = await e2e.stack.clients.fno.getByKey('CustomersV2', {
        dataAreaId: 'usmf',
        CustomerAccount: accountnumber,
      });
      expect(customer?.PrimaryContactPhone).toBe(`+1 555 0100 ${i}`);
    }
  });
});
