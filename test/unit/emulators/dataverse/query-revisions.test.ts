/**
 * The Dataverse emulator keeps a query's filtered, sorted rows while paging, for as long as the tables the query
 * reads are unchanged: its own table and the targets of the navigation paths in its filter and order. Writes to any
 * other table leave the cached rows in use; a write to one of those tables is seen by the next page.
 */
import { ENTITIES_BY_SET } from '../../../../emulators/dataverse/metadata';
import { DataverseModel } from '../../../../emulators/dataverse/records';
import { ACCOUNT_ID, baseSeed, json, startHarness, type Harness } from './helpers';

jest.setTimeout(30_000);

const PARTNER_ID = '6f1c2a10-0000-0000-0000-000000000002';

/** Two accounts with three contacts each, so a navigation filter has pages to read. */
function seed() {
  const base = baseSeed();
  base.accounts.push({ accountid: PARTNER_ID, name: 'Fabrikam', accountnumber: 'ACC-002' } as never);
  for (let i = 1; i <= 5; i += 1) {
    base.contacts.push({
      firstname: 'Contact',
      lastname: `${i}`,
      msdynce_contactnumber: `CON-10${i}`,
      'parentcustomerid_account@odata.bind': i % 2 ? "/accounts(accountnumber='ACC-001')" : `/accounts(${PARTNER_ID})`,
    } as never);
  }
  return base;
}

describe('Dataverse emulator: revisions a cached query depends on', () => {
  let h: Harness;
  let model: DataverseModel;
  const contacts = ENTITIES_BY_SET.get('contacts')!;
  const accounts = ENTITIES_BY_SET.get('accounts')!;

  beforeAll(async () => {
    h = await startHarness({ seed: seed() });
    model = new DataverseModel(h.emu.store);
  });
  afterAll(() => h.emu.close());

  it('moves with the query’s own table and the tables its paths navigate to, not with others', async () => {
    const paths = ['parentcustomerid_account/accountnumber', 'lastname'];
    const before = model.revisionFor(contacts, paths);
    const ownOnly = model.revisionFor(accounts, ['name']);

    await h.api.create({ collection: 'products', data: { name: 'Unrelated', productnumber: 'P-REV-1' } });
    expect(model.revisionFor(contacts, paths)).toBe(before);
    expect(model.revisionFor(accounts, ['name'])).toBe(ownOnly);

    await h.api.update({ collection: 'accounts', key: PARTNER_ID, data: { name: 'Fabrikam Inc.' } });
    const afterAccount = model.revisionFor(contacts, paths);
    expect(afterAccount).not.toBe(before);
    // Without a navigation path, the contacts query does not depend on accounts.
    expect(model.revisionFor(contacts, ['lastname'])).toBe(model.revisionFor(contacts, []));

    await h.api.create({ collection: 'contacts', data: { firstname: 'New', lastname: 'Row' } });
    expect(model.revisionFor(contacts, paths)).not.toBe(afterAccount);
  });

  it('shows the next page a change to a navigated table made between pages', async () => {
    const filter = encodeURIComponent("parentcustomerid_account/accountnumber eq 'ACC-001'");
    const first = await json(
      await h.fetchApi(`contacts?$select=lastname&$orderby=lastname&$filter=${filter}`, {
        headers: { prefer: 'odata.maxpagesize=1' },
      }),
    );
    expect(first.value).toHaveLength(1);
    expect(first['@odata.nextLink']).toBeDefined();

    // The partner takes the number the filter asks for: its contacts now match, the first account's no longer do.
    await h.api.update({ collection: 'accounts', key: ACCOUNT_ID, data: { accountnumber: 'ACC-009' } });
    await h.api.update({ collection: 'accounts', key: PARTNER_ID, data: { accountnumber: 'ACC-001' } });

    const seen: string[] = [];
    let url: string | undefined = first['@odata.nextLink'];
    while (url) {
      const page = await json(await h.fetchApi(url, { headers: { prefer: 'odata.maxpagesize=1' } }));
      seen.push(...page.value.map((row: { lastname: string }) => row.lastname));
      url = page['@odata.nextLink'];
    }
    expect(seen).toEqual(['2', '4'].filter((name) => name > first.value[0].lastname));
    const fresh = await h.api.retrieveMultiple({
      collection: 'contacts',
      select: ['lastname'],
      filter: decodeURIComponent(filter),
    });
    expect(fresh.value.map((row) => row.lastname).sort()).toEqual(['2', '4']);
  });
});
