/**
 * Continuous mode on the real dev server with a real worker and both emulators: the workflows `p2c sync
 * --continuous` starts pick up an account edit, a quote edit and (with the propagate policy) an account deletion
 * without another run being started, and a second start leaves the running workflows alone.
 */
import { continuousProgressQuery } from '../../../workflows';
import { continuousStarts, startContinuous } from '../../../client/cli/continuous';
import { DEACTIVATION } from '../../../activities/deletes';
import { parseProject } from '../../../mappings';
import { LATENCY_PROBES, syncedKeys, timeOneEdit } from '../../../bench/latency';
import { startE2E, type E2E } from '../../support/e2e';

/** Generous: a change must arrive, how fast is the benchmark's business (bench/latency.ts). */
const ARRIVAL_TIMEOUT_MS = 60_000;

describe('continuous mode (dev server)', () => {
  let e2e: E2E;
  const dataAreaId = () => e2e.project.partitions[0].dataAreaId;
  beforeAll(async () => {
    e2e = await startE2E({ seed: { accounts: 40, contacts: 10, products: 40, quotes: 12, orders: 0 } });
    const base = e2e.project;
    e2e.project = parseProject({
      ...base,
      tasks: { ...base.tasks, accounts: { ...base.tasks.accounts, deletes: 'propagate' } },
    });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  test('edits and deletions arrive while the continuous workflows poll', async () => {
    await e2e.run({ mode: 'full' });
    const starts = continuousStarts(e2e.project, { tasks: LATENCY_PROBES.map((p) => p.task) });
    expect(starts.map((s) => s.input.task.name)).toEqual(['accounts', 'quoteHeaders']);
    expect(starts[1].input.lineTask?.name).toBe('quoteLines');
    const started = await startContinuous(e2e.client, starts, e2e.stack.taskQueue);
    expect(started.every((s) => s.started)).toBe(true);
    try {
      for (const probe of LATENCY_PROBES) {
        const [key] = await syncedKeys(e2e.stack, probe, dataAreaId());
        expect(key).toBeDefined();
        await timeOneEdit(e2e.stack, probe, key, dataAreaId(), `Continuous ${probe.task}`, ARRIVAL_TIMEOUT_MS);
      }

      // The accounts workflow reads change tracking (propagate policy): a deleted account's customer is blocked.
      const accounts = LATENCY_PROBES[0];
      const keys = await syncedKeys(e2e.stack, accounts, dataAreaId());
      // Customers come from accounts first (contacts' customers follow), so the second one is an account's.
      const doomed = keys[1];
      expect(await e2e.stack.clients.dataverse.deleteByKey('accounts', { accountnumber: doomed })).toBe(true);
      const customerKey = { dataAreaId: dataAreaId(), CustomerAccount: doomed };
      const blocked = DEACTIVATION.CustomersV2.OnHoldStatus;
      const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
      let customer = await e2e.stack.clients.fno.getByKey('CustomersV2', customerKey);
      while (customer?.OnHoldStatus !== blocked && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        customer = await e2e.stack.clients.fno.getByKey('CustomersV2', customerKey);
      }
      expect(customer?.OnHoldStatus).toBe(blocked);

      // The pass that blocked the customer may still be finishing: a pass is counted when its child workflow ends.
      const accountsSync = e2e.client.workflow.getHandle(starts[0].workflowId);
      let progress = await accountsSync.query(continuousProgressQuery);
      while (progress.passes < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        progress = await accountsSync.query(continuousProgressQuery);
      }
      expect(progress.task).toBe('accounts');
      expect(progress.passes).toBeGreaterThanOrEqual(2);
      expect(progress.counters.updated).toBeGreaterThanOrEqual(1);

      // Starting again while they run is a no-op.
      const again = await startContinuous(e2e.client, starts, e2e.stack.taskQueue);
      expect(again.map((s) => s.started)).toEqual([false, false]);
    } finally {
      for (const { workflowId } of starts) await e2e.client.workflow.getHandle(workflowId).cancel();
    }
  });
});
