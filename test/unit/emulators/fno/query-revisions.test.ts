/**
 * The F&O emulator keeps a query's filtered, sorted rows while paging, for as long as the tables the entity reads are
 * unchanged: its own table and, through inherited fields, the tables those come from. Writes to other tables (a sync
 * creating customers while another reads released products) leave the cached rows in use.
 */
import { startFnoEmulator, type FnoEmulator } from '../../../../emulators/fno';

describe('F&O emulator: revisions a cached query depends on', () => {
  let emu: FnoEmulator;
  beforeAll(async () => {
    emu = await startFnoEmulator();
  });
  afterAll(() => emu.close());

  const revision = (set: string) => emu.engine.queryRevision(emu.engine.entity(set));
  /** A raw store write, as any write through an entity ends. */
  const touch = (table: string, row: Record<string, unknown>) =>
    emu.engine.store.table(table).insert({ __pk: Object.values(row).join('|'), ...row });

  it('moves with the entity’s own table, not with unrelated ones', () => {
    const products = revision('SellableReleasedProducts');
    const customers = revision('CustomersV3');

    touch('CustTable', { dataAreaId: 'usmf', CustomerAccount: 'REV-1' });
    expect(revision('SellableReleasedProducts')).toBe(products);
    expect(revision('CustomersV3')).not.toBe(customers);

    const customersNow = revision('CustomersV3');
    touch('InventTable', { dataAreaId: 'usmf', ItemNumber: 'REV-ITEM' });
    expect(revision('SellableReleasedProducts')).not.toBe(products);
    expect(revision('CustomersV3')).toBe(customersNow);
  });

  it('moves with the tables inherited fields come from, through more than one relation', () => {
    // Invoice lines inherit from their invoice header, which inherits from the customer.
    const lines = revision('ExternallyMaintainedCustomerSalesInvoiceLines');
    touch('InventTable', { dataAreaId: 'usmf', ItemNumber: 'REV-ITEM-2' });
    expect(revision('ExternallyMaintainedCustomerSalesInvoiceLines')).toBe(lines);

    touch('CustTable', { dataAreaId: 'usmf', CustomerAccount: 'REV-2' });
    expect(revision('ExternallyMaintainedCustomerSalesInvoiceLines')).not.toBe(lines);
  });
});
