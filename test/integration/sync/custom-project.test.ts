/**
 * A project file customised as an integration engineer would (task choice, an F&O enum filter, a Dataverse filter,
 * extra fields, a constant typed by its NoYes target, a removed field), loaded from YAML and run end to end: real
 * dev server, real worker, both emulators over HTTP. The custom fields reach the target; the filtered rows are not read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTasks, type TaskDefinition } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import { differences, expectedRows, readAllSource } from '../../support/expectations';
import { EXAMPLE_PROJECT, startE2E, taskResult, type E2E } from '../../support/e2e';

const TASKS = ['products', 'accounts', 'contactsToCustomers', 'contactPersons'];

const CUSTOMISATION = `
run: [products, accounts, contactsToCustomers, contactPersons]
tasks:
  products:
    # Only stocked items go to Sales; services stay in F&O.
    filter: ProductType eq Microsoft.Dynamics.DataEntities.EcoResProductType'Item'
  accounts:
    filter: statecode eq 0
    fieldMap:
      - { target: NameAlias, source: name, maxLength: 20, overflow: truncate }
      - { target: IsOneTimeCustomer, constant: false }
      - { target: SalesMemo, remove: true }
  contactPersons:
    fieldMap:
      - { target: EmploymentDepartment, constant: Sales }
`;

/** The example's connection and partitions with the customisation above. */
function customProjectFile(dir: string): string {
  const example = fs.readFileSync(EXAMPLE_PROJECT, 'utf8');
  const head = example.slice(0, example.indexOf('# Omit `run`')).replace('name: p2c-demo', 'name: p2c-custom');
  const file = path.join(dir, 'custom.yaml');
  fs.writeFileSync(file, head + CUSTOMISATION);
  return file;
}

describe('a customised project file, end to end', () => {
  let e2e: E2E;
  let tasks: Map<string, TaskDefinition>;
  let dir: string;
  const partition = () => e2e.project.partitions[0];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-custom-'));
    const project = loadProject(customProjectFile(dir));
    e2e = await startE2E({ seed: { accounts: 60, contacts: 60, products: 40, quotes: 0, orders: 0 } }, project);
    tasks = new Map(resolveTasks(e2e.project).map((t) => [t.name, t]));
  });
  afterAll(async () => {
    await e2e?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the custom fields land in F&O and only the filtered products are read', async () => {
    const { summary } = await e2e.run({ mode: 'full' });
    expect(summary.tasks.map((t) => t.task)).toEqual(TASKS);
    for (const name of TASKS)
      expect(['Completed', 'CompletedWithWarnings']).toContain(taskResult(summary, name).outcome);

    // Every row the customised tasks map is in the target field for field, custom fields included.
    for (const name of TASKS) {
      const expected = await expectedRows(e2e.stack.clients, tasks.get(name)!, partition());
      expect({ name, rows: expected.length > 0 }).toEqual({ name, rows: true });
      expect(await differences(e2e.stack.clients, expected)).toEqual([]);
    }

    const accounts = await readAllSource(e2e.stack.clients, tasks.get('accounts')!, partition());
    const longName = accounts.find((row) => String(row.name).length > 20 && row.accountnumber);
    expect(longName).toBeDefined();
    const customer = await e2e.stack.clients.fno.getByKey('CustomersV2', {
      dataAreaId: partition().dataAreaId,
      CustomerAccount: String(longName!.accountnumber),
    });
    expect(customer).toMatchObject({ NameAlias: String(longName!.name).slice(0, 20), IsOneTimeCustomer: 'No' });

    const contactPersons = await expectedRows(e2e.stack.clients, tasks.get('contactPersons')!, partition());
    const person = await e2e.stack.clients.fno.getByKey(contactPersons[0].entitySet, contactPersons[0].key);
    expect(person).toMatchObject({ EmploymentDepartment: 'Sales' });

    // Services are filtered out where F&O is read: the task reads and writes items only.
    const unfiltered = { ...tasks.get('products')!, source: { ...tasks.get('products')!.source, filter: undefined } };
    const products = await readAllSource(e2e.stack.clients, unfiltered, partition());
    const items = products.filter((row) => row.ProductType === 'Item');
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThan(products.length);
    expect(taskResult(summary, 'products').counters.read).toBe(items.length);
    const written = await expectedRows(e2e.stack.clients, tasks.get('products')!, partition());
    const salesProducts = written.filter((row) => row.entitySet === 'products');
    expect(salesProducts.length).toBeGreaterThan(0);
    expect(new Set(salesProducts.map((row) => row.fields.producttypecode))).toEqual(new Set([1]));
  });
});
