import { DEFAULT_CLIENT } from '../../../../emulators/common/identity';
import { startFnoEmulator } from '../../../../emulators/fno';
import { SAMPLE_SEED, startHarness, type FnoHarness } from './helpers';

/** Number sequences, modified-time stamps for incremental reads, seeding and $metadata. */
describe('F&O data behaviour', () => {
  let h: FnoHarness;
  beforeAll(async () => {
    h = await startHarness({
      seed: {
        ...SAMPLE_SEED,
        // An explicitly numbered order that the sequence must step over.
        CDSSalesOrderHeaders: [
          { dataAreaId: 'usmf', SalesOrderNumber: 'SO-000002', OrderingCustomerAccountNumber: 'US-001' },
        ],
      },
    });
  });
  afterAll(() => h.close());

  const create = (set: string, body: Record<string, unknown>) => h.json(set, { method: 'POST', body });

  test('number sequences fill ids the caller leaves out, per company, skipping numbers already taken', async () => {
    expect((await create('CustomersV3', { CustomerGroupId: '10' })).CustomerAccount).toBe('C-000001');
    expect((await create('CustomersV3', { CustomerGroupId: '10' })).CustomerAccount).toBe('C-000002');
    expect((await create('CustomersV3', { dataAreaId: 'usrt', CustomerGroupId: '10' })).CustomerAccount).toBe(
      'C-000001',
    );
    const orders = [];
    for (let i = 0; i < 2; i += 1)
      orders.push((await create('CDSSalesOrderHeaders', { OrderingCustomerAccountNumber: 'US-001' })).SalesOrderNumber);
    expect(orders).toEqual(['SO-000001', 'SO-000003']);
    expect(
      (await create('CDSSalesQuotationHeaders', { RequestingCustomerAccountNumber: 'US-001' })).SalesQuotationNumber,
    ).toBe('QT-000001');
    const contact = await create('ContactPersons', { FirstName: 'Ana' });
    expect(contact.ContactPersonId).toBe('CP-000001');
  });

  test('line numbers continue per document; lines of the generic entities get lot ids and item/product numbers', async () => {
    const header = await create('CDSSalesOrderHeaders', { OrderingCustomerAccountNumber: 'US-001' });
    const number = header.SalesOrderNumber as string;
    const first = await create('CDSSalesOrderLines', {
      SalesOrderNumber: number,
      ProductNumber: 'S0001',
      OrderedSalesQuantity: 1,
    });
    const second = await create('SalesOrderLines', {
      SalesOrderNumber: number,
      ItemNumber: 'S0001',
      OrderedSalesQuantity: 2,
    });
    expect([first.LineCreationSequenceNumber, second.LineCreationSequenceNumber]).toEqual([1, 2]);
    expect(second.InventoryLotId).toMatch(/^LOT-\d{9}$/);
    const viaCds = await h.json(
      `CDSSalesOrderLines(dataAreaId='usmf',SalesOrderNumber='${number}',LineCreationSequenceNumber=2)`,
    );
    expect(viaCds).toMatchObject({
      ProductNumber: 'S0001',
      ProductName: 'S0001',
      OrderingCustomerIsExternallyMaintained: 'Yes',
    });
  });

  test('ModifiedDateTime is stamped on every write so incremental reads by modified time work', async () => {
    const created = await create('CustomersV3', { CustomerAccount: 'M-1', CustomerGroupId: '10' });
    expect(created.ModifiedDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const watermark = created.ModifiedDateTime as string;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='US-002')", {
      method: 'PATCH',
      body: { AddressCity: 'Seattle' },
    });
    const changed = await h.json(
      `CustomersV3?$select=CustomerAccount,ModifiedDateTime&$filter=ModifiedDateTime gt ${watermark}`,
    );
    expect(changed.value.map((r: { CustomerAccount: string }) => r.CustomerAccount)).toEqual(['US-002']);
    const sinceWatermark = await h.json(
      `CustomersV3?$select=CustomerAccount,ModifiedDateTime&$filter=ModifiedDateTime ge ${watermark}`,
    );
    const rows = sinceWatermark.value as Array<{ CustomerAccount: string; ModifiedDateTime: string }>;
    expect(rows.map((r) => r.CustomerAccount)).toEqual(expect.arrayContaining(['M-1', 'US-002']));
    expect(rows.every((r) => r.ModifiedDateTime >= watermark)).toBe(true);
  });

  test('rows seeded through one entity are visible through the others on the same table', async () => {
    const sellable = await h.json("SellableReleasedProducts(dataAreaId='usmf',ProductNumber='D0001')");
    expect(sellable).toMatchObject({
      ProductName: 'D0001',
      SalesPrice: 219.99,
      CurrencyCode: 'USD',
      SalesUnitSymbol: 'ea',
    });
    const cds = await h.json("CDSReleasedDistinctProducts(dataAreaId='usmf',ProductNumber='D0002')");
    expect(cds.ItemNumber).toBe('D0002');
  });

  test('products stopped for sales disappear from SellableReleasedProducts only', async () => {
    await h.api("ReleasedDistinctProductsV2(dataAreaId='usmf',ItemNumber='D0002')", { method: 'PATCH', body: {} });
    await h.json('CDSReleasedDistinctProducts', {
      method: 'POST',
      body: { ProductNumber: 'STOP-1', SalesUnitSymbol: 'ea' },
    });
    await h.api("SellableReleasedProducts(dataAreaId='usmf',ProductNumber='STOP-1')", {
      method: 'PATCH',
      body: { IsSalesStopped: 'Yes' },
    });
    expect((await h.api("SellableReleasedProducts(dataAreaId='usmf',ProductNumber='STOP-1')")).status).toBe(404);
    expect((await h.api("CDSReleasedDistinctProducts(dataAreaId='usmf',ProductNumber='STOP-1')")).status).toBe(200);
  });

  test('contact persons resolve their associated party among the customers of the company', async () => {
    const party = (await h.json("CustomersV3(dataAreaId='usmf',CustomerAccount='US-001')")).PartyNumber as string;
    const created = await h.api('CDSContactPersons', {
      method: 'POST',
      body: {
        ContactPersonPartyNumber: 'CON-001',
        AssociatedPartyNumber: party,
        FirstName: 'Maria',
        IsContactPersonExternallyMaintained: 'Yes',
      },
    });
    expect(created.status).toBe(201);
    const dangling = await h.api('CDSContactPersons', {
      method: 'POST',
      body: { ContactPersonPartyNumber: 'CON-002', AssociatedPartyNumber: '999' },
    });
    expect(dangling.status).toBe(500);
    const expanded = await h.json("CustomersV3(dataAreaId='usmf',CustomerAccount='US-001')?$expand=ContactPersons");
    expect(expanded.ContactPersons.map((c: { FirstName: string }) => c.FirstName)).toEqual(['Maria']);
  });

  test('$metadata describes keys, enums and navigation; the service document lists every entity set', async () => {
    const metadata = await (await h.api('$metadata')).text();
    expect(metadata).toContain('<EntityType Name="CustomerV3">');
    expect(metadata).toContain('<Property Name="CustomerGroupId" Type="Edm.String" Nullable="true" MaxLength="10"/>');
    expect(metadata).toContain('<Member Name="Yes" Value="1"/>');
    const service = await h.json('');
    const names = service.value.map((e: { name: string }) => e.name);
    expect(names).toEqual(
      expect.arrayContaining(['CustomersV2', 'CDSSalesOrderLines', 'SalesInvoiceV2Lines', 'UnitsOfMeasure']),
    );
  });

  test('a bad seed row stops the start with the entity set, the row index and the reason', async () => {
    await expect(
      startFnoEmulator({
        seed: {
          CustomersV3: [
            { CustomerAccount: 'A', CustomerGroupId: '10' },
            { CustomerAccount: 'B', CustomerGroupId: 'XX' },
          ],
        },
      }),
    ).rejects.toThrow(/seed CustomersV3\[1\]: .*'XX' in field 'CustomerGroupId'/);
  });
});

describe('F&O emulator options', () => {
  test('a persist file keeps the data across restarts and the seed is not loaded twice', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'fno-persist-'));
    const persistFile = join(dir, 'fno.json');
    try {
      const seed = { CustomersV3: [{ CustomerAccount: 'P-1', CustomerGroupId: '10' }] };
      const first = await startHarness({ persistFile, seed });
      await first.api('CustomersV3', { method: 'POST', body: { CustomerAccount: 'P-2', CustomerGroupId: '10' } });
      await first.close();
      const second = await startHarness({ persistFile, seed });
      try {
        expect(await (await second.api('CustomersV3/$count')).text()).toBe('2');
        expect((await second.api("CustomersV3(dataAreaId='usmf',CustomerAccount='P-2')")).status).toBe(200);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an Entra app can be mapped to a user whose default company differs', async () => {
    const mapped = await startHarness({
      seed: SAMPLE_SEED,
      defaultCompanyByClient: { [DEFAULT_CLIENT.clientId]: 'USRT' },
    });
    try {
      const rows = await mapped.json('CustomersV3?$select=dataAreaId');
      expect(new Set(rows.value.map((r: { dataAreaId: string }) => r.dataAreaId))).toEqual(new Set(['usrt']));
      const created = await mapped.json('CustomersV3', { method: 'POST', body: { CustomerGroupId: '10' } });
      expect(created.dataAreaId).toBe('usrt');
    } finally {
      await mapped.close();
    }
  });
});
