/**
 * Accounts, contacts and products end to end: real dev server, real worker, both emulators over HTTP.
 */
import { startE2E, taskResult, type E2E } from '../../support/e2e';

const TASKS = ['products', 'accounts', 'contactsToCustomers', 'contactPersons'];

describe('master data sync (accounts, contacts, products)', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({ seed: { accounts: 200, products: 50, quotes: 0, orders: 0 } });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  test('a full run lands the valid rows and reports each seeded bad row', async () => {
    const { summary } = await e2e.run({ tasks: TASKS, mode: 'full' });
    for (const t of summary.tasks)
      console.log(
        t.task,
        t.outcome,
        JSON.stringify(t.counters),
        t.reason ?? '',
        JSON.stringify(t.failureSample.slice(0, 50).map((f) => f.code + ':' + f.message.slice(0, 200))),
      );
    const accounts = taskResult(summary, 'accounts');
    expect(accounts.outcome).not.toBe('Failed');
    expect(accounts.counters.created).toBeGreaterThan(0);
  });
});
