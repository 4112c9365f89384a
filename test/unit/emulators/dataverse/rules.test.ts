import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSeed } from '../../../../emulators/seed';
import { json, ACCOUNT_ID, baseSeed, startHarness, type Harness } from './helpers';

// Each test starts its own emulator; a loaded CI machine can take seconds for that alone.
jest.setTimeout(30_000);

const QUOTE_ID = 'aaaa0000-0000-0000-0000-000000000001';
const LINE_ID = 'aaaa0000-0000-0000-0000-000000000101';

function quoteSeed(statecode: number) {
  return {
    ...baseSeed(),
    quotes: [
      {
        quoteid: QUOTE_ID,
        name: 'Q',
        quotenumber: 'Q-1001',
        statecode,
        'customerid_account@odata.bind': "/accounts(accountnumber='ACC-001')",
      },
    ],
    quotedetails: [
      {
        quotedetailid: LINE_ID,
        sequencenumber: 1,
        quantity: 1,
        productdescription: 'Line',
        isproductoverridden: true,
        'quoteid@odata.bind': `/quotes(${QUOTE_ID})`,
      },
    ],
  };
}

describe('Dataverse emulator: quote state rules', () => {
  let h: Harness;
  afterEach(() => h.emu.close());

  const patch = (path: string, body: unknown) => h.fetchApi(path, { method: 'PATCH', body: JSON.stringify(body) });

  it('creates quotes as Draft and refuses another state on create', async () => {
    h = await startHarness({ seed: baseSeed() });
    const created = await h.api.create<Record<string, unknown>>({
      collection: 'quotes',
      data: { name: 'New', quotenumber: 'Q-NEW' },
      returnRepresentation: true,
      select: ['statecode', 'statuscode'],
    });
    expect(created).toMatchObject({ statecode: 0, statuscode: 1 });
    const active = await h.fetchApi('quotes', { method: 'POST', body: JSON.stringify({ name: 'A', statecode: 1 }) });
    expect(active.status).toBe(400);
    expect((await json(active)).error.message).toMatch(/created in the Draft state/);
  });

  it('lets a draft quote and its lines change, then activation makes both read-only except for state', async () => {
    h = await startHarness({ seed: quoteSeed(0) });
    expect((await patch(`quotes(${QUOTE_ID})`, { name: 'Draft edit' })).status).toBe(204);
    expect((await patch(`quotedetails(${LINE_ID})`, { quantity: 3 })).status).toBe(204);
    expect((await patch(`quotes(${QUOTE_ID})`, { statecode: 1 })).status).toBe(204);
    expect(h.emu.store.table('quotes').get(QUOTE_ID)).toMatchObject({ statecode: 1, statuscode: 2 });

    const edit = await patch(`quotes(${QUOTE_ID})`, { name: 'Too late' });
    expect(edit.status).toBe(400);
    expect((await json(edit)).error.message).toMatch(/Quote 'Q-1001' is Active \(statecode 1\) and read-only.*name/);
    const lineEdit = await patch(`quotedetails(${LINE_ID})`, { quantity: 5 });
    expect(lineEdit.status).toBe(400);
    expect((await json(lineEdit)).error.message).toMatch(/Quote 'Q-1001' is not a draft/);
    const newLine = await h.fetchApi('quotedetails', {
      method: 'POST',
      body: JSON.stringify({ productdescription: 'x', 'quoteid@odata.bind': `/quotes(${QUOTE_ID})` }),
    });
    expect(newLine.status).toBe(400);
    const remove = await h.fetchApi(`quotes(${QUOTE_ID})`, { method: 'DELETE' });
    expect(remove.status).toBe(400);
    expect(h.emu.store.table('quotedetails').get(LINE_ID)?.quantity).toBe(3);

    expect((await patch(`quotes(${QUOTE_ID})`, { statecode: 2, statuscode: 4 })).status).toBe(204);
    expect(h.emu.store.table('quotes').get(QUOTE_ID)).toMatchObject({ statecode: 2, statuscode: 4 });
  });

  it('refuses a status code that does not belong to the state', async () => {
    h = await startHarness({ seed: quoteSeed(0) });
    const response = await patch(`quotes(${QUOTE_ID})`, { statecode: 1, statuscode: 4 });
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toMatch(
      /4 is not a valid status code for state code quoteState.Active/,
    );
  });

  it('deletes a draft quote with its lines', async () => {
    h = await startHarness({ seed: quoteSeed(0) });
    expect((await h.fetchApi(`quotes(${QUOTE_ID})`, { method: 'DELETE' })).status).toBe(204);
    expect(h.emu.store.table('quotedetails').get(LINE_ID)).toBeUndefined();
  });

  it('expands a quote with its lines (collection navigation) and lines with their quote', async () => {
    h = await startHarness({ seed: quoteSeed(1) });
    const quote = await h.api.retrieve({
      collection: 'quotes',
      key: "quotenumber='Q-1001'",
      select: ['quotenumber'],
      expand: [
        { property: 'quote_details', select: ['sequencenumber'] },
        { property: 'customerid_account', select: ['accountnumber'] },
      ],
    });
    expect(quote.quote_details.map((l: { sequencenumber: number }) => l.sequencenumber)).toEqual([1]);
    expect(quote.customerid_account.accountnumber).toBe('ACC-001');
    const lines = await h.api.retrieveMultiple({
      collection: 'quotedetails',
      select: ['sequencenumber'],
      filter: `_quoteid_value eq ${QUOTE_ID}`,
      expand: [{ property: 'quoteid', select: ['quotenumber', 'statecode'] }],
    });
    expect(lines.value[0].quoteid).toMatchObject({ quotenumber: 'Q-1001', statecode: 1 });
  });
});

describe('Dataverse emulator: seed and persistence', () => {
  it('loads the project seed generator output, with lookups by GUID and alternate key resolved', async () => {
    const seed = generateSeed({ accounts: 40, contacts: 60 });
    const h = await startHarness({ seed: seed.dataverse });
    try {
      for (const [set, rows] of Object.entries(seed.dataverse)) {
        expect([set, h.emu.store.table(set).size]).toEqual([set, rows.length]);
      }
      const lines = await h.api.retrieveMultiple({
        collection: 'quotedetails',
        select: ['_quoteid_value', '_productid_value'],
        top: 5,
      });
      for (const line of lines.value) expect(line._quoteid_value).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await h.emu.close();
    }
  });

  it('resolves forward lookups in a second pass and names the row when a seed bind fails', async () => {
    const h = await startHarness({ seed: baseSeed() });
    try {
      expect(h.emu.store.table('accounts').get(ACCOUNT_ID)?._primarycontactid_value).toBe(
        baseSeed().contacts[0].contactid,
      );
    } finally {
      await h.emu.close();
    }
    const broken = baseSeed();
    broken.contacts[0]['parentcustomerid_account@odata.bind'] = "/accounts(accountnumber='NOPE')";
    await expect(startHarness({ seed: broken })).rejects.toThrow(
      /seed contacts\[0\] \(contactid=2b7d9e44-0000-0000-0000-000000000002\): A record with the specified key values does not exist in account entity/,
    );
    await expect(startHarness({ seed: { widgets: [] } })).rejects.toThrow(/unknown entity set 'widgets'/);
  });

  it('keeps data across a restart when persistFile is set (and does not re-seed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2c-dv-'));
    const persistFile = join(dir, 'dataverse.json');
    try {
      const first = await startHarness({ seed: baseSeed(), persistFile });
      await first.api.create({ collection: 'accounts', data: { name: 'Survivor', accountnumber: 'ACC-SURV' } });
      await first.api.deleteRecord({ collection: 'contacts', key: baseSeed().contacts[0].contactid });
      await first.emu.close();
      const second = await startHarness({ seed: baseSeed(), persistFile });
      try {
        const row = await second.api.retrieve({
          collection: 'accounts',
          key: "accountnumber='ACC-SURV'",
          select: ['name'],
        });
        expect(row.name).toBe('Survivor');
        expect(second.emu.store.table('contacts').size).toBe(0);
      } finally {
        await second.emu.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves the service document and $metadata with alternate keys and change tracking', async () => {
    const h = await startHarness();
    try {
      const service = (await (await h.fetchApi('')).json()) as { value: Array<{ name: string }> };
      expect(service.value.map((s) => s.name)).toEqual(expect.arrayContaining(['accounts', 'quotedetails', 'uoms']));
      const metadata = await (await h.fetchApi('$metadata?annotations=true')).text();
      expect(metadata).toContain('<EntitySet Name="accounts" EntityType="Microsoft.Dynamics.CRM.account">');
      expect(metadata).toContain('Org.OData.Capabilities.V1.ChangeTracking');
      expect(metadata).toContain('PropertyPath="msdynce_contactnumber"');
      expect(metadata).toContain('<Property Name="msdynce_ordernumber" Type="Edm.String" MaxLength="100"/>');
    } finally {
      await h.emu.close();
    }
  });
});
