import { json, ACCOUNT_ID, CONTACT_ID, baseSeed, startHarness, type Harness } from './helpers';

// Each test starts its own emulator; a loaded CI machine can take seconds for that alone.
jest.setTimeout(30_000);

const ETAG_RE = /^W\/"\d+"$/;

function fiveAccounts() {
  const seed = baseSeed();
  for (let i = 2; i <= 5; i += 1) {
    seed.accounts.push({
      accountid: `6f1c2a10-0000-0000-0000-00000000000${i}`,
      name: i % 2 ? `Contoso ${i}` : `Fabrikam ${i}`,
      accountnumber: `ACC-00${i}`,
    } as (typeof seed.accounts)[number]);
  }
  return seed;
}

describe('Dataverse emulator: reads', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ seed: fiveAccounts() });
  });
  afterAll(() => h.emu.close());

  it('checklist 4: GET by GUID returns @odata.context, a weak numeric ETag and the primary key; unknown id → 404 0x80040217', async () => {
    const response = await h.fetchApi(`accounts(${ACCOUNT_ID})`);
    expect(response.status).toBe(200);
    expect(response.headers.get('odata-version')).toBe('4.0');
    const row = await json(response);
    expect(row['@odata.context']).toBe(`${h.emu.apiUrl}$metadata#accounts/$entity`);
    expect(row['@odata.etag']).toMatch(ETAG_RE);
    expect(row.accountid).toBe(ACCOUNT_ID);
    const missing = await h.fetchApi('accounts(00000000-0000-0000-0000-0000000000ff)');
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe('0x80040217');
    await expect(
      h.api.retrieve({ collection: 'accounts', key: '00000000-0000-0000-0000-0000000000ff' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('checklist 5: GET by alternate key returns the same row (case-insensitively); a non-key column → 400', async () => {
    const byGuid = await h.api.retrieve({ collection: 'accounts', key: ACCOUNT_ID, select: ['name'] });
    const byKey = await h.api.retrieve({ collection: 'accounts', key: "accountnumber='acc-001'", select: ['name'] });
    expect(byKey.accountid).toBe(byGuid.accountid);
    expect(byKey.name).toBe('Northwind Traders');
    const bad = await h.fetchApi("accounts(name='Northwind Traders')");
    expect(bad.status).toBe(400);
    const error = (await json(bad)).error;
    expect(error.code).toBe('0x80060890');
    expect(error.message).toMatch(/key in the request URI is not valid/);
  });

  it('checklist 6: lookups are _x_value; annotations appear only when Prefer asks for them', async () => {
    const plain = await json(await h.fetchApi(`accounts(${ACCOUNT_ID})?$select=_primarycontactid_value`));
    expect(plain._primarycontactid_value).toBe(CONTACT_ID);
    expect(Object.keys(plain).filter((k) => k.includes('@') && !k.startsWith('@odata'))).toEqual([]);
    const annotated = await json(
      await h.fetchApi(`accounts(${ACCOUNT_ID})?$select=_primarycontactid_value`, {
        headers: { prefer: 'odata.include-annotations="*"' },
      }),
    );
    expect(annotated['_primarycontactid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('contact');
    expect(annotated['_primarycontactid_value@OData.Community.Display.V1.FormattedValue']).toBe('Maria Anders');
    const viaLibrary = await h.api.retrieve({
      collection: 'contacts',
      key: CONTACT_ID,
      select: ['_parentcustomerid_value'],
      includeAnnotations: 'Microsoft.Dynamics.CRM.lookuplogicalname',
    });
    expect(viaLibrary._parentcustomerid_value).toBe(ACCOUNT_ID);
    expect(viaLibrary['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('account');
    expect(viaLibrary['_parentcustomerid_value@OData.Community.Display.V1.FormattedValue']).toBeUndefined();
  });

  it('checklist 7: If-None-Match with the current ETag → 304; after an update → 200; never 304 with $expand', async () => {
    const first = await h.fetchApi(`accounts(${ACCOUNT_ID})?$select=name`);
    const etag = (await json(first))['@odata.etag'];
    const notModified = await h.fetchApi(`accounts(${ACCOUNT_ID})?$select=name`, {
      headers: { 'if-none-match': etag },
    });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    const expanded = await h.fetchApi(
      `accounts(${ACCOUNT_ID})?$select=name&$expand=primarycontactid($select=fullname)`,
      {
        headers: { 'if-none-match': etag },
      },
    );
    expect(expanded.status).toBe(200);
    expect((await json(expanded)).primarycontactid.fullname).toBe('Maria Anders');
    await h.api.update({ collection: 'accounts', key: ACCOUNT_ID, data: { telephone1: '555-0100' } });
    const changed = await h.fetchApi(`accounts(${ACCOUNT_ID})?$select=name`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect((await json(changed))['@odata.etag']).not.toBe(etag);
  });

  it('checklist 8: $skip is refused with 400; $filter, $orderby and $select behave per OData', async () => {
    const skip = await h.fetchApi('accounts?$skip=1');
    expect(skip.status).toBe(400);
    expect((await json(skip)).error.message).toMatch(/\$skip is not supported/);
    const result = await h.api.retrieveMultiple({
      collection: 'accounts',
      select: ['name', 'accountnumber'],
      filter: "(contains(name,'contoso') or accountnumber eq 'ACC-002') and accountnumber ne 'ACC-005'",
      orderBy: ['accountnumber desc'],
    });
    expect(result.value.map((r: any) => r.accountnumber)).toEqual(['ACC-003', 'ACC-002']);
    expect(Object.keys(result.value[0]).sort()).toEqual(['@odata.etag', 'accountid', 'accountnumber', 'name']);
    const unknown = await h.fetchApi("accounts?$filter=nosuchcolumn eq 'x'");
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error.message).toMatch(/nosuchcolumn/);
  });

  it('checklist 9: maxpagesize=2 over 5 rows pages 2, 2, 1 with nextLinks, each row exactly once', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${h.emu.apiUrl}accounts?$select=accountnumber`;
    const sizes: number[] = [];
    while (url) {
      const response = await h.fetchApi(url, { headers: { prefer: 'odata.maxpagesize=2' } });
      expect(response.headers.get('preference-applied')).toBe('odata.maxpagesize=2');
      const page = await json(response);
      sizes.push(page.value.length);
      seen.push(...page.value.map((r: any) => r.accountnumber));
      if (page['@odata.nextLink']) expect(page['@odata.nextLink']).toContain('$skiptoken=');
      url = page['@odata.nextLink'];
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen.sort()).toEqual(['ACC-001', 'ACC-002', 'ACC-003', 'ACC-004', 'ACC-005']);
    const all = await h.api.retrieveAll({ collection: 'accounts', select: ['accountnumber'], maxPageSize: 2 });
    expect(all.value).toHaveLength(5);
  });

  it('checklist 10: maxpagesize above the cap is capped; no Prefer → server page size; $top alone and with maxpagesize', async () => {
    const small = await startHarness({ seed: fiveAccounts(), maxPageSize: 3 });
    try {
      const capped = await small.fetchApi('accounts?$select=name', { headers: { prefer: 'odata.maxpagesize=9000' } });
      expect(capped.headers.get('preference-applied')).toBe('odata.maxpagesize=3');
      expect((await json(capped)).value).toHaveLength(3);
      const noPrefer = await json(await small.fetchApi('accounts?$select=name'));
      expect(noPrefer.value).toHaveLength(3);
      expect(noPrefer['@odata.nextLink']).toBeDefined();
    } finally {
      await small.emu.close();
    }
    const big = await h.fetchApi('accounts?$select=name', { headers: { prefer: 'odata.maxpagesize=9000' } });
    expect(big.headers.get('preference-applied')).toBe('odata.maxpagesize=5000');
    const top = await json(await h.fetchApi('accounts?$select=name&$top=3'));
    expect(top.value).toHaveLength(3);
    expect(top['@odata.nextLink']).toBeUndefined();
    const topAndPage = await json(
      await h.fetchApi('accounts?$select=name&$top=1', { headers: { prefer: 'odata.maxpagesize=2' } }),
    );
    expect(topAndPage.value).toHaveLength(2);
    expect(topAndPage['@odata.nextLink']).toBeDefined();
  });

  it('checklist 11: $count=true adds @odata.count, capped at 5000', async () => {
    const counted = await h.api.retrieveMultiple({ collection: 'accounts', select: ['name'], count: true, top: 1 });
    expect(counted['@odata.count']).toBe(5);
    const seed = { accounts: Array.from({ length: 5003 }, (_, i) => ({ name: `Bulk ${i}`, accountnumber: `B-${i}` })) };
    const bulk = await startHarness({ seed });
    try {
      const page = await json(
        await bulk.fetchApi('accounts?$select=name&$count=true', {
          headers: { prefer: 'odata.maxpagesize=1,odata.include-annotations="*"' },
        }),
      );
      expect(page['@odata.count']).toBe(5000);
      expect(page['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded']).toBe(true);
      expect(await (await bulk.fetchApi('accounts/$count')).text()).toBe('5000');
    } finally {
      await bulk.emu.close();
    }
  });

  it('expands single-valued and polymorphic navigation properties', async () => {
    const contact = await h.api.retrieve({
      collection: 'contacts',
      key: "msdynce_contactnumber='CON-001'",
      select: ['fullname'],
      expand: [
        { property: 'parentcustomerid_account', select: ['accountnumber'] },
        { property: 'parentcustomerid_contact', select: ['fullname'] },
      ],
    });
    expect(contact.parentcustomerid_account.accountnumber).toBe('ACC-001');
    expect(contact.parentcustomerid_contact).toBeNull();
    const badExpand = await h.fetchApi('accounts?$expand=nosuchnav');
    expect(badExpand.status).toBe(400);
  });

  it('spec §1.1: accounts(<id>)/contact_customer_accounts and its $expand list the contacts the account is parent of', async () => {
    const navigation = await h.fetchApi(`accounts(${ACCOUNT_ID})/contact_customer_accounts?$select=fullname`);
    expect(navigation.status).toBe(200);
    expect((await json(navigation)).value).toEqual([
      expect.objectContaining({ contactid: CONTACT_ID, fullname: 'Maria Anders' }),
    ]);
    const other = await h.fetchApi('accounts(6f1c2a10-0000-0000-0000-000000000002)/contact_customer_accounts');
    expect((await json(other)).value).toEqual([]);
    const expanded = await json(
      await h.fetchApi(
        "accounts?$select=accountnumber&$filter=accountnumber eq 'ACC-001' or accountnumber eq 'ACC-002'&$orderby=accountnumber&$expand=contact_customer_accounts($select=fullname)",
      ),
    );
    expect(
      expanded.value.map((a: Record<string, any>) => [
        a.accountnumber,
        a.contact_customer_accounts.map((c: Record<string, unknown>) => c.fullname),
      ]),
    ).toEqual([
      ['ACC-001', ['Maria Anders']],
      ['ACC-002', []],
    ]);
  });

  it('filters through a navigation path and reads single properties', async () => {
    const contacts = await h.api.retrieveMultiple({
      collection: 'contacts',
      select: ['fullname'],
      filter: "parentcustomerid_account/accountnumber eq 'ACC-001'",
    });
    expect(contacts.value).toHaveLength(1);
    const property = await json(await h.fetchApi(`accounts(${ACCOUNT_ID})/name`));
    expect(property.value).toBe('Northwind Traders');
  });
});
