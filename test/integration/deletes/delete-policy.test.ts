/**
 * The delete policy end to end (real dev server, real worker, both emulators): rows deleted in Dataverse between
 * two runs are ignored, reported, or propagated — customers blocked in F&O, contact persons deleted — and no
 * other target row changes. Each policy runs as its own project, so watermarks and row hashes stay apart.
 */
import { startProjectRun } from '../../../client/run';
import { parseProject, resolveTasks, type Project, type TaskDefinition } from '../../../mappings';
import type { DeletePolicy } from '../../../mappings';
import type { SyncMode } from '../../../common/sync-types';
import type { BusinessKey, SourceRow, TargetRow } from '../../../common/types';
import { DEACTIVATION } from '../../../activities/deletes';
import { expectedRows } from '../../support/expectations';
import { startE2E, taskResult, type E2E } from '../../support/e2e';

const CUSTOMERS = 'CustomersV2';
const CONTACT_PERSONS = 'CDSContactPersons';

describe('delete policy (change tracking deletions)', () => {
  let e2e: E2E;
  let valid: { accounts: TargetRow[]; contactPersons: TargetRow[] } | undefined;
  let clock = Date.now();
  /** Valid rows not yet deleted by an earlier test. */
  let nextAccount = 0;
  let nextContact = 0;

  beforeAll(async () => {
    e2e = await startE2E({ seed: { accounts: 60, contacts: 80, products: 0, quotes: 0, orders: 0 } });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  function projectWith(name: string, policy: DeletePolicy | undefined): Project {
    const base = e2e.project;
    const withPolicy = (task: string) => ({ ...base.tasks[task], ...(policy ? { deletes: policy } : {}) });
    return parseProject({
      ...base,
      name,
      run: ['accounts', 'contactPersons'],
      tasks: { ...base.tasks, accounts: withPolicy('accounts'), contactPersons: withPolicy('contactPersons') },
    });
  }

  async function run(project: Project, mode: SyncMode = 'incremental') {
    clock = Math.max(clock + 1000, Date.now());
    const started = await startProjectRun(e2e.client, project, {
      taskQueue: e2e.stack.taskQueue,
      now: new Date(clock),
      mode,
    });
    return started.handle.result();
  }

  /** Every row of a target entity set, by its key, for before/after comparisons. */
  async function snapshot(entitySet: string): Promise<Map<string, SourceRow>> {
    const rows = new Map<string, SourceRow>();
    let cursor: string | undefined;
    do {
      const page = await e2e.stack.clients.fno.readPage(entitySet, { pageSize: 1000, cursor, dataAreaId: 'usmf' });
      for (const row of page.rows) {
        const { ['@odata.etag']: _etag, ...fields } = row;
        const key =
          entitySet === CUSTOMERS
            ? String(row.CustomerAccount)
            : `${String(row.ContactPersonPartyNumber)}/${String(row.AssociatedPartyNumber)}`;
        rows.set(key, fields);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return rows;
  }

  const targetKeyText = (entitySet: string, key: BusinessKey) =>
    entitySet === CUSTOMERS
      ? String(key.CustomerAccount)
      : `${String(key.ContactPersonPartyNumber)}/${String(key.AssociatedPartyNumber)}`;

  /** Rows the mapping accepts; contact persons need their company's customer, so only after a first run. */
  async function validRows() {
    const byName = new Map(resolveTasks(e2e.project).map((t) => [t.name, t]));
    const partition = e2e.project.partitions[0];
    const rows = {
      accounts: await expectedRows(e2e.stack.clients, byName.get('accounts')!, partition),
      contactPersons: await expectedRows(e2e.stack.clients, byName.get('contactPersons')!, partition),
    };
    expect(rows.accounts.length).toBeGreaterThan(10);
    expect(rows.contactPersons.length).toBeGreaterThan(3);
    return rows;
  }

  /** Deletes the next valid accounts and contact persons in Dataverse; returns their target rows. */
  async function deleteInSource(accounts: number, contacts: number) {
    valid ??= await validRows();
    const deletedAccounts = valid.accounts.slice(nextAccount, (nextAccount += accounts));
    const deletedContacts = valid.contactPersons.slice(nextContact, (nextContact += contacts));
    for (const row of deletedAccounts) {
      expect(await e2e.stack.clients.dataverse.deleteByKey('accounts', { accountnumber: row.sourceKey })).toBe(true);
    }
    for (const row of deletedContacts) {
      const key = { msdynce_contactnumber: row.sourceKey };
      expect(await e2e.stack.clients.dataverse.deleteByKey('contacts', key)).toBe(true);
    }
    return { accounts: deletedAccounts, contacts: deletedContacts };
  }

  async function firstRun(project: Project) {
    const summary = await run(project, 'full');
    for (const task of ['accounts', 'contactPersons']) {
      expect(['Completed', 'CompletedWithWarnings']).toContain(taskResult(summary, task).outcome);
    }
  }

  test('ignore (the default): deletions are neither read nor applied', async () => {
    const project = projectWith('p2c-deletes-ignore', undefined);
    expect(resolveTasks(project).every((t: TaskDefinition) => t.deletes === undefined)).toBe(true);
    await firstRun(project);
    const before = { customers: await snapshot(CUSTOMERS), contacts: await snapshot(CONTACT_PERSONS) };
    const deleted = await deleteInSource(2, 1);

    const summary = await run(project);
    for (const task of ['accounts', 'contactPersons']) {
      const result = taskResult(summary, task);
      expect(result.counters.deletedSeen).toBe(0);
      expect(result.deletes).toBeUndefined();
    }
    expect(await snapshot(CUSTOMERS)).toEqual(before.customers);
    expect(await snapshot(CONTACT_PERSONS)).toEqual(before.contacts);
    for (const row of deleted.accounts) expect(before.customers.has(row.sourceKey)).toBe(true);
  });

  test('report: the deleted rows are listed and traced, the target is untouched', async () => {
    const project = projectWith('p2c-deletes-report', 'report');
    await firstRun(project);
    const before = { customers: await snapshot(CUSTOMERS), contacts: await snapshot(CONTACT_PERSONS) };
    const deleted = await deleteInSource(2, 1);

    const summary = await run(project);
    const accounts = taskResult(summary, 'accounts');
    expect(accounts.deletes).toMatchObject({ reported: 2, deleted: 0, deactivated: 0 });
    expect([...(accounts.deletedSample ?? [])].sort()).toEqual(deleted.accounts.map((r) => r.sourceKey).sort());
    const contacts = taskResult(summary, 'contactPersons');
    expect(contacts.deletes).toMatchObject({ reported: 1, deleted: 0, deactivated: 0 });
    expect(contacts.deletedSample).toEqual(deleted.contacts.map((r) => r.sourceKey));

    expect(await snapshot(CUSTOMERS)).toEqual(before.customers);
    expect(await snapshot(CONTACT_PERSONS)).toEqual(before.contacts);
    for (const row of deleted.accounts) {
      const trace = await e2e.stack.store.trace('accounts', row.sourceKey);
      expect(trace.some((t) => t.outcome === 'deleted' && /policy report/.test(t.detail ?? ''))).toBe(true);
    }
  });

  test('propagate: exactly the deleted customers are blocked and the deleted contact persons removed', async () => {
    const project = projectWith('p2c-deletes-propagate', 'propagate');
    await firstRun(project);
    const before = { customers: await snapshot(CUSTOMERS), contacts: await snapshot(CONTACT_PERSONS) };
    const deleted = await deleteInSource(3, 2);

    const summary = await run(project);
    expect(taskResult(summary, 'accounts').deletes).toMatchObject({ deactivated: 3, deleted: 0, reported: 0 });
    expect(taskResult(summary, 'contactPersons').deletes).toMatchObject({ deleted: 2, deactivated: 0, reported: 0 });

    const customers = await snapshot(CUSTOMERS);
    const blockedKeys = new Set(deleted.accounts.map((r) => targetKeyText(CUSTOMERS, r.key)));
    expect(customers.size).toBe(before.customers.size);
    for (const [key, row] of before.customers) {
      // The deleted accounts' customers differ only by the blocked status (and so their modified time); every
      // other customer is as it was.
      const expected = blockedKeys.has(key)
        ? { ...row, ...DEACTIVATION[CUSTOMERS], ModifiedDateTime: expect.any(String) }
        : row;
      if (blockedKeys.has(key)) expect(row.OnHoldStatus).not.toBe(DEACTIVATION[CUSTOMERS].OnHoldStatus);
      expect({ key, row: customers.get(key) }).toEqual({ key, row: expected });
    }

    const contactPersons = await snapshot(CONTACT_PERSONS);
    const removed = deleted.contacts.map((r) => targetKeyText(CONTACT_PERSONS, r.key));
    for (const key of removed) expect(before.contacts.has(key)).toBe(true);
    expect([...before.contacts.keys()].filter((key) => !contactPersons.has(key)).sort()).toEqual(removed.sort());
    expect(contactPersons.size).toBe(before.contacts.size - removed.length);

    // A third run sees no new deletions and changes nothing.
    const quiet = await run(project);
    expect(taskResult(quiet, 'accounts').counters.deletedSeen).toBe(0);
    expect(await snapshot(CUSTOMERS)).toEqual(customers);
  });

  test('an expired delta link: the task reads in full again and still finds the rows deleted meanwhile', async () => {
    const project = projectWith('p2c-deletes-expired', 'propagate');
    await firstRun(project);
    const before = { customers: await snapshot(CUSTOMERS), contacts: await snapshot(CONTACT_PERSONS) };
    const deleted = await deleteInSource(2, 1);
    // A contact person that only stops matching the task's filter still exists: the re-read must not delete it.
    const moved = valid!.contactPersons[nextContact++];
    const [update] = await e2e.stack.clients.dataverse.upsertBatch(
      [
        {
          sourceKey: moved.sourceKey,
          entitySet: 'contacts',
          key: { msdynce_contactnumber: moved.sourceKey },
          fields: { msdynce_iscompanyanaccount: false },
        },
      ],
      { continueOnError: true },
    );
    expect(update.status).toBe('updated');

    // Change-tracking data older than the service keeps is refused: age both tasks' delta links past it.
    const partition = e2e.project.partitions[0].dataAreaId;
    for (const task of ['accounts', 'contactPersons']) {
      const watermark = await e2e.stack.store.getWatermark(project.name, task, partition);
      if (watermark?.kind !== 'delta-link') throw new Error(`${task} committed no delta link: ${watermark?.kind}`);
      const expired = watermark.value.replace(
        /(\$|%24)deltatoken=[^&]*/i,
        `$deltatoken=${encodeURIComponent('1!01/01/2020 00:00:00')}`,
      );
      expect(expired).not.toBe(watermark.value);
      await e2e.stack.store.commitWatermark(project.name, task, partition, { kind: 'delta-link', value: expired }, 't');
    }

    const summary = await run(project);
    const accounts = taskResult(summary, 'accounts');
    expect(['Completed', 'CompletedWithWarnings']).toContain(accounts.outcome);
    expect(accounts.deletes).toMatchObject({ deactivated: 2, deleted: 0, reported: 0 });
    expect([...(accounts.deletedSample ?? [])].sort()).toEqual(deleted.accounts.map((r) => r.sourceKey).sort());
    const contacts = taskResult(summary, 'contactPersons');
    expect(contacts.deletes).toMatchObject({ deleted: 1, deactivated: 0, reported: 0 });
    expect(contacts.deletedSample).toEqual(deleted.contacts.map((r) => r.sourceKey));

    const customers = await snapshot(CUSTOMERS);
    for (const row of deleted.accounts) {
      expect(customers.get(targetKeyText(CUSTOMERS, row.key))?.OnHoldStatus).toBe(DEACTIVATION[CUSTOMERS].OnHoldStatus);
    }
    expect(customers.size).toBe(before.customers.size);
    const contactPersons = await snapshot(CONTACT_PERSONS);
    expect(contactPersons.has(targetKeyText(CONTACT_PERSONS, moved.key))).toBe(true);
    expect(contactPersons.has(targetKeyText(CONTACT_PERSONS, deleted.contacts[0].key))).toBe(false);
    expect(contactPersons.size).toBe(before.contacts.size - 1);

    // The re-read left a fresh delta link: the next run reads changes only and finds nothing new.
    const quiet = await run(project);
    expect(taskResult(quiet, 'accounts').counters.deletedSeen).toBe(0);
    expect(taskResult(quiet, 'accounts').counters.read).toBe(0);
  });

  test('a policy other than ignore on an F&O-source task is refused with the reason', () => {
    const base = e2e.project;
    expect(() => parseProject({ ...base, tasks: { ...base.tasks, products: { deletes: 'propagate' } } })).toThrow(
      /tasks\.products\.deletes: "propagate" needs Dataverse change tracking/,
    );
  });
});
