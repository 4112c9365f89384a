/** Target-state accounting shared by the reliability scenarios: expected rows vs what landed, lost and duplicated. */
import { resolveTasks, type Project } from '../../../mappings';
import type { Clients } from '../../../worker/connections';
import type { RowCounts } from '../../../scripts/reliability-report';
import { differences, expectedRows } from '../../support/expectations';

/** The master-data tasks every scenario runs: both directions, lookups between them, customers from two sources. */
export const MASTER_DATA_TASKS = ['products', 'accounts', 'contactsToCustomers', 'contactPersons'];
const CUSTOMER_TASKS = new Set(['accounts', 'contactsToCustomers']);

export interface TargetCheck extends RowCounts {
  /** Field-level differences, for the assertion message. */
  problems: string[];
}

async function customerKeys(clients: Clients): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of clients.fno.readPages('CustomersV2', {
    select: ['dataAreaId', 'CustomerAccount'],
    pageSize: 5000,
    crossCompany: true,
  })) {
    keys.push(...page.rows.map((r) => `${String(r.dataAreaId)}/${String(r.CustomerAccount)}`));
  }
  return keys;
}

/**
 * Compares the target with what the template makes of the source as it is now. Lost = expected rows missing or
 * differing in any field; duplicated = customers beyond the expected ones.
 */
export async function checkTarget(clients: Clients, project: Project, tasks = MASTER_DATA_TASKS): Promise<TargetCheck> {
  const definitions = new Map(resolveTasks(project).map((t) => [t.name, t]));
  let expected = 0;
  let expectedCustomers = 0;
  const problems: string[] = [];
  let lost = 0;
  for (const partition of project.partitions) {
    for (const name of tasks) {
      const definition = definitions.get(name);
      if (!definition) throw new Error(`task ${name} is not in project ${project.name}`);
      const rows = await expectedRows(clients, definition, partition);
      expected += rows.length;
      if (CUSTOMER_TASKS.has(name)) expectedCustomers += rows.length;
      // Row by row, so a row with several differing fields counts as one lost row.
      for (const row of rows) {
        const rowProblems = await differences(clients, [row]);
        if (rowProblems.length > 0) lost += 1;
        problems.push(...rowProblems);
      }
    }
  }
  // Every expected customer key is distinct, so any customer beyond their number is a duplicate or a stray.
  const duplicated = Math.max(0, (await customerKeys(clients)).length - expectedCustomers);
  return { expected, landed: expected - lost, lost, duplicated, problems };
}
