import { Writable } from 'node:stream';
import pino from 'pino';
import type { TargetRow } from '../../../common/types';
import { ConnectorError, DataverseClient } from '../../../connectors';
import { startIdentityServer, type IdentityServer } from '../../../emulators/common/identity';
import { startDataverseEmulator, type DataverseEmulator } from '../../../emulators/dataverse';
import {
  emulatorConnection,
  emulatorLifecycle,
  expectEachRowOnce,
  expectIdempotentUpsert,
  range,
  RecordingMetrics,
} from './support';

const SECRET_ENV = 'P2C_TEST_DV_SECRET';
const SEEDED = 12_345;
const guid = (n: number) => `6f1c2a10-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const accountNumber = (i: number) => `SEED-${String(i).padStart(6, '0')}`;

function accountRow(
  i: number,
  fields: Record<string, unknown> = {},
  lookups: TargetRow['lookups'] = undefined,
): TargetRow {
  const key = { accountnumber: `NEW-${String(i).padStart(5, '0')}` };
  const row: TargetRow = {
    sourceKey: `C-${i}`,
    entitySet: 'accounts',
    key,
    fields: { ...key, name: `Account ${i}`, ...fields },
  };
  if (lookups) row.lookups = lookups;
  return row;
}

describe('DataverseClient against the Dataverse emulator', () => {
  jest.setTimeout(60_000);
  let identity: IdentityServer;
  let emulator: DataverseEmulator;
  let client: DataverseClient;
  const metrics = new RecordingMetrics();

  beforeAll(async () => {
    identity = await startIdentityServer();
    emulator = await startDataverseEmulator({
      identity,
      seed: {
        contacts: range(3).map((i) => ({
          contactid: guid(900_000 + i),
          lastname: `Contact ${i}`,
          msdynce_contactnumber: `CON-${i}`,
        })),
        accounts: range(SEEDED).map((i) => ({
          accountid: guid(i + 1),
          name: `Seeded ${i}`,
          accountnumber: accountNumber(i),
        })),
      },
    });
    client = new DataverseClient(emulatorConnection(emulator, identity, SECRET_ENV), { metrics });
  }, 60_000);

  emulatorLifecycle(() => ({ client, emulator, identity }), metrics);

  it('pages through 12,345 rows with maxPageSize and nextLink, each exactly once', async () => {
    const pages = await expectEachRowOnce(
      client.readPages('accounts', { select: ['accountnumber'], pageSize: 1000 }),
      1000,
      SEEDED,
      (row) => (String(row.accountnumber).startsWith('SEED-') ? String(row.accountnumber) : undefined),
    );
    expect(pages).toBe(13);
  });

  it('resumes from a saved cursor and refuses one for another host', async () => {
    const first = await client.readPage('accounts', {
      select: ['accountnumber'],
      pageSize: 100,
      orderBy: ['accountnumber asc'],
    });
    const second = await client.readPage('accounts', {
      select: ['accountnumber'],
      pageSize: 100,
      cursor: first.nextCursor,
    });
    expect(String(second.rows[0].accountnumber) > String(first.rows[99].accountnumber)).toBe(true);
    await expect(
      client.readPage('accounts', {
        pageSize: 100,
        cursor: 'https://elsewhere.example/api/data/v9.2/accounts?$skiptoken=x',
      }),
    ).rejects.toThrow('refusing to send credentials elsewhere');
  });

  it('reads rows modified since a time, with modifiedon selected for the watermark, as plain strings', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await client.upsertBatch([accountRow(50_000)], { continueOnError: true });
    const after = new Date(Date.now() + 1000).toISOString();
    // The filter keeps rows other tests write out of the picture; modifiedSince is ANDed with it.
    const filter = "startswith(accountnumber,'NEW-5')";
    const page = await client.readPage('accounts', {
      select: ['accountnumber'],
      filter,
      pageSize: 50,
      modifiedSince: before,
    });
    expect(page.rows.map((r) => r.accountnumber)).toEqual(['NEW-50000']);
    expect(typeof page.rows[0].modifiedon).toBe('string');
    expect(String(page.rows[0].modifiedon) > before.slice(0, 19)).toBe(true);
    const none = await client.readPage('accounts', {
      select: ['accountnumber'],
      filter,
      pageSize: 50,
      modifiedSince: after,
    });
    expect(none.rows).toEqual([]);
    await expect(client.readPage('accounts', { pageSize: 10, modifiedSince: 'yesterday' })).rejects.toThrow(
      "modifiedSince: 'yesterday' is not an ISO-8601 date-time",
    );
  });

  it('follows change tracking: full read to a delta link, then changes and deletions only', async () => {
    const created = accountRow(60_000);
    await client.upsertBatch([created], { continueOnError: true });
    let deltaLink: string | undefined;
    let cursor: string | undefined;
    let total = 0;
    do {
      const page = await client.readDelta('accounts', { select: ['accountnumber', 'name'], pageSize: 5000, cursor });
      total += page.rows.length;
      cursor = page.nextCursor;
      deltaLink = page.deltaLink ?? deltaLink;
    } while (cursor);
    expect(total).toBeGreaterThanOrEqual(SEEDED);
    expect(deltaLink).toBeDefined();

    await client.upsertBatch([{ ...created, fields: { ...created.fields, name: 'Changed' } }, accountRow(60_001)], {
      continueOnError: true,
    });
    const gone = await client.getByKey('accounts', { accountnumber: accountNumber(5) }, ['accountid']);
    await expect(client.deleteByKey('accounts', { accountnumber: accountNumber(5) })).resolves.toBe(true);

    const delta = await client.readDelta('accounts', { select: ['accountnumber', 'name'], pageSize: 5000, deltaLink });
    expect(delta.rows.map((r) => r.accountnumber).sort()).toEqual(['NEW-60000', 'NEW-60001']);
    expect(delta.rows.find((r) => r.accountnumber === 'NEW-60000')?.name).toBe('Changed');
    expect(delta.deleted).toEqual([{ id: gone?.accountid }]);
    expect(delta.deltaLink).toBeDefined();
  });

  it('upserts a batch by alternate key; the same batch again creates nothing', async () => {
    const rows = range(60).map((i) =>
      accountRow(i, {}, { primarycontactid: { entitySet: 'contacts', key: { msdynce_contactnumber: 'CON-1' } } }),
    );
    await expectIdempotentUpsert(client, rows);
    const stored = await client.getByKey('accounts', rows[3].key, ['name', '_primarycontactid_value']);
    expect(stored).toMatchObject({ name: 'Account 3', _primarycontactid_value: guid(900_001) });
  });

  it('reports exactly the 3 bad rows of 200 with their reasons and writes the other 197', async () => {
    const rows = range(200).map((i) => accountRow(1000 + i));
    rows[11] = accountRow(1011, { name: 'n'.repeat(200) });
    rows[99] = accountRow(
      1099,
      {},
      { primarycontactid: { entitySet: 'contacts', key: { msdynce_contactnumber: 'CON-MISSING' } } },
    );
    rows[150] = accountRow(1150, { creditlimit: 'lots' });
    const outcomes = await client.upsertBatch(rows, { continueOnError: true });
    const failed = outcomes.map((o, i) => [i, o] as const).filter(([, o]) => o.status === 'failed');
    expect(failed.map(([i]) => i)).toEqual([11, 99, 150]);
    for (const [i, outcome] of failed) {
      expect(outcome).toMatchObject({ sourceKey: rows[i].sourceKey, retryable: false });
      expect(outcome.message).toContain(`accountnumber=NEW-0${1000 + i}`);
    }
    expect(failed[0][1]).toMatchObject({ code: '0x80044331', field: 'name' });
    expect(failed[1][1].message).toContain('CON-MISSING');
    expect(failed[2][1].field).toBe('creditlimit');
    expect(outcomes.filter((o) => o.status === 'created')).toHaveLength(197);
    const written = await client.findKeys(
      'accounts',
      'accountnumber',
      rows.map((r) => String(r.key.accountnumber)),
    );
    expect(written.size).toBe(197);
  });

  it('without continue-on-error stops at the first failed row and reports the rest as not executed', async () => {
    const rows = [accountRow(85_000), accountRow(85_001, { name: 'n'.repeat(200) }), accountRow(85_002)];
    const outcomes = await client.upsertBatch(rows, { continueOnError: false });
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'failed', 'failed']);
    expect(outcomes[1]).toMatchObject({ code: '0x80044331', retryable: false });
    expect(outcomes[2]).toMatchObject({ retryable: true });
    expect(outcomes[2].message).toContain('not executed');
    await expect(client.getByKey('accounts', rows[2].key)).resolves.toBeNull();
  });

  it('finds existing keys case-insensitively in chunks, keeping the caller spelling', async () => {
    const wanted = [...range(400).map((i) => accountNumber(i * 3).toLowerCase()), 'NOPE-1', "O'Brien"];
    const found = await client.findKeys('accounts', 'accountnumber', wanted);
    expect(found.size).toBe(400);
    expect(found.has(accountNumber(3).toLowerCase())).toBe(true);
    expect(found.has('NOPE-1')).toBe(false);
    expect(metrics.requests.length).toBeGreaterThan(1);
  });

  it('gets and deletes by key, null/false when the row is missing', async () => {
    await expect(client.getByKey('accounts', { accountnumber: 'NOT-THERE' })).resolves.toBeNull();
    await expect(client.deleteByKey('accounts', { accountnumber: 'NOT-THERE' })).resolves.toBe(false);
    const row = await client.getByKey('accounts', { accountnumber: accountNumber(7) }, ['name']);
    expect(row).toMatchObject({ name: 'Seeded 7', accountid: guid(8) });
  });

  it('rides out a 429 storm honouring Retry-After (the emulator counts no early retry)', async () => {
    const earlyBefore = emulator.stats().earlyRetries;
    emulator.faults.configure({ throttleNext: { count: 2, retryAfterSeconds: 1 } });
    const started = Date.now();
    const page = await client.readPage('accounts', { select: ['accountnumber'], pageSize: 10 });
    const elapsed = Date.now() - started;
    expect(page.rows).toHaveLength(10);
    expect(metrics.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(metrics.throttles.map((t) => t.retryAfterMs)).toEqual([1000, 1000]);
    const waits = metrics.waitsAfter429();
    expect(waits).toHaveLength(2);
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(995);
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(emulator.stats().earlyRetries - earlyBefore).toBe(0);
  });

  it('retries rows whose batch part failed transiently (503) and writes them', async () => {
    const rows = range(5).map((i) => accountRow(70_000 + i));
    emulator.faults.configure({ failNextWrites: { count: 2, status: 503 } });
    const outcomes = await client.upsertBatch(rows, { continueOnError: true });
    expect(outcomes.map((o) => o.status)).toEqual(rows.map(() => 'created'));
    expect(emulator.faults.stats().failedWrites).toBe(2);
    expect(metrics.retries).toBe(1);
    expect(metrics.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('retries an upsert once when its insert lost a race for the key (412)', async () => {
    const rows = range(3).map((i) => accountRow(72_000 + i));
    emulator.faults.configure({ failNextWrites: { count: 1, status: 412 } });
    const outcomes = await client.upsertBatch(rows, { continueOnError: true });
    expect(outcomes.map((o) => o.status)).toEqual(rows.map(() => 'created'));
    expect(metrics.retries).toBe(1);
  });

  it('reports a second 412 for the same row as a conflict, not retried again', async () => {
    const [row] = range(1).map((i) => accountRow(73_000 + i));
    emulator.faults.configure({ failNextWrites: { count: 2, status: 412 } });
    const [outcome] = await client.upsertBatch([row], { continueOnError: true });
    expect(outcome).toMatchObject({ status: 'failed', retryable: false });
    expect(outcome.message).toContain('A record with matching key values already exists');
    expect(emulator.faults.stats().failedWrites).toBe(2);
    expect(metrics.retries).toBe(1);
  });

  it('pauses the target on a 429 inside a batch and retries those rows after the wait', async () => {
    const rows = range(4).map((i) => accountRow(71_000 + i));
    emulator.faults.configure({ failNextWrites: { count: 1, status: 429 } });
    const started = Date.now();
    const outcomes = await client.upsertBatch(rows, { continueOnError: true });
    expect(outcomes.map((o) => o.status)).toEqual(rows.map(() => 'created'));
    // No Retry-After on that part: the Dataverse fallback (2 s for the first retry) applies.
    expect(metrics.throttles.map((t) => t.retryAfterMs)).toEqual([2000]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it('refreshes transparently when the service stops accepting the current token', async () => {
    emulator.faults.configure({ expireTokens: true });
    metrics.onceOnStatus(401, () => emulator.faults.reset());
    const page = await client.readPage('accounts', { select: ['accountnumber'], pageSize: 5 });
    expect(page.rows).toHaveLength(5);
    expect(metrics.requests.map((r) => r.status)).toEqual([401, 200]);
  });

  it('renews short-lived tokens before they expire during a long run, without a single 401', async () => {
    const shortIdentity = await startIdentityServer({ tokenLifetimeSeconds: 3 });
    const shortEmulator = await startDataverseEmulator({ identity: shortIdentity });
    const shortMetrics = new RecordingMetrics();
    const shortClient = new DataverseClient(emulatorConnection(shortEmulator, shortIdentity, SECRET_ENV), {
      metrics: shortMetrics,
    });
    try {
      const started = Date.now();
      while (Date.now() - started < 5000) {
        await shortClient.readPage('accounts', { pageSize: 1 });
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(shortMetrics.requests.length).toBeGreaterThan(10);
      expect(shortMetrics.requests.every((r) => r.status === 200)).toBe(true);
    } finally {
      await shortClient.close();
      await shortEmulator.close();
      await shortIdentity.close();
    }
  });

  it('fails fast with a clear, secret-free message when the secret is wrong', async () => {
    const wrongSecret = 'wrong-secret-value-5521';
    const connection = emulatorConnection(emulator, identity, 'P2C_TEST_DV_WRONG_SECRET');
    process.env.P2C_TEST_DV_WRONG_SECRET = wrongSecret;
    const wrong = new DataverseClient(connection, { metrics });
    try {
      const started = Date.now();
      const err = await wrong.readPage('accounts', { pageSize: 1 }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ retryable: false, kind: 'auth', system: 'sales' });
      const message = (err as ConnectorError).message;
      expect(message).toContain(connection.clientId);
      expect(message).toContain(identity.authority);
      expect(message).toContain('P2C_TEST_DV_WRONG_SECRET');
      for (const text of [message, JSON.stringify(err), JSON.stringify(wrong), String((err as Error).stack)]) {
        expect(text).not.toContain(wrongSecret);
      }
      expect(metrics.requests).toHaveLength(0);
    } finally {
      await wrong.close();
      delete process.env.P2C_TEST_DV_WRONG_SECRET;
    }
  });

  it('rejects bad rows before sending them, naming the row and the problem', async () => {
    const outcomes = await client.upsertBatch(
      [
        { sourceKey: 'bad-1', entitySet: 'accounts', key: { accountnumber: '' }, fields: {} },
        { ...accountRow(80_000), lookups: { primarycontactid: { entitySet: 'contacts', key: {} } } },
        accountRow(80_001),
      ],
      { continueOnError: true },
    );
    expect(outcomes[0]).toMatchObject({ sourceKey: 'bad-1', status: 'failed', code: 'bad-input' });
    expect(outcomes[0].message).toContain("key field 'accountnumber' is empty");
    expect(outcomes[1].message).toContain('lookup primarycontactid: key has no fields');
    expect(outcomes[2].status).toBe('created');
  });

  it('retries a connection reset inline and succeeds', async () => {
    emulator.faults.configure({ dropRate: 1 });
    metrics.onceOnStatus(0, () => emulator.faults.reset());
    const page = await client.readPage('accounts', { select: ['accountnumber'], pageSize: 3 });
    expect(page.rows).toHaveLength(3);
    expect(metrics.requests.map((r) => r.status)).toEqual([0, 200]);
    expect(metrics.retries).toBe(1);
  });

  it('logs requests at debug level without the secret, the token or record data', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logged = new DataverseClient(emulatorConnection(emulator, identity, SECRET_ENV), {
      logger: pino({ level: 'debug' }, sink),
    });
    try {
      emulator.faults.configure({ throttleNext: { count: 1, retryAfterSeconds: 1 } });
      await logged.readPage('accounts', { select: ['accountnumber', 'name'], pageSize: 2 });
      await logged.upsertBatch([accountRow(90_000, { name: 'Private Name' })], { continueOnError: true });
    } finally {
      await logged.close();
    }
    const text = lines.join('');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(text).toContain('throttled by the service');
    expect(text).not.toContain(String(process.env[SECRET_ENV]));
    expect(text).not.toMatch(/Bearer|eyJ/);
    expect(text).not.toContain('Private Name');
    expect(text).not.toContain('SEED-');
  });

  it('rides out a 429 on a whole $batch, waiting Retry-After before sending it again', async () => {
    const earlyBefore = emulator.stats().earlyRetries;
    emulator.faults.configure({ throttleNext: { count: 1, retryAfterSeconds: 1 } });
    const rows = range(20).map((i) => accountRow(95_000 + i));
    const outcomes = await client.upsertBatch(rows, { continueOnError: true });
    expect(outcomes.every((o) => o.status === 'created')).toBe(true);
    expect(metrics.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(metrics.waitsAfter429()[0]).toBeGreaterThanOrEqual(995);
    expect(emulator.stats().earlyRetries - earlyBefore).toBe(0);
  });
});

describe('DataverseClient under service protection', () => {
  jest.setTimeout(60_000);
  const seed = {
    accounts: range(50).map((i) => ({ accountid: guid(i + 1), name: `A ${i}`, accountnumber: `SP-${i}` })),
  };

  it('keeps to a configured request budget so the service never has to throttle', async () => {
    const emulator = await startDataverseEmulator({ seed, serviceProtection: { maxRequests: 20, windowSeconds: 2 } });
    const metrics = new RecordingMetrics();
    const client = new DataverseClient(
      emulatorConnection(emulator, emulator.identity, SECRET_ENV, {
        limits: { requestsPerWindow: 20, windowMs: 2100 },
      }),
      { metrics },
    );
    try {
      const started = Date.now();
      await Promise.all(range(45).map(() => client.readPage('accounts', { select: ['accountnumber'], pageSize: 5 })));
      expect(metrics.requests).toHaveLength(45);
      expect(metrics.requests.every((r) => r.status === 200)).toBe(true);
      expect(emulator.stats().throttled).toBe(0);
      // 45 requests at 20 per 2 s need two full windows.
      expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    } finally {
      await client.close();
      await emulator.close();
    }
  });

  it('hands a Retry-After longer than the inline budget straight back, without waiting', async () => {
    // Its own emulator: the 30 s block it provokes would otherwise count later requests of this app as early.
    const emulator = await startDataverseEmulator({ seed });
    const impatient = new DataverseClient(
      emulatorConnection(emulator, emulator.identity, SECRET_ENV, { maxInlineWaitMs: 5000 }),
    );
    try {
      emulator.faults.configure({ throttleNext: { count: 1, retryAfterSeconds: 30 } });
      const started = Date.now();
      const err = await impatient.readPage('accounts', { pageSize: 1 }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(err).toMatchObject({ retryable: true, status: 429, retryAfterMs: 30_000 });
      expect(JSON.stringify(impatient)).toContain('"pausedForMs"');
    } finally {
      await impatient.close();
      await emulator.close();
    }
  });

  it('halves its concurrency when the service refuses parallel requests, and every call still succeeds', async () => {
    const emulator = await startDataverseEmulator({ seed, serviceProtection: { maxConcurrent: 4 } });
    emulator.faults.configure({ latencyMs: 50 });
    const metrics = new RecordingMetrics();
    const client = new DataverseClient(
      emulatorConnection(emulator, emulator.identity, SECRET_ENV, {
        limits: { maxConcurrency: 16 },
        maxInlineRetries: 6,
      }),
      { metrics },
    );
    const caps: number[] = [];
    metrics.listeners.push(() => caps.push(client.target.limiter.snapshot().concurrencyLimit));
    try {
      const pages = await Promise.all(
        range(60).map(() => client.readPage('accounts', { select: ['accountnumber'], pageSize: 5 })),
      );
      expect(pages.every((p) => p.rows.length === 5)).toBe(true);
      expect(metrics.throttles.length).toBeGreaterThan(0);
      expect(caps[0]).toBe(16);
      expect(Math.min(...caps)).toBeLessThanOrEqual(4);
    } finally {
      await client.close();
      await emulator.close();
    }
  });
});
