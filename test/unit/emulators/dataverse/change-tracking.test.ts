import { json, ACCOUNT_ID, baseSeed, startHarness, type Harness } from './helpers';

// Each test starts its own emulator; a loaded CI machine can take seconds for that alone.
jest.setTimeout(30_000);

function seedWithThreeAccounts() {
  const seed = baseSeed();
  seed.accounts.push(
    { accountid: '6f1c2a10-0000-0000-0000-000000000002', name: 'Second', accountnumber: 'ACC-002' } as never,
    { accountid: '6f1c2a10-0000-0000-0000-000000000003', name: 'Third', accountnumber: 'ACC-003' } as never,
  );
  return seed;
}

describe('Dataverse emulator: change tracking', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ seed: seedWithThreeAccounts() });
  });
  afterEach(() => h.emu.close());

  const track = () => h.fetchApi('accounts?$select=name,accountnumber', { headers: { prefer: 'odata.track-changes' } });

  it('checklist 28: the initial read returns all rows, Preference-Applied and a delta link with $deltatoken', async () => {
    const response = await track();
    expect(response.status).toBe(200);
    expect(response.headers.get('preference-applied')).toBe('odata.track-changes');
    const body = await json(response);
    expect(body.value).toHaveLength(3);
    expect(body['@odata.deltaLink']).toMatch(/\$deltatoken=\d+%21\d{2}%2F\d{2}%2F\d{4}%20\d{2}%3A\d{2}%3A\d{2}$/);
    const viaLibrary = await h.api.retrieveMultiple({ collection: 'accounts', select: ['name'], trackChanges: true });
    expect(viaLibrary.oDataDeltaLink ?? viaLibrary['@odata.deltaLink']).toContain('$deltatoken=');
  });

  it('checklist 29: after an update, a create and a delete the delta link returns two rows then one $deletedEntity', async () => {
    const deltaLink = (await json(await track()))['@odata.deltaLink'] as string;
    await h.api.update({ collection: 'accounts', key: ACCOUNT_ID, data: { name: 'Updated' } });
    const createdId = await h.api.create({
      collection: 'accounts',
      data: { name: 'Created', accountnumber: 'ACC-010' },
    });
    await h.api.deleteRecord({ collection: 'accounts', key: '6f1c2a10-0000-0000-0000-000000000003' });
    const delta = await json(await h.fetchApi(deltaLink));
    expect(delta['@odata.context']).toMatch(/\/\$delta$/);
    expect(delta.value).toHaveLength(3);
    expect(delta.value[0]).toMatchObject({ accountid: ACCOUNT_ID, name: 'Updated' });
    expect(delta.value[0]['@odata.etag']).toMatch(/^W\/"\d+"$/);
    expect(delta.value[1]).toMatchObject({ accountid: createdId, name: 'Created' });
    expect(delta.value[2]).toEqual({
      '@odata.context': `${h.emu.apiUrl}$metadata#accounts/$deletedEntity`,
      id: '6f1c2a10-0000-0000-0000-000000000003',
      reason: 'deleted',
    });
    expect(delta['@odata.deltaLink']).not.toBe(deltaLink);
    const again = await json(await h.fetchApi(deltaLink));
    expect(again.value).toEqual(delta.value);
    const next = await json(await h.fetchApi(delta['@odata.deltaLink']));
    expect(next.value).toEqual([]);
    expect(next['@odata.deltaLink']).toContain('$deltatoken=');
  });

  it('checklist 30: a row created and deleted between polls shows up once, as deleted', async () => {
    const deltaLink = (await json(await track()))['@odata.deltaLink'] as string;
    const id = String(
      await h.api.create({ collection: 'accounts', data: { name: 'Ephemeral', accountnumber: 'ACC-EPH' } }),
    );
    await h.api.update({ collection: 'accounts', key: id, data: { name: 'Ephemeral 2' } });
    await h.api.deleteRecord({ collection: 'accounts', key: id });
    const delta = await json(await h.fetchApi(deltaLink));
    expect(delta.value).toEqual([expect.objectContaining({ id, reason: 'deleted' })]);
  });

  it.each(["$filter=name eq 'x'", '$orderby=name', '$expand=primarycontactid', '$top=1'])(
    'checklist 31: %s together with odata.track-changes is refused with the documented message',
    async (option) => {
      const response = await h.fetchApi(`accounts?$select=name&${option}`, {
        headers: { prefer: 'odata.track-changes' },
      });
      expect(response.status).toBe(400);
      const name = option.split('=')[0];
      expect((await json(response)).error.message).toBe(
        `The "${name}" query parameter isn't supported when Change Tracking is enabled.`,
      );
    },
  );

  it('checklist 31: garbage and expired delta tokens are refused with 400', async () => {
    const garbage = await h.fetchApi('accounts?$select=name&$deltatoken=not-a-token');
    expect(garbage.status).toBe(400);
    expect((await json(garbage)).error.message).toMatch(/not a change-tracking token/);
    const short = await startHarness({ seed: seedWithThreeAccounts(), changeTrackingExpiryDays: 1 });
    try {
      const old = encodeURIComponent('1!01/01/2020 00:00:00');
      const expired = await short.fetchApi(`accounts?$select=name&$deltatoken=${old}`);
      expect(expired.status).toBe(400);
      expect((await json(expired)).error.message).toMatch(/expired/);
    } finally {
      await short.emu.close();
    }
  });

  it('checklist 32: /$count with a delta token returns the number of changes as plain text', async () => {
    const deltaLink = (await json(await track()))['@odata.deltaLink'] as string;
    const token = new URL(deltaLink).searchParams.get('$deltatoken')!;
    await h.api.update({ collection: 'accounts', key: ACCOUNT_ID, data: { name: 'One' } });
    await h.api.deleteRecord({ collection: 'accounts', key: '6f1c2a10-0000-0000-0000-000000000002' });
    const response = await h.fetchApi(`accounts/$count?$deltatoken=${encodeURIComponent(token)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('2');
  });

  it('pages a delta like a query; a change made while paging waits for the next delta link', async () => {
    const deltaLink = (await json(await track()))['@odata.deltaLink'] as string;
    for (let i = 0; i < 3; i += 1) {
      await h.api.create({ collection: 'accounts', data: { name: `New ${i}`, accountnumber: `ACC-N${i}` } });
    }
    await h.api.deleteRecord({ collection: 'accounts', key: '6f1c2a10-0000-0000-0000-000000000002' });
    const prefer = { prefer: 'odata.maxpagesize=2' };
    const first = await h.fetchApi(deltaLink, { headers: prefer });
    expect(first.headers.get('preference-applied')).toBe('odata.maxpagesize=2');
    const page1 = await json(first);
    expect(page1.value.map((r: any) => r.name)).toEqual(['New 0', 'New 1']);
    expect(page1['@odata.deltaLink']).toBeUndefined();
    expect(page1['@odata.nextLink']).toContain('$deltatoken=');
    await h.api.update({ collection: 'accounts', key: ACCOUNT_ID, data: { name: 'Changed while paging' } });
    const page2 = await json(await h.fetchApi(page1['@odata.nextLink'], { headers: prefer }));
    expect(page2.value.map((r: any) => r.name ?? r.reason)).toEqual(['New 2', 'deleted']);
    expect(page2['@odata.nextLink']).toBeUndefined();
    const later = await json(await h.fetchApi(page2['@odata.deltaLink']));
    expect(later.value.map((r: any) => r.name)).toEqual(['Changed while paging']);
  });

  it('pages a large initial read and puts the delta link on the last page only', async () => {
    const pages: Array<Record<string, any>> = [];
    let url: string | undefined = `${h.emu.apiUrl}accounts?$select=name`;
    while (url) {
      const page = await json(
        await h.fetchApi(url, { headers: { prefer: 'odata.track-changes,odata.maxpagesize=2' } }),
      );
      pages.push(page);
      url = page['@odata.nextLink'];
    }
    expect(pages.map((p) => p.value.length)).toEqual([2, 1]);
    expect(pages[0]['@odata.deltaLink']).toBeUndefined();
    // Changes made while paging are after the token taken at the first page, so the delta link sees them.
    expect(pages[1]['@odata.deltaLink']).toContain('$deltatoken=');
  });
});
