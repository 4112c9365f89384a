/** Rows created without an owner belong to the calling user's business unit, as Dataverse assigns them. */
import { json, startHarness, type Harness } from './helpers';

jest.setTimeout(30_000);

const USMF = '0b010000-0000-4000-8000-000000000001';
const DEMF = '0b010000-0000-4000-8000-000000000002';

describe('Dataverse emulator: owning business unit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      seed: {
        businessunits: [
          { businessunitid: USMF, name: 'USMF' },
          { businessunitid: DEMF, name: 'DEMF' },
        ],
      },
    });
  });
  afterAll(() => h.emu.close());

  const create = async (body: Record<string, unknown>) => {
    const response = await h.fetchApi('accounts?$select=_owningbusinessunit_value', {
      method: 'POST',
      headers: { prefer: 'return=representation' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return (await json(response))._owningbusinessunit_value;
  };

  it('an account created without a business unit gets the first one (the application user’s)', async () => {
    expect(await create({ name: 'No owner given', accountnumber: 'OWN-1' })).toBe(USMF);
  });

  it('an account created in a business unit keeps it, and the partition filter reads it by name', async () => {
    expect(
      await create({
        name: 'Owned by DEMF',
        accountnumber: 'OWN-2',
        'owningbusinessunit@odata.bind': `/businessunits(${DEMF})`,
      }),
    ).toBe(DEMF);
    const page = await json(
      await h.fetchApi(
        "accounts?$select=accountnumber&$filter=owningbusinessunit/name eq 'DEMF'&$expand=owningbusinessunit($select=name)",
      ),
    );
    expect(page.value.map((a: { accountnumber: string }) => a.accountnumber)).toEqual(['OWN-2']);
    expect(page.value[0].owningbusinessunit).toMatchObject({ name: 'DEMF' });
  });
});
