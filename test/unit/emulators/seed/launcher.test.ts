import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { DATA_FILES, startEmulators, type EmulatorConnection, type Emulators } from '../../../../emulators';

async function tokenFor(connection: EmulatorConnection, resource: string): Promise<string> {
  const dispatcher = new Agent({ connect: { ca: connection.caCertPem } });
  const response = await fetch(`${connection.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: connection.clientId,
      client_secret: connection.clientSecret,
      scope: `${resource}/.default`,
    }).toString(),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  await dispatcher.close();
  if (!response.ok || !body.access_token) throw new Error(`token request failed: ${body.error_description}`);
  return body.access_token;
}

async function getJson(url: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'odata-version': '4.0' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('startEmulators', () => {
  let emulators: Emulators;

  beforeAll(async () => {
    emulators = await startEmulators({ seed: { accounts: 60, badRowShare: 0.1 } });
  });
  afterAll(async () => {
    await emulators?.close();
  });

  it('serves a seeded account and a seeded product to a client holding a real token', async () => {
    const { connection, manifest } = emulators;
    expect(manifest?.counts.dataverse.accounts).toBe(60);
    expect(connection.fno.defaultCompany).toBe('usmf');

    const dataverseToken = await tokenFor(connection, connection.dataverse.resource);
    const accountNumber = 'ACC-01000-';
    const accounts = await getJson(
      `${connection.dataverse.url}/api/data/v9.2/accounts?$select=name,accountnumber&$filter=startswith(accountnumber,'${accountNumber}')`,
      dataverseToken,
    );
    expect(accounts.status).toBe(200);
    const [account] = accounts.body.value as Array<Record<string, unknown>>;
    expect(account.accountnumber).toMatch(/^ACC-01000-[A-Z]{6}$/);
    const byKey = await getJson(
      `${connection.dataverse.url}/api/data/v9.2/accounts(accountnumber='${String(account.accountnumber)}')?$select=name`,
      dataverseToken,
    );
    expect(byKey).toMatchObject({ status: 200, body: { name: account.name } });

    const fnoToken = await tokenFor(connection, connection.fno.resource);
    const products = await getJson(`${connection.fno.url}/data/SellableReleasedProducts?$top=1`, fnoToken);
    expect(products.status).toBe(200);
    const [product] = products.body.value as Array<Record<string, unknown>>;
    const key = `dataAreaId='usmf',ProductNumber='${String(product.ProductNumber)}'`;
    const single = await getJson(`${connection.fno.url}/data/SellableReleasedProducts(${key})`, fnoToken);
    expect(single).toMatchObject({ status: 200, body: { ProductNumber: product.ProductNumber, dataAreaId: 'usmf' } });
  });

  it('rejects a token issued for the other service', async () => {
    const { connection } = emulators;
    const fnoToken = await tokenFor(connection, connection.fno.resource);
    const response = await getJson(`${connection.dataverse.url}/api/data/v9.2/accounts?$top=1`, fnoToken);
    expect(response.status).toBe(401);
  });

  it('loads every seeded row into the emulators', async () => {
    const { connection, manifest } = emulators;
    const token = await tokenFor(connection, connection.fno.resource);
    const count = await fetch(`${connection.fno.url}/data/SellableReleasedProducts/$count`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(Number(await count.text())).toBe(manifest!.counts.fno.SellableReleasedProducts);
    const customers = await getJson(`${connection.fno.url}/data/CustomersV2?$count=true&$top=0`, token);
    expect(customers.body['@odata.count']).toBe(0);
  });
});

describe('startEmulators at benchmark size', () => {
  it('completes with 10,000 accounts and serves all of them (timing lives in bench/seed.ts)', async () => {
    const emulators = await startEmulators({ seed: { accounts: 10_000 }, serviceProtection: false });
    try {
      const { connection } = emulators;
      const token = await tokenFor(connection, connection.dataverse.resource);
      const count = await fetch(`${connection.dataverse.url}/api/data/v9.2/accounts/$count`, {
        headers: { authorization: `Bearer ${token}` },
      });
      // Dataverse caps $count at 5000; the manifest holds the real number.
      expect(Number(await count.text())).toBe(5000);
      expect(emulators.manifest!.counts.dataverse.accounts).toBe(10_000);
      expect(emulators.dataverse.store.table('accounts').size).toBe(10_000);
    } finally {
      await emulators.close();
    }
  }, 60_000);
});

describe('startEmulators with two companies', () => {
  it('partitions F&O by company and serves every recorded bad row under its key', async () => {
    const emulators = await startEmulators({
      seed: {
        accounts: 80,
        badRowShare: 0.1,
        companies: [
          { dataAreaId: 'usmf', businessUnit: 'USMF', currency: 'USD' },
          { dataAreaId: 'demf', businessUnit: 'DEMF', currency: 'EUR' },
        ],
      },
    });
    try {
      const { connection, manifest } = emulators;
      const fnoToken = await tokenFor(connection, connection.fno.resource);
      const dataverseToken = await tokenFor(connection, connection.dataverse.resource);
      const german = await getJson(
        `${connection.fno.url}/data/SellableReleasedProducts?cross-company=true&$filter=dataAreaId eq 'demf'&$top=3`,
        fnoToken,
      );
      const rows = german.body.value as Array<Record<string, unknown>>;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.dataAreaId === 'demf' && row.CurrencyCode !== 'USD')).toBe(true);

      const api = `${connection.dataverse.url}/api/data/v9.2`;
      const urlOf: Record<string, (key: string, dataAreaId: string) => string> = {
        accounts: (key) => (/^ACC-/.test(key) ? `${api}/accounts(accountnumber='${key}')` : `${api}/accounts(${key})`),
        contacts: (key) => `${api}/contacts(msdynce_contactnumber='${key}')`,
        quotes: (key) => `${api}/quotes(quotenumber='${key}')`,
        SellableReleasedProducts: (key, dataAreaId) =>
          `${connection.fno.url}/data/SellableReleasedProducts(dataAreaId='${dataAreaId}',ProductNumber='${key}')`,
      };
      expect(manifest!.badRows.length).toBeGreaterThan(9);
      for (const bad of manifest!.badRows) {
        const token = bad.system === 'fno' ? fnoToken : dataverseToken;
        const response = await getJson(urlOf[bad.entitySet](bad.key, bad.dataAreaId), token);
        expect({ kind: bad.kind, key: bad.key, status: response.status }).toEqual({
          kind: bad.kind,
          key: bad.key,
          status: 200,
        });
      }
    } finally {
      await emulators.close();
    }
  });
});

describe('startEmulators with a data directory', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'p2c-emulators-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes the CA certificate and manifest, and reuses the stored state instead of seeding again', async () => {
    const first = await startEmulators({ dataDir, seed: { accounts: 30 } });
    const manifest = first.manifest;
    expect(first.reusedState).toBe(false);
    expect(readFileSync(first.caCertFile!, 'utf8')).toBe(first.connection.caCertPem);
    const token = await tokenFor(first.connection, first.connection.dataverse.resource);
    const created = await fetch(`${first.connection.dataverse.url}/api/data/v9.2/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Kept across restarts', accountnumber: 'ACC-99999-KEEPME' }),
    });
    expect(created.status).toBe(204);
    await first.close();

    const second = await startEmulators({ dataDir, seed: { accounts: 5 } });
    try {
      expect(second.reusedState).toBe(true);
      expect(second.manifest).toEqual(manifest);
      const secondToken = await tokenFor(second.connection, second.connection.dataverse.resource);
      const kept = await getJson(
        `${second.connection.dataverse.url}/api/data/v9.2/accounts(accountnumber='ACC-99999-KEEPME')?$select=name`,
        secondToken,
      );
      expect(kept).toMatchObject({ status: 200, body: { name: 'Kept across restarts' } });
      const all = await getJson(
        `${second.connection.dataverse.url}/api/data/v9.2/accounts?$select=accountid`,
        secondToken,
      );
      expect((all.body.value as unknown[]).length).toBe(31);
      expect(JSON.parse(readFileSync(join(dataDir, DATA_FILES.manifest), 'utf8'))).toEqual(manifest);
    } finally {
      await second.close();
    }
  });

  it('starts empty when seeding is off, keeping the F&O reference data', async () => {
    const emulators = await startEmulators({ seed: false });
    try {
      expect(emulators.manifest).toBeUndefined();
      const token = await tokenFor(emulators.connection, emulators.connection.fno.resource);
      const groups = await getJson(
        `${emulators.connection.fno.url}/data/CustomerGroups?$filter=CustomerGroupId eq '10'`,
        token,
      );
      expect((groups.body.value as unknown[]).length).toBe(1);
    } finally {
      await emulators.close();
    }
  });
});
