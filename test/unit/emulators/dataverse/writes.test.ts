import { json, ACCOUNT_ID, CONTACT_ID, baseSeed, startHarness, type Harness } from './helpers';

// Each test starts its own emulator; a loaded CI machine can take seconds for that alone.
jest.setTimeout(30_000);

describe('Dataverse emulator: writes', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ seed: baseSeed() });
  });
  afterEach(() => h.emu.close());

  const accountCount = () => h.emu.store.table('accounts').size;
  const send = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    h.fetchApi(path, { method, body: JSON.stringify(body), headers });

  it('checklist 12: POST → 204 + OData-EntityId; with return=representation → 201, body, Preference-Applied', async () => {
    const plain = await send('POST', 'accounts', { name: 'Plain', accountnumber: 'ACC-100' });
    expect(plain.status).toBe(204);
    const entityId = plain.headers.get('odata-entityid')!;
    expect(entityId).toMatch(new RegExp(`^${h.emu.apiUrl.replace(/\./g, '\\.')}accounts\\([0-9a-f-]{36}\\)$`));
    expect((await json(await h.fetchApi(entityId))).name).toBe('Plain');
    const rich = await send(
      'POST',
      'accounts?$select=name,createdon',
      { name: 'Rich', accountnumber: 'ACC-101' },
      {
        prefer: 'return=representation',
      },
    );
    expect(rich.status).toBe(201);
    expect(rich.headers.get('preference-applied')).toBe('return=representation');
    expect(rich.headers.get('odata-entityid')).toBeNull();
    const body = await json(rich);
    expect(body.name).toBe('Rich');
    expect(body.createdon).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const id = await h.api.create({ collection: 'accounts', data: { name: 'Library', accountnumber: 'ACC-102' } });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('checklist 13: @odata.bind by GUID and by alternate key set _x_value; a missing target fails and creates nothing', async () => {
    const byGuid: Record<string, unknown> = await h.api.create<Record<string, unknown>>({
      collection: 'accounts',
      data: { name: 'A', accountnumber: 'ACC-200', 'primarycontactid@odata.bind': `/contacts(${CONTACT_ID})` },
      returnRepresentation: true,
      select: ['_primarycontactid_value'],
    });
    expect(byGuid._primarycontactid_value).toBe(CONTACT_ID);
    const byKey: Record<string, unknown> = await h.api.create<Record<string, unknown>>({
      collection: 'accounts',
      data: {
        name: 'B',
        accountnumber: 'ACC-201',
        'primarycontactid@odata.bind': "/contacts(msdynce_contactnumber='con-001')",
      },
      returnRepresentation: true,
      select: ['_primarycontactid_value'],
    });
    expect(byKey._primarycontactid_value).toBe(CONTACT_ID);
    const before = accountCount();
    const missing = await send('POST', 'accounts', {
      name: 'C',
      'primarycontactid@odata.bind': "/contacts(msdynce_contactnumber='CON-404')",
    });
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe('0x80040217');
    const wrongSet = await send('POST', 'accounts', {
      name: 'D',
      'primarycontactid@odata.bind': `/accounts(${ACCOUNT_ID})`,
    });
    expect(wrongSet.status).toBe(400);
    expect((await json(wrongSet)).error.message).toMatch(/expects a row of 'contacts'/);
    expect(accountCount()).toBe(before);
  });

  it('checklist 14: PATCH → 204 and a new ETag; with return=representation → 200 + body', async () => {
    const before = (await json(await h.fetchApi(`accounts(${ACCOUNT_ID})`)))['@odata.etag'];
    const patched = await send('PATCH', `accounts(${ACCOUNT_ID})`, { name: 'Renamed' });
    expect(patched.status).toBe(204);
    const after = await json(await h.fetchApi(`accounts(${ACCOUNT_ID})`));
    expect(after['@odata.etag']).not.toBe(before);
    expect(after.name).toBe('Renamed');
    const rich = await h.api.update({
      collection: 'accounts',
      key: ACCOUNT_ID,
      data: { name: 'Again' },
      returnRepresentation: true,
      select: ['name'],
    });
    expect(rich.name).toBe('Again');
  });

  it('checklist 15: the upsert matrix returns 204/204, 204/404, 412/204 and the refused cases change nothing', async () => {
    const existing = "accounts(accountnumber='ACC-001')";
    const cases: Array<[string, string, Record<string, string>, number]> = [
      ['no header, exists', existing, {}, 204],
      ['no header, missing', "accounts(accountnumber='ACC-301')", {}, 204],
      ['If-Match *, exists', existing, { 'if-match': '*' }, 204],
      ['If-Match *, missing', "accounts(accountnumber='ACC-302')", { 'if-match': '*' }, 404],
      ['If-None-Match *, exists', existing, { 'if-none-match': '*' }, 412],
      ['If-None-Match *, missing', "accounts(accountnumber='ACC-303')", { 'if-none-match': '*' }, 204],
    ];
    for (const [label, path, headers, status] of cases) {
      const versionBefore = h.emu.store.version;
      const response = await send('PATCH', path, { name: label }, headers);
      expect([label, response.status]).toEqual([label, status]);
      if (status >= 400) expect(h.emu.store.version).toBe(versionBefore);
    }
    expect(h.emu.store.table('accounts').findByUnique({ accountnumber: 'ACC-302' })).toBeUndefined();
    expect(h.emu.store.table('accounts').findByUnique({ accountnumber: 'ACC-001' })?.name).toBe('If-Match *, exists');
    const conflict = await send('PATCH', existing, { name: 'x' }, { 'if-none-match': '*' });
    expect((await json(conflict)).error).toEqual({
      code: '0x80040237',
      message: 'A record with matching key values already exists.',
    });
    // dynamics-web-api turns the 404 of an update-only upsert into a null result.
    const updateOnly = await h.api.upsert({
      collection: 'accounts',
      key: "accountnumber='ACC-304'",
      data: { name: 'n' },
      ifmatch: '*',
    });
    expect(updateOnly).toBeNull();
    expect(h.emu.store.table('accounts').findByUnique({ accountnumber: 'ACC-304' })).toBeUndefined();
  });

  it('checklist 16: upsert with return=representation → 201 when created, 200 when updated', async () => {
    const create = await send(
      'PATCH',
      "accounts(accountnumber='ACC-400')?$select=accountid",
      { name: 'New' },
      {
        prefer: 'return=representation',
      },
    );
    expect(create.status).toBe(201);
    expect(create.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    const update = await send(
      'PATCH',
      "accounts(accountnumber='ACC-400')?$select=accountid",
      { name: 'Changed' },
      {
        prefer: 'return=representation',
      },
    );
    expect(update.status).toBe(200);
    expect((await json(update)).accountid).toBe((await json(create)).accountid);
  });

  it('checklist 17: key columns in an upsert body are ignored on update and used on create', async () => {
    await send('PATCH', "accounts(accountnumber='ACC-001')", { name: 'Kept key', accountnumber: 'ACC-999' });
    expect(h.emu.store.table('accounts').get(ACCOUNT_ID)?.accountnumber).toBe('ACC-001');
    await send('PATCH', "accounts(accountnumber='ACC-500')", { name: 'Body key wins', accountnumber: 'ACC-501' });
    expect(h.emu.store.table('accounts').findByUnique({ accountnumber: 'ACC-501' })?.name).toBe('Body key wins');
    await send('PATCH', "accounts(accountnumber='ACC-502')", { name: 'URL key copied' });
    expect(h.emu.store.table('accounts').findByUnique({ accountnumber: 'ACC-502' })?.name).toBe('URL key copied');
    const id = 'aaaaaaaa-0000-0000-0000-000000000001';
    await send('PATCH', `accounts(${id})`, { name: 'By primary key' });
    expect(h.emu.store.table('accounts').get(id)?.name).toBe('By primary key');
  });

  it('checklist 18: a stale If-Match ETag → 412 with the RowVersion message and no change; the current one succeeds', async () => {
    const etag = (await json(await h.fetchApi(`accounts(${ACCOUNT_ID})`)))['@odata.etag'];
    await send('PATCH', `accounts(${ACCOUNT_ID})`, { name: 'Moved on' });
    const stale = await send('PATCH', `accounts(${ACCOUNT_ID})`, { name: 'Lost update' }, { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect((await json(stale)).error).toEqual({
      code: '0x80060882',
      message: "The version of the existing record doesn't match the RowVersion property provided.",
    });
    const staleDelete = await h.fetchApi(`accounts(${ACCOUNT_ID})`, {
      method: 'DELETE',
      headers: { 'if-match': etag },
    });
    expect(staleDelete.status).toBe(412);
    expect(h.emu.store.table('accounts').get(ACCOUNT_ID)?.name).toBe('Moved on');
    const current = (await json(await h.fetchApi(`accounts(${ACCOUNT_ID})`)))['@odata.etag'];
    await h.api.update({ collection: 'accounts', key: ACCOUNT_ID, data: { name: 'Fresh' }, ifmatch: current });
    expect(h.emu.store.table('accounts').get(ACCOUNT_ID)?.name).toBe('Fresh');
  });

  it('checklist 19: POST with an existing primary key or alternate key → 412 with a duplicate code', async () => {
    const dupId = await send('POST', 'accounts', { accountid: ACCOUNT_ID, name: 'Dup' });
    expect(dupId.status).toBe(412);
    expect((await json(dupId)).error.code).toBe('0x80040237');
    const dupKey = await send('POST', 'accounts', { name: 'Dup', accountnumber: 'acc-001' });
    expect(dupKey.status).toBe(412);
    const error = (await json(dupKey)).error;
    expect(error.code).toBe('0x80060892');
    expect(error.message).toMatch(/accountnumber/);
  });

  it('checklist 20: a string longer than its column → 400 0x80044331 naming the column', async () => {
    const response = await send('POST', 'accounts', { name: 'x'.repeat(161) });
    expect(response.status).toBe(400);
    const error = (await json(response)).error;
    expect(error.code).toBe('0x80044331');
    expect(error.message).toMatch(
      /'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'/,
    );
  });

  it('refuses unknown properties, wrong types and direct writes of _x_value with specific messages', async () => {
    const unknown = await send('POST', 'accounts', { name: 'x', colour: 'red' });
    expect((await json(unknown)).error.message).toMatch(
      /property 'colour' does not exist on type 'Microsoft.Dynamics.CRM.account'/,
    );
    const wrongType = await send('POST', 'accounts', { name: 'x', creditlimit: 'lots' });
    expect((await json(wrongType)).error.message).toMatch(/creditlimit/);
    const choice = await send('POST', 'accounts', { name: 'x', paymenttermscode: 99 });
    expect((await json(choice)).error.message).toMatch(/outside the valid range/);
    const direct = await send('POST', 'accounts', { name: 'x', _primarycontactid_value: CONTACT_ID });
    expect((await json(direct)).error.message).toMatch(/Use Navigation properties/);
  });

  it('deletes rows (404 0x80040217 when missing) and clears lookups that pointed at them', async () => {
    await h.api.deleteRecord({ collection: 'contacts', key: CONTACT_ID });
    expect(h.emu.store.table('accounts').get(ACCOUNT_ID)?._primarycontactid_value).toBeNull();
    const again = await h.fetchApi(`contacts(${CONTACT_ID})`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect((await json(again)).error.code).toBe('0x80040217');
    const collection = await h.fetchApi('accounts', { method: 'DELETE' });
    expect(collection.status).toBe(405);
  });

  it('sets and clears single columns and lookups through property URLs', async () => {
    expect((await send('PUT', `accounts(${ACCOUNT_ID})/telephone1`, { value: '555-0199' })).status).toBe(204);
    expect(h.emu.store.table('accounts').get(ACCOUNT_ID)?.telephone1).toBe('555-0199');
    expect((await h.fetchApi(`accounts(${ACCOUNT_ID})/telephone1`, { method: 'DELETE' })).status).toBe(204);
    expect(h.emu.store.table('accounts').get(ACCOUNT_ID)?.telephone1).toBeNull();
    expect((await h.fetchApi(`accounts(${ACCOUNT_ID})/primarycontactid/$ref`, { method: 'DELETE' })).status).toBe(204);
    expect(h.emu.store.table('accounts').get(ACCOUNT_ID)?._primarycontactid_value).toBeNull();
  });

  it('a failed create keeps nothing it wrote: neither a deep-inserted related row nor a deep-inserted parent', async () => {
    const contacts = () => h.emu.store.table('contacts').size;
    const contactsBefore = contacts();
    const accountsBefore = accountCount();
    const missingParent = await send('POST', 'accounts', {
      name: 'Audit Deep',
      accountnumber: 'AUD-DEEP',
      primarycontactid: { lastname: 'AuditDeep' },
      'parentaccountid@odata.bind': '/accounts(00000000-0000-0000-0000-0000000000bb)',
    });
    expect(missingParent.status).toBe(404);
    expect((await json(missingParent)).error.code).toBe('0x80040217');
    expect(contacts()).toBe(contactsBefore);
    expect(accountCount()).toBe(accountsBefore);
    expect([...h.emu.store.table('contacts').rows()].some((r) => r.lastname === 'AuditDeep')).toBe(false);

    const quotesBefore = h.emu.store.table('quotes').size;
    const versionBefore = h.emu.store.version;
    const tooLongLine = await send('POST', 'quotes', {
      name: 'Audit Quote',
      quotenumber: 'Q-AUDIT',
      'customerid_account@odata.bind': "/accounts(accountnumber='ACC-001')",
      quote_details: [
        { sequencenumber: 1, quantity: 1, priceperunit: 1, productdescription: 'Fine', isproductoverridden: true },
        {
          sequencenumber: 2,
          quantity: 1,
          priceperunit: 1,
          productdescription: 'x'.repeat(3000),
          isproductoverridden: true,
        },
      ],
    });
    expect(tooLongLine.status).toBe(400);
    expect((await json(tooLongLine)).error.code).toBe('0x80044331');
    expect(h.emu.store.table('quotes').size).toBe(quotesBefore);
    expect(h.emu.store.table('quotedetails').size).toBe(0);
    // Change tracking shows nothing of the rolled-back rows either.
    expect(h.emu.store.table('quotes').changesSince(versionBefore)).toEqual([]);
    expect(h.emu.store.table('contacts').changesSince(versionBefore)).toEqual([]);
  });

  it('a failed upsert or update keeps nothing it wrote', async () => {
    const contactsBefore = h.emu.store.table('contacts').size;
    const upsert = await send('PATCH', "accounts(accountnumber='ACC-NEW')", {
      name: 'Upserted',
      primarycontactid: { lastname: 'UpsertDeep' },
      'parentaccountid@odata.bind': '/accounts(00000000-0000-0000-0000-0000000000bb)',
    });
    expect(upsert.status).toBe(404);
    expect(h.emu.store.table('contacts').size).toBe(contactsBefore);
    const update = await send('PATCH', `accounts(${ACCOUNT_ID})`, {
      name: 'Renamed',
      primarycontactid: { lastname: 'UpdateDeep' },
      accountnumber: 'x'.repeat(30),
    });
    expect(update.status).toBe(400);
    expect(h.emu.store.table('contacts').size).toBe(contactsBefore);
    expect(h.emu.store.table('accounts').get(ACCOUNT_ID)?.name).toBe('Northwind Traders');
  });

  it('fills an empty account number and contact number on create with ACC-/CON-<seq>-<suffix>', async () => {
    const create = async (set: string, body: Record<string, unknown>) => {
      const column = set === 'accounts' ? 'accountnumber' : 'msdynce_contactnumber';
      const response = await send('POST', `${set}?$select=${column}`, body, {
        prefer: 'return=representation',
      });
      expect(response.status).toBe(201);
      return json(response);
    };
    const first = (await create('accounts', { name: 'Numbered 1' })).accountnumber as string;
    const second = (await create('accounts', { name: 'Numbered 2', accountnumber: '' })).accountnumber as string;
    expect(first).toMatch(/^ACC-01000-[A-Z]{6}$/);
    expect(second).toMatch(/^ACC-01001-[A-Z]{6}$/);
    expect((await create('accounts', { name: 'Own number', accountnumber: 'ACC-OWN' })).accountnumber).toBe('ACC-OWN');
    const contact = await create('contacts', { lastname: 'Numbered' });
    expect(contact.msdynce_contactnumber).toMatch(/^CON-01000-[A-Z]{6}$/);
    // Deep-inserted rows and upsert-creates are creates too.
    await send('PATCH', 'accounts(6f1c2a10-0000-0000-0000-0000000000cc)', {
      name: 'Upserted',
      primarycontactid: { lastname: 'Deep' },
    });
    const upserted = h.emu.store.table('accounts').get('6f1c2a10-0000-0000-0000-0000000000cc')!;
    expect(upserted.accountnumber).toMatch(/^ACC-01002-[A-Z]{6}$/);
    expect(h.emu.store.table('contacts').get(upserted._primarycontactid_value)?.msdynce_contactnumber).toMatch(
      /^CON-01001-[A-Z]{6}$/,
    );
    // An update leaves a cleared number empty.
    expect((await send('PATCH', `accounts(${ACCOUNT_ID})`, { accountnumber: null })).status).toBe(204);
    expect(h.emu.store.table('accounts').get(ACCOUNT_ID)?.accountnumber).toBeNull();
  });

  it('numbers continue after the highest seeded number, and seeded rows without one stay empty', async () => {
    await h.emu.close();
    h = await startHarness({
      seed: {
        accounts: [
          { name: 'Seeded', accountnumber: 'ACC-01041-ABCDEF' },
          { accountid: '6f1c2a10-0000-0000-0000-0000000000dd', name: 'Seeded without number' },
        ],
      },
    });
    expect(h.emu.store.table('accounts').get('6f1c2a10-0000-0000-0000-0000000000dd')?.accountnumber ?? null).toBeNull();
    const response = await send(
      'POST',
      'accounts?$select=accountnumber',
      { name: 'Next' },
      {
        prefer: 'return=representation',
      },
    );
    expect((await json(response)).accountnumber).toMatch(/^ACC-01042-[A-Z]{6}$/);
  });

  it('contact_customer_accounts: deep insert binds the contacts; deleting the account keeps them, unlinked', async () => {
    const response = await send('POST', 'accounts', {
      name: 'With contacts',
      accountnumber: 'ACC-KIDS',
      contact_customer_accounts: [{ lastname: 'Kid One' }, { lastname: 'Kid Two' }],
    });
    expect(response.status).toBe(204);
    const account = h.emu.store.table('accounts').findByUnique({ accountnumber: 'ACC-KIDS' })!;
    const kids = () => [...h.emu.store.table('contacts').rows()].filter((c) => String(c.lastname).startsWith('Kid'));
    expect(kids().map((c) => [c.lastname, c._parentcustomerid_value])).toEqual([
      ['Kid One', account.accountid],
      ['Kid Two', account.accountid],
    ]);
    expect((await h.fetchApi(`accounts(${String(account.accountid)})`, { method: 'DELETE' })).status).toBe(204);
    expect(kids().map((c) => [c.lastname, c._parentcustomerid_value])).toEqual([
      ['Kid One', null],
      ['Kid Two', null],
    ]);
    expect((await h.fetchApi(`accounts(${ACCOUNT_ID})`, { method: 'DELETE' })).status).toBe(204);
    expect(h.emu.store.table('contacts').get(CONTACT_ID)?._parentcustomerid_value).toBeNull();
  });

  it('deep-inserts a quote with its lines and fills contact fullname', async () => {
    await h.api.create({
      collection: 'quotes',
      data: {
        name: 'Deep',
        quotenumber: 'Q-DEEP',
        'customerid_account@odata.bind': "/accounts(accountnumber='ACC-001')",
        quote_details: [
          {
            sequencenumber: 1,
            quantity: 2,
            priceperunit: 10,
            productdescription: 'Write-in',
            isproductoverridden: true,
          },
          { sequencenumber: 2, quantity: 1, priceperunit: 5, productdescription: 'Second', isproductoverridden: true },
        ],
      },
    });
    const quote = h.emu.store.table('quotes').findByUnique({ quotenumber: 'Q-DEEP' })!;
    const lines = [...h.emu.store.table('quotedetails').rows()].filter((r) => r._quoteid_value === quote.quoteid);
    expect(lines.map((l) => l.sequencenumber)).toEqual([1, 2]);
    expect(h.emu.store.table('contacts').get(CONTACT_ID)?.fullname).toBe('Maria Anders');
  });
});
