/**
 * Alternate keys made of lookups (a price-list item is keyed by price list, product and unit): the key parts are
 * the lookups' value properties with bare GUIDs, `_pricelevelid_value=<guid>` (wire-protocols.md §1.1). The
 * navigation names are not properties: in a key or a `$select` they are refused, saying which name to use.
 */
import { json, startHarness, type Harness } from './helpers';

jest.setTimeout(30_000);

const PRICE_LIST = '0e010000-0000-4000-8000-000000000001';
const PRODUCT = '0f010000-0000-4000-8000-000000000001';
const UNIT = '0d020000-0000-4000-8000-000000000001';
const byLookups = `_pricelevelid_value=${PRICE_LIST},_productid_value=${PRODUCT},_uomid_value=${UNIT}`;
const byNavigation = `pricelevelid=${PRICE_LIST},productid=${PRODUCT},uomid=${UNIT}`;

describe('Dataverse emulator: alternate keys on lookups', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      seed: {
        pricelevels: [{ pricelevelid: PRICE_LIST, name: 'Standard USD' }],
        uoms: [{ uomid: UNIT, name: 'ea' }],
        products: [{ productid: PRODUCT, productnumber: 'D0001', name: 'Speaker' }],
      },
    });
  });
  afterAll(() => h.emu.close());

  const upsert = (key: string, select: string, amount: number) =>
    h.fetchApi(`productpricelevels(${key})?$select=${select}`, {
      method: 'PATCH',
      headers: { prefer: 'return=representation' },
      body: JSON.stringify({
        amount,
        'pricelevelid@odata.bind': `/pricelevels(${PRICE_LIST})`,
        'productid@odata.bind': `/products(${PRODUCT})`,
        'uomid@odata.bind': `/uoms(${UNIT})`,
      }),
    });

  it('upserts and reads a price-list item by _x_value=<guid> key parts', async () => {
    const created = await upsert(byLookups, '_pricelevelid_value', 219.95);
    expect(created.status).toBe(201);
    expect((await json(created))._pricelevelid_value).toBe(PRICE_LIST);
    const updated = await upsert(byLookups, '_pricelevelid_value', 199.95);
    expect(updated.status).toBe(200);
    const row = await json(await h.fetchApi(`productpricelevels(${byLookups})?$select=amount,_productid_value`));
    expect(row).toMatchObject({ amount: 199.95, _productid_value: PRODUCT });
    expect(h.emu.store.table('productpricelevels').size).toBe(1);
  });

  it('refuses the navigation names as key parts and names the value property to use instead', async () => {
    const response = await upsert(byNavigation, '_pricelevelid_value', 1);
    expect(response.status).toBe(400);
    const { error } = await json(response);
    expect(error.code).toBe('0x80060890');
    expect(error.message).toContain(`_pricelevelid_value=<guid>, not pricelevelid`);
    expect((await json(await h.fetchApi(`productpricelevels(${byLookups})?$select=amount`))).amount).toBe(199.95);
  });

  it('refuses a navigation name in $select with 0x80060888 and the lookup property to select', async () => {
    const response = await upsert(byLookups, 'pricelevelid', 2);
    expect(response.status).toBe(400);
    const { error } = await json(response);
    expect(error.code).toBe('0x80060888');
    expect(error.message).toContain(`Select the lookup as '_pricelevelid_value'`);
  });
});
