import type { TargetRow } from '../../../common/types';
import { ConnectorError, FnoClient } from '../../../connectors';
import { startIdentityServer, type IdentityServer } from '../../../emulators/common/identity';
import { startFnoEmulator, type FnoEmulator } from '../../../emulators/fno';
import {
  emulatorConnection,
  emulatorLifecycle,
  expectEachRowOnce,
  expectIdempotentUpsert,
  range,
  RecordingMetrics,
} from './support';

const SECRET_ENV = 'P2C_TEST_FNO_SECRET';
const SEEDED = 12_345;
const account = (i: number) => `T-${String(i).padStart(6, '0')}`;

function customerRow(i: number, fields: Record<string, unknown> = {}): TargetRow {
  const key = { dataAreaId: 'usmf', CustomerAccount: `NEW-${String(i).padStart(5, '0')}` };
  return {
    sourceKey: `ACC-${i}`,
    entitySet: 'CustomersV3',
    key,
    fields: { ...key, OrganizationName: `Customer ${i}`, CustomerGroupId: '10', SalesCurrencyCode: 'USD', ...fields },
  };
}

describe('FnoClient against the F&O emulator', () => {
  jest.setTimeout(60_000);
  let identity: IdentityServer;
  let emulator: FnoEmulator;
  let client: FnoClient;
  const metrics = new RecordingMetrics();

  beforeAll(async () => {
    identity = await startIdentityServer();
    emulator = await startFnoEmulator({
      identity,
      seed: {
        CustomersV3: range(SEEDED).map((i) => ({
          dataAreaId: i % 10 === 0 ? 'usrt' : 'usmf',
          CustomerAccount: account(i),
          OrganizationName: `Seeded ${i}`,
          CustomerGroupId: '10',
        })),
      },
    });
    client = new FnoClient(emulatorConnection(emulator, identity, SECRET_ENV, { defaultCompany: 'usmf' }), { metrics });
  }, 60_000);

  emulatorLifecycle(() => ({ client, emulator, identity }), metrics);

  it('pages through 12,345 rows across companies and returns each exactly once', async () => {
    const pages = await expectEachRowOnce(
      client.readPages('CustomersV3', {
        select: ['dataAreaId', 'CustomerAccount'],
        pageSize: 1000,
        crossCompany: true,
      }),
      1000,
      SEEDED,
      (row) => (String(row.CustomerAccount).startsWith('T-') ? `${row.dataAreaId}/${row.CustomerAccount}` : undefined),
    );
    expect(pages).toBeGreaterThanOrEqual(13);
  });

  it('reads one company by dataAreId (default company when none is given) and resumes from a cursor', async () => {
    const first = await client.readPage('CustomersV3', {
      select: ['dataAreaId', 'CustomerAccount'],
      pageSize: 500,
      dataAreaId: 'usrt',
    });
    expect(first.rows.every((r) => r.dataAreaId === 'usrt')).toBe(true);
    expect(first.nextCursor).toBeDefined();
    const second = await client.readPage('CustomersV3', { pageSize: 500, cursor: first.nextCursor });
    const firstKeys = new Set(first.rows.map((r) => r.CustomerAccount));
    expect(second.rows.some((r) => firstKeys.has(r.CustomerAccount))).toBe(false);
    const usmf = await client.readPage('CustomersV3', { select: ['dataAreaId'], pageSize: 50 });
    expect(usmf.rows.every((r) => r.dataAreaId === 'usmf')).toBe(true);
  });

  it('refuses a cursor that points at another host, before sending anything', async () => {
    await expect(
      client.readPage('CustomersV3', { pageSize: 10, cursor: 'https://evil.example/data/CustomersV3?$skiptoken=1' }),
    ).rejects.toThrow('refusing to send credentials elsewhere');
    expect(metrics.requests).toHaveLength(0);
  });

  it('upserts a batch; the same batch again creates nothing', async () => {
    const rows = range(50).map((i) => customerRow(i));
    await expectIdempotentUpsert(client, rows);
    const stored = await client.getByKey('CustomersV3', rows[7].key);
    expect(stored).toMatchObject({ CustomerAccount: 'NEW-00007', OrganizationName: 'Customer 7' });
  });

  it('reports exactly the 3 bad rows of 200 with their reasons and writes the other 197', async () => {
    const bad = new Map<number, Record<string, unknown>>([
      [17, { CustomerGroupId: 'ZZ' }],
      [101, { OrganizationName: 'x'.repeat(140) }],
      [188, { CustomerGroupId: 'NOPE' }],
    ]);
    const rows = range(200).map((i) => customerRow(1000 + i, bad.get(i)));
    const outcomes = await client.upsertBatch(rows, { continueOnError: true });
    const failed = outcomes.map((o, i) => [i, o] as const).filter(([, o]) => o.status === 'failed');
    expect(failed.map(([i]) => i)).toEqual([17, 101, 188]);
    for (const [i, outcome] of failed) {
      expect(outcome.sourceKey).toBe(rows[i].sourceKey);
      expect(outcome.retryable).toBe(false);
      expect(outcome.message).toContain(`CustomerAccount=NEW-0${1000 + i}`);
    }
    expect(failed[0][1]).toMatchObject({ field: 'CustomerGroupId' });
    expect(failed[0][1].message).toContain("'ZZ'");
    expect(failed[1][1]).toMatchObject({ field: 'OrganizationName' });
    expect(outcomes.filter((o) => o.status === 'created')).toHaveLength(197);
    const written = await client.findKeys(
      'CustomersV3',
      'CustomerAccount',
      rows.map((r) => String(r.key.CustomerAccount)),
      'usmf',
    );
    expect(written.size).toBe(197);
    for (const i of bad.keys()) expect(written.has(String(rows[i].key.CustomerAccount))).toBe(false);
  });

  it('with expectNew creates new rows in one batch request and still updates a row that existed', async () => {
    const existing = customerRow(5000);
    await client.upsertBatch([existing], { continueOnError: true });
    const fresh = range(20).map((i) => customerRow(5001 + i));
    const before = emulator.stats().requests;
    const created = await client.upsertBatch(fresh, { continueOnError: true, expectNew: true });
    expect(emulator.stats().requests - before).toBe(1);
    expect(created.map((o) => o.status)).toEqual(fresh.map(() => 'created'));

    const renamed = { ...existing, fields: { ...existing.fields, OrganizationName: 'Renamed after all' } };
    const mixed = await client.upsertBatch([renamed, customerRow(5100)], { continueOnError: true, expectNew: true });
    expect(mixed.map((o) => o.status)).toEqual(['updated', 'created']);
    expect(await client.getByKey('CustomersV3', existing.key)).toMatchObject({ OrganizationName: 'Renamed after all' });
    const stored = await client.findKeys('CustomersV3', 'CustomerAccount', ['NEW-05000', 'NEW-05100'], 'usmf');
    expect(stored.size).toBe(2);
  });

  it('with an expectNew predicate POSTs the rows it picks and PATCHes the rest, one operation each', async () => {
    const existing = range(5).map((i) => customerRow(5200 + i));
    const predictedNewButThere = customerRow(5210);
    await client.upsertBatch([...existing, predictedNewButThere], { continueOnError: true });
    const fresh = range(10).map((i) => customerRow(5300 + i));
    const updated = new Set([...existing, predictedNewButThere].map((row) => row.sourceKey));
    const renamed = [...existing, predictedNewButThere].map((row) => ({
      ...row,
      fields: { ...row.fields, OrganizationName: `Renamed ${row.sourceKey}` },
    }));
    const rows = [...fresh.slice(0, 5), ...renamed, ...fresh.slice(5)];
    const believedNew = new Set([...fresh, predictedNewButThere].map((row) => row.sourceKey));
    const before = emulator.stats();

    const outcomes = await client.upsertBatch(rows, {
      continueOnError: true,
      expectNew: (row) => believedNew.has(row.sourceKey),
    });

    expect(outcomes.map((o) => [o.sourceKey, o.status])).toEqual(
      rows.map((row) => [row.sourceKey, updated.has(row.sourceKey) ? 'updated' : 'created']),
    );
    // One operation per row in the first batch; only the mispredicted row needs a second (its PATCH).
    expect(emulator.stats().requests - before.requests).toBe(2);
    expect(emulator.stats().batchOperations - before.batchOperations).toBe(rows.length + 1);
    for (const row of renamed) {
      expect(await client.getByKey('CustomersV3', row.key)).toMatchObject({
        OrganizationName: `Renamed ${row.sourceKey}`,
      });
    }
    const stored = await client.findKeys(
      'CustomersV3',
      'CustomerAccount',
      rows.map((row) => String(row.key.CustomerAccount)),
      'usmf',
    );
    expect(stored.size).toBe(rows.length);
  });

  it('upserts one row: POST when missing, PATCH when present', async () => {
    const row = customerRow(9001);
    await expect(client.upsert(row)).resolves.toEqual({ sourceKey: row.sourceKey, status: 'created' });
    await expect(client.upsert({ ...row, fields: { ...row.fields, OrganizationName: 'Renamed' } })).resolves.toEqual({
      sourceKey: row.sourceKey,
      status: 'updated',
    });
    expect(await client.getByKey('CustomersV3', row.key)).toMatchObject({ OrganizationName: 'Renamed' });
    const bad = await client.upsert(customerRow(9002, { CustomerGroupId: 'ZZ' }));
    expect(bad).toMatchObject({ status: 'failed', retryable: false, field: 'CustomerGroupId' });
  });

  it('without continue-on-error stops at the first failed row and reports the rest as not executed', async () => {
    const rows = [customerRow(9200), customerRow(9201, { CustomerGroupId: 'ZZ' }), customerRow(9202)];
    const outcomes = await client.upsertBatch(rows, { continueOnError: false });
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'failed', 'failed']);
    expect(outcomes[1]).toMatchObject({ retryable: false, field: 'CustomerGroupId' });
    expect(outcomes[2].message).toContain('not executed');
    await expect(client.getByKey('CustomersV3', rows[2].key)).resolves.toBeNull();
  });

  it('deletes by key for compensation, treating an already missing row as done', async () => {
    const row = customerRow(9100);
    await client.upsert(row);
    await expect(client.deleteByKey('CustomersV3', row.key)).resolves.toBe(true);
    await expect(client.deleteByKey('CustomersV3', row.key)).resolves.toBe(false);
    await expect(client.getByKey('CustomersV3', row.key)).resolves.toBeNull();
  });

  it('finds existing keys case-insensitively and ignores wildcard look-alikes', async () => {
    const found = await client.findKeys(
      'CustomersV3',
      'CustomerAccount',
      ['t-000001', 'T-000002', 'T-00000*', 'missing'],
      'usmf',
    );
    expect([...found].sort()).toEqual(['T-000002', 't-000001']);
  });

  it('rides out a 429 storm, waiting the full Retry-After before every retry', async () => {
    emulator.faults.configure({ throttleNext: { count: 2, retryAfterSeconds: 1 } });
    const earlyBefore = emulator.stats().throttling.user.earlyRetries;
    const started = Date.now();
    const page = await client.readPage('CustomersV3', { pageSize: 10 });
    const elapsed = Date.now() - started;
    expect(page.rows).toHaveLength(10);
    expect(metrics.throttles.map((t) => t.retryAfterMs)).toEqual([1000, 1000]);
    const statuses = metrics.requests.map((r) => r.status);
    expect(statuses).toEqual([429, 429, 200]);
    // Each retry left at least Retry-After after the 429 that preceded it.
    const waits = metrics.waitsAfter429();
    expect(waits).toHaveLength(2);
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(995);
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(emulator.stats().throttling.user.earlyRetries - earlyBefore).toBe(0);
  });

  it('hands a storm longer than the inline budget back as a retryable error carrying Retry-After', async () => {
    emulator.faults.configure({ throttleNext: { count: 5, retryAfterSeconds: 1 } });
    const err = await client.readPage('CustomersV3', { pageSize: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ retryable: true, status: 429, retryAfterMs: 1000, system: 'fno' });
    expect(metrics.requests).toHaveLength(3);
  });

  it('refreshes a token the service stopped accepting and carries on', async () => {
    emulator.faults.configure({ expireTokens: true });
    // The first 401 means "that token is gone"; tokens issued after it are good again.
    metrics.onceOnStatus(401, () => emulator.faults.reset());
    const page = await client.readPage('CustomersV3', { pageSize: 5 });
    expect(page.rows).toHaveLength(5);
    expect(metrics.requests.map((r) => r.status)).toEqual([401, 200]);
  });
});
