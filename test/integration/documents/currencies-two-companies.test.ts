/**
 * One project, two partitions (spec §4): F&O company usmf ↔ Sales business unit USMF (USD) and demf ↔ DEMF (EUR).
 * Each unit's accounts and quotes land in its own company only, quotes in that company's currency; each company's
 * products reach the Sales price list of their currency; nothing crosses over.
 */
import { resolveTasks, sourceKeyOf, type Project, type TaskDefinition } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import type { Emulators } from '../../../emulators';
import type { SourceRow } from '../../../common/types';
import { differences, expectedRows, readAllSource } from '../../support/expectations';
import { EXAMPLE_PROJECT, startE2E, type E2E } from '../../support/e2e';

const COMPANIES = [
  { dataAreaId: 'usmf', businessUnit: 'USMF', currency: 'USD' },
  { dataAreaId: 'demf', businessUnit: 'DEMF', currency: 'EUR' },
];
const TASKS = ['products', 'accounts', 'contactsToCustomers', 'quoteHeaders', 'quoteLines'];

/** Rows of one F&O entity set per company, straight from the emulator's engine. */
function fnoRows(emulators: Emulators, entitySet: string, dataAreaId: string): SourceRow[] {
  const engine = emulators.fno.engine;
  const entity = engine.entity(entitySet);
  return [...engine.scan(entity, new Set([dataAreaId]))].map((row) => engine.project(entity, row));
}

describe('two legal entities and currencies in one project', () => {
  let e2e: E2E;
  let project: Project;
  let tasks: Map<string, TaskDefinition>;
  let failures: Awaited<ReturnType<E2E['stack']['store']['listFailures']>>;

  /** Sales rows of a table as stored, with the name of the business unit that owns each. */
  function salesRows(entitySet: string): Array<SourceRow & { businessUnit: string }> {
    const store = e2e.stack.emulators.dataverse.store;
    const units = new Map([...store.table('businessunits').rows()].map((u) => [u.businessunitid, String(u.name)]));
    return [...store.table(entitySet).rows()].map((row) => ({
      ...row,
      businessUnit: units.get(row._owningbusinessunit_value) ?? '(none)',
    }));
  }

  const currencyCode = (currencyId: unknown): string =>
    String(e2e.stack.emulators.dataverse.store.table('transactioncurrencies').get(currencyId)?.isocurrencycode);

  beforeAll(async () => {
    project = {
      ...loadProject(EXAMPLE_PROJECT),
      partitions: COMPANIES.map(({ dataAreaId, businessUnit }) => ({ dataAreaId, businessUnit })),
    };
    e2e = await startE2E(
      {
        seed: { accounts: 40, products: 40, quotes: 24, orders: 0, companies: COMPANIES },
        serviceProtection: false,
      },
      project,
    );
    tasks = new Map(resolveTasks(project).map((t) => [t.name, t]));
    const { workflowId } = await e2e.run({ tasks: TASKS, mode: 'full' });
    failures = await e2e.stack.store.listFailures(workflowId);
  }, 120_000);
  afterAll(async () => {
    await e2e?.close();
  });

  test('the seed has accounts and active quotes in both business units', () => {
    for (const { businessUnit } of COMPANIES) {
      expect(salesRows('accounts').filter((a) => a.businessUnit === businessUnit).length).toBeGreaterThan(5);
      expect(
        salesRows('quotes').filter((q) => q.businessUnit === businessUnit && q.statecode === 1).length,
      ).toBeGreaterThan(2);
    }
  });

  test('every account lands in the company of its business unit only, in its own currency', () => {
    const accounts = new Map(salesRows('accounts').map((a) => [String(a.accountnumber), a]));
    const planted = new Set(e2e.stack.emulators.manifest!.badRows.map((b) => b.key));
    for (const { dataAreaId, businessUnit } of COMPANIES) {
      const customers = fnoRows(e2e.stack.emulators, 'CustomersV2', dataAreaId).filter(
        (c) => c.PartyType === 'Organization',
      );
      const landed = customers.map((c) => {
        const account = accounts.get(String(c.CustomerAccount));
        return { customer: c.CustomerAccount, businessUnit: account?.businessUnit, currency: c.SalesCurrencyCode };
      });
      expect(landed.filter((c) => c.businessUnit !== businessUnit)).toEqual([]);
      for (const customer of customers) {
        const account = accounts.get(String(customer.CustomerAccount))!;
        expect({ customer: customer.CustomerAccount, currency: customer.SalesCurrencyCode }).toEqual({
          customer: customer.CustomerAccount,
          currency: currencyCode(account._transactioncurrencyid_value),
        });
      }
      // Every syncable account of the unit is there.
      const own = [...accounts.values()].filter(
        (a) => a.businessUnit === businessUnit && a.accountnumber && !planted.has(String(a.accountnumber)),
      );
      expect(new Set(customers.map((c) => c.CustomerAccount))).toEqual(new Set(own.map((a) => a.accountnumber)));
    }
  });

  test("quotes land in their unit's company only, in that company's currency, whole", async () => {
    const clients = e2e.stack.clients;
    const quotes = new Map(salesRows('quotes').map((q) => [String(q.quotenumber), q]));
    const headerTask = tasks.get('quoteHeaders')!;
    const lineTask = tasks.get('quoteLines')!;
    const planted = new Set(
      e2e.stack.emulators.manifest!.badRows.filter((b) => b.entitySet === 'quotes').map((b) => b.key),
    );
    const landedIn = new Map<string, string>();
    for (const [index, { dataAreaId, businessUnit, currency }] of COMPANIES.entries()) {
      const partition = project.partitions[index];
      const headers = fnoRows(e2e.stack.emulators, 'CDSSalesQuotationHeaders', dataAreaId);
      for (const header of headers) {
        const number = String(header.SalesQuotationNumber);
        expect({ quote: number, also: landedIn.get(number) }).toEqual({ quote: number, also: undefined });
        landedIn.set(number, dataAreaId);
        expect({ quote: number, unit: quotes.get(number)?.businessUnit, currency: header.CurrencyCode }).toEqual({
          quote: number,
          unit: businessUnit,
          currency,
        });
      }
      // The unit's good active quotes, and nothing else, with every header and line field as mapped.
      const source = await readAllSource(clients, headerTask, partition);
      const good = source.map((row) => sourceKeyOf(headerTask, row)).filter((key) => !planted.has(key));
      expect(headers.map((h) => h.SalesQuotationNumber).sort()).toEqual(good.sort());
      const expectedHeaders = (await expectedRows(clients, headerTask, partition)).filter((r) =>
        good.includes(r.sourceKey),
      );
      const lines = fnoRows(e2e.stack.emulators, 'CDSSalesQuotationLines', dataAreaId);
      const expectedLines = (await expectedRows(clients, lineTask, partition)).filter((r) =>
        good.includes(String(r.key.SalesQuotationNumber)),
      );
      expect(lines.length).toBe(expectedLines.length);
      expect(await differences(clients, [...expectedHeaders, ...expectedLines])).toEqual([]);
    }
    expect(new Set(landedIn.values())).toEqual(new Set(COMPANIES.map((c) => c.dataAreaId)));
  });

  test("each company's products reach the Sales price list of their currency; only planted rows fail", async () => {
    const clients = e2e.stack.clients;
    const store = e2e.stack.emulators.dataverse.store;
    const planted = new Set(
      e2e.stack.emulators.manifest!.badRows.filter((b) => b.entitySet === 'SellableReleasedProducts').map((b) => b.key),
    );
    const productFailures = failures.filter((f) => f.task === 'products');
    expect(productFailures.filter((f) => !planted.has(f.sourceKey))).toEqual([]);

    const products = new Map([...store.table('products').rows()].map((p) => [p.productid, String(p.productnumber)]));
    const priceLists = new Map(
      [...store.table('pricelevels').rows()].map((l) => [l.pricelevelid, currencyCode(l._transactioncurrencyid_value)]),
    );
    const priceItems = new Map<string, Array<{ currency: string; amount: unknown }>>();
    for (const item of store.table('productpricelevels').rows()) {
      const number = products.get(item._productid_value)!;
      priceItems.set(number, [
        ...(priceItems.get(number) ?? []),
        { currency: priceLists.get(item._pricelevelid_value)!, amount: item.amount },
      ]);
    }
    for (const [index, { dataAreaId, currency }] of COMPANIES.entries()) {
      const good = fnoRows(e2e.stack.emulators, 'SellableReleasedProducts', dataAreaId).filter(
        (p) => !planted.has(String(p.ProductNumber)),
      );
      expect(good.length).toBeGreaterThan(5);
      for (const product of good) {
        expect({ product: product.ProductNumber, currency: product.CurrencyCode }).toEqual({
          product: product.ProductNumber,
          currency,
        });
        expect({ product: product.ProductNumber, items: priceItems.get(String(product.ProductNumber)) }).toEqual({
          product: product.ProductNumber,
          items: [{ currency, amount: product.SalesPrice }],
        });
      }
      const expected = await expectedRows(clients, tasks.get('products')!, project.partitions[index]);
      expect(await differences(clients, expected)).toEqual([]);
    }
  });
});
