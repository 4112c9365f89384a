import { startHarness, type FnoHarness } from './helpers';

const ROWS = 23;
const account = (i: number) => `P-${String(i).padStart(3, '0')}`;

/** Checklist item 41: server paging with nextLink, client paging with $top/$skip, $count. */
describe('F&O paging', () => {
  let h: FnoHarness;
  beforeAll(async () => {
    h = await startHarness({
      pageSize: 10,
      seed: {
        CustomersV3: Array.from({ length: ROWS }, (_, i) => ({
          dataAreaId: 'usmf',
          CustomerAccount: account(i),
          CustomerGroupId: i % 2 ? '10' : '20',
          CreditLimit: (i * 37) % 11,
        })),
      },
    });
  });
  afterAll(() => h.close());

  test('server paging caps pages at the configured size and the nextLinks visit every row once', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let next: string | undefined = `${h.emu.dataUrl}CustomersV3?$select=CustomerAccount`;
    while (next) {
      const response: Response = await fetch(next, { headers: { authorization: `Bearer ${h.token}` } });
      const page = (await response.json()) as { value: Array<{ CustomerAccount: string }>; '@odata.nextLink'?: string };
      sizes.push(page.value.length);
      seen.push(...page.value.map((r) => r.CustomerAccount));
      next = page['@odata.nextLink'];
    }
    expect(sizes).toEqual([10, 10, 3]);
    expect(seen).toEqual(Array.from({ length: ROWS }, (_, i) => account(i)));
  });

  test('Prefer odata.maxpagesize below the server size is honoured and echoed', async () => {
    const response = await h.api('CustomersV3?$select=CustomerAccount', { headers: { prefer: 'odata.maxpagesize=4' } });
    expect(response.headers.get('preference-applied')).toBe('odata.maxpagesize=4');
    const page = (await response.json()) as { value: unknown[]; '@odata.nextLink'?: string };
    expect(page.value).toHaveLength(4);
    expect(page['@odata.nextLink']).toContain('$skiptoken=4');
  });

  test('Prefer odata.maxpagesize=0 is ignored: server-size pages, no Preference-Applied, links that end', async () => {
    const seen: string[] = [];
    let next: string | undefined = `${h.emu.dataUrl}CustomersV3?$select=CustomerAccount`;
    for (let pages = 0; next && pages < 5; pages += 1) {
      const response: Response = await fetch(next, {
        headers: { authorization: `Bearer ${h.token}`, prefer: 'odata.maxpagesize=0' },
      });
      expect(response.headers.get('preference-applied')).toBeNull();
      const page = (await response.json()) as { value: Array<{ CustomerAccount: string }>; '@odata.nextLink'?: string };
      expect(page.value.length).toBeGreaterThan(0);
      seen.push(...page.value.map((r) => r.CustomerAccount));
      next = page['@odata.nextLink'];
    }
    expect(next).toBeUndefined();
    expect(seen).toEqual(Array.from({ length: ROWS }, (_, i) => account(i)));
  });

  test('$top/$skip page deterministically under a stable $orderby, ties broken by key', async () => {
    const expected = Array.from({ length: ROWS }, (_, i) => ({ account: account(i), limit: (i * 37) % 11 }))
      .sort((a, b) => b.limit - a.limit || a.account.localeCompare(b.account))
      .map((r) => r.account);
    const pages: string[] = [];
    for (let skip = 0; skip < ROWS; skip += 5) {
      const page = await h.json(`CustomersV3?$select=CustomerAccount&$orderby=CreditLimit desc&$top=5&$skip=${skip}`);
      expect(page['@odata.nextLink']).toBeUndefined();
      pages.push(...page.value.map((r: { CustomerAccount: string }) => r.CustomerAccount));
    }
    expect(pages).toEqual(expected);
  });

  test('$count=true counts the whole filter regardless of $top; /$count returns a bare number', async () => {
    const page = await h.json("CustomersV3?$filter=CustomerGroupId eq '10'&$top=2&$count=true");
    expect(page['@odata.count']).toBe(11);
    expect(page.value).toHaveLength(2);
    const count = await h.api("CustomersV3/$count?$filter=CustomerGroupId eq '20'");
    expect(count.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await count.text()).toBe('12');
  });

  test('a garbage $skiptoken or a negative $top is 400', async () => {
    expect((await h.api('CustomersV3?$skiptoken=abc')).status).toBe(400);
    expect((await h.api('CustomersV3?$top=-1')).status).toBe(400);
  });
});
