import { serializeBatchRequest } from '../../../../emulators/common/batch';
import { DEFAULT_THROTTLE_OPTIONS } from '../../../../emulators/common/throttle';
import { ACCOUNT_ID, baseSeed, startHarness, type Harness } from './helpers';

// Each test starts its own emulator; a loaded CI machine can take seconds for that alone.
jest.setTimeout(30_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Dataverse emulator: service protection', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.emu.close();
    h = undefined;
  });

  const read = (harness: Harness) => harness.fetchApi(`accounts(${ACCOUNT_ID})?$select=name`);
  const errorOf = async (response: Response) =>
    ((await response.json()) as { error: { code: string; message: string } }).error;

  it('checklist 33: defaults are 6000 requests / 1,200,000 ms / 52 concurrent over 300 s, off unless asked', async () => {
    expect(DEFAULT_THROTTLE_OPTIONS).toMatchObject({
      maxRequests: 6000,
      maxExecutionMs: 1_200_000,
      maxConcurrent: 52,
      windowSeconds: 300,
    });
    h = await startHarness({ seed: baseSeed() });
    expect(h.emu.throttle.enabled).toBe(false);
  });

  it('checklist 33: exceeding the request count → 429, integer Retry-After, 0x80072322 and its message', async () => {
    h = await startHarness({ seed: baseSeed(), serviceProtection: { maxRequests: 3 } });
    for (let i = 0; i < 3; i += 1) expect((await read(h)).status).toBe(200);
    const refused = await read(h);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await errorOf(refused)).toEqual({
      code: '0x80072322',
      message: 'Number of requests exceeded the limit of 3 over time window of 300 seconds.',
    });
  });

  it('checklist 33: exceeding the execution-time budget → 429 with 0x80072321', async () => {
    // Wide margins: one request (600 ms) stays under the budget even on a slow machine, two exceed it.
    h = await startHarness({ seed: baseSeed(), serviceProtection: { maxExecutionMs: 1000 } });
    h.emu.faults.configure({ latencyMs: 600 });
    expect((await read(h)).status).toBe(200);
    expect((await read(h)).status).toBe(200);
    const refused = await read(h);
    expect(refused.status).toBe(429);
    const error = await errorOf(refused);
    expect(error.code).toBe('0x80072321');
    expect(error.message).toMatch(/^Combined execution time of incoming requests exceeded limit of 1,000 milliseconds/);
  });

  it('checklist 33/34: the concurrency limit trips on the 53rd simultaneous request with 0x80072326', async () => {
    h = await startHarness({ seed: baseSeed(), serviceProtection: {} });
    // Long enough that all 53 requests are in flight together even on a loaded machine.
    h.emu.faults.configure({ latencyMs: 5000 });
    const harness = h;
    const responses = await Promise.all(Array.from({ length: 53 }, () => read(harness)));
    const refused = responses.filter((r) => r.status === 429);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(52);
    expect(refused).toHaveLength(1);
    expect(await errorOf(refused[0])).toEqual({
      code: '0x80072326',
      message: 'Number of concurrent requests exceeded the limit of 52.',
    });
    // The refusal is logged, but it does not block the client: its next request is not an early retry.
    h.emu.faults.reset();
    expect((await read(h)).status).toBe(200);
    expect(h.emu.throttle.records().map((r) => r.limit)).toEqual(['concurrency']);
    expect(h.emu.stats().earlyRetries).toBe(0);
  });

  it('a request its client abandons mid-way frees its concurrency slot, as a real service does once its work ends', async () => {
    h = await startHarness({ seed: baseSeed(), serviceProtection: { maxConcurrent: 1 } });
    h.emu.faults.configure({ latencyMs: 300 });
    // The client goes away while the server still works on its request (a worker killed mid-request).
    const gone = new AbortController();
    const abandoned = h.fetchApi(`accounts(${ACCOUNT_ID})?$select=name`, { signal: gone.signal });
    await sleep(100);
    gone.abort();
    await expect(abandoned).rejects.toThrow(/abort/i);
    await sleep(400);
    h.emu.faults.reset();
    // Were the slot still held, this request would be the second in flight and refused.
    expect((await read(h)).status).toBe(200);
    expect(h.emu.throttle.stats().byLimit.concurrency).toBe(0);
  });

  it('checklist 34: a $batch counts as one request toward the request limit', async () => {
    h = await startHarness({ seed: baseSeed(), serviceProtection: { maxRequests: 2 } });
    const batch = serializeBatchRequest(
      Array.from({ length: 5 }, () => ({
        kind: 'request' as const,
        request: { method: 'GET', url: `/api/data/v9.2/accounts(${ACCOUNT_ID})`, headers: {}, body: '' },
      })),
    );
    const response = await h.fetchApi('$batch', {
      method: 'POST',
      body: batch.body,
      headers: { 'content-type': batch.contentType },
    });
    expect(response.status).toBe(200);
    expect((await read(h)).status).toBe(200);
    expect((await read(h)).status).toBe(429);
  });

  it('checklist 35: requests sent while blocked are refused and extend Retry-After; after waiting they succeed', async () => {
    h = await startHarness({
      seed: baseSeed(),
      serviceProtection: { maxRequests: 1, windowSeconds: 2, penaltySeconds: 1 },
    });
    expect((await read(h)).status).toBe(200);
    const first = await read(h);
    expect(first.status).toBe(429);
    const firstWait = Number(first.headers.get('retry-after'));
    const second = await read(h);
    expect(second.status).toBe(429);
    const secondWait = Number(second.headers.get('retry-after'));
    expect(secondWait).toBeGreaterThan(firstWait);
    expect(h.emu.stats().earlyRetries).toBe(1);
    await sleep(secondWait * 1000 + 50);
    expect((await read(h)).status).toBe(200);
    expect(h.emu.stats()).toMatchObject({ throttled: 2, earlyRetries: 1 });
  });

  it('checklist 36: a fault hook forces the next N responses to 429 with a chosen Retry-After (dynamics-web-api sees it)', async () => {
    h = await startHarness({ seed: baseSeed() });
    const admin = await fetch(`${h.emu.url}/_admin/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ throttleNext: { count: 2, retryAfterSeconds: 7 } }),
    });
    expect(admin.status).toBe(200);
    for (let i = 0; i < 2; i += 1) {
      await expect(h.api.retrieve({ collection: 'accounts', key: ACCOUNT_ID, select: ['name'] })).rejects.toMatchObject(
        {
          status: 429,
          headers: expect.objectContaining({ 'retry-after': '7' }),
        },
      );
    }
    const row = await h.api.retrieve({ collection: 'accounts', key: ACCOUNT_ID, select: ['name'] });
    expect(row.name).toBe('Northwind Traders');
    // Both retries came immediately, well before the 7 s the server asked for.
    const stats = (await (await fetch(`${h.emu.url}/_admin/stats`)).json()) as Record<string, any>;
    expect(stats.faults.throttled).toBe(2);
    expect(stats.earlyRetries).toBe(2);
    const invalid = await fetch(`${h.emu.url}/_admin/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 2 }),
    });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(await invalid.json())).toMatch(/errorRate/);
  });

  it('switches service protection on and off at run time through the admin route, refusing bad options', async () => {
    h = await startHarness({ seed: baseSeed() });
    const put = (body: unknown) =>
      fetch(`${h!.emu.url}/_admin/throttle`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await put({ maxRequests: 'many' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/maxRequests/);
    expect((await put({ maxRequests: 1 })).status).toBe(200);
    expect((await read(h)).status).toBe(200);
    expect((await read(h)).status).toBe(429);
    expect((await put(null)).status).toBe(200);
    expect(h.emu.throttle.enabled).toBe(false);
    expect((await read(h)).status).toBe(200);
  });

  it('injects 503s, latency and failing writes by key', async () => {
    h = await startHarness({ seed: baseSeed() });
    h.emu.faults.configure({ errorRate: 1, errorStatus: 503 });
    const unavailable = await read(h);
    expect(unavailable.status).toBe(503);
    expect((await errorOf(unavailable)).code).toBe('0x80040265');
    h.emu.faults.configure({ failWritesForKeys: ['ACC-FAIL'] });
    const failing = await h.fetchApi("accounts(accountnumber='ACC-FAIL')", { method: 'PATCH', body: '{"name":"x"}' });
    expect(failing.status).toBe(400);
    expect((await errorOf(failing)).message).toMatch(/ACC-FAIL/);
    const fine = await h.fetchApi("accounts(accountnumber='ACC-OK')", { method: 'PATCH', body: '{"name":"x"}' });
    expect(fine.status).toBe(204);
    expect(h.emu.faults.stats()).toMatchObject({ serverErrors: 1, failedWrites: 1 });
    h.emu.faults.configure({ dropRate: 1 });
    await expect(read(h)).rejects.toThrow();
    h.emu.faults.configure({ failNextWrites: { count: 1, status: 503 } });
    const transient = await h.fetchApi("accounts(accountnumber='ACC-OK')", { method: 'PATCH', body: '{"name":"y"}' });
    expect(transient.status).toBe(503);
    expect(
      (await h.fetchApi("accounts(accountnumber='ACC-OK')", { method: 'PATCH', body: '{"name":"y"}' })).status,
    ).toBe(204);
    expect(h.emu.faults.stats()).toMatchObject({ dropped: 1, failedWrites: 2 });
  });
});
