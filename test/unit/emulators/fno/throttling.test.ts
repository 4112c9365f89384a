import { HIGH_UTILISATION_MESSAGE } from '../../../../emulators/fno/errors';
import { errorOf, startHarness, type FnoHarness } from './helpers';

/** Checklist item 45: resource-based throttling, the optional user-based limits, and injection. */
describe('F&O throttling', () => {
  let h: FnoHarness;
  afterEach(() => h.close());

  test('resource mode: an injected utilisation spike answers 429, Retry-After and the high-utilisation message', async () => {
    h = await startHarness({ throttling: { resource: { retryAfterSeconds: 7 } } });
    expect((await h.api('CustomersV3')).status).toBe(200);
    const admin = await fetch(`${h.emu.url}/_admin/throttling`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ overloadSeconds: 30 }),
    });
    expect(admin.status).toBe(200);
    const throttled = await h.api('CustomersV3');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    expect((await errorOf(throttled)).message).toBe(HIGH_UTILISATION_MESSAGE);
    expect(h.emu.stats().throttling.resource.throttled).toBe(1);
    await fetch(`${h.emu.url}/_admin/throttling`, { method: 'DELETE' });
    expect((await h.api('CustomersV3')).status).toBe(200);
  });

  test('resource mode: more requests per second than the server takes are refused with the configured Retry-After', async () => {
    h = await startHarness({ throttling: { resource: { maxRequestsPerSecond: 3, retryAfterSeconds: 4 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await h.api('CustomersV3?$top=1')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const response = await h.api('CustomersV3?$top=1');
    expect(response.headers.get('retry-after')).toBe('4');
  });

  test('resource mode: too many requests in flight trips the concurrency threshold', async () => {
    h = await startHarness({ throttling: { resource: { maxConcurrent: 2 } } });
    h.emu.faults.configure({ latencyMs: 150 });
    const statuses = await Promise.all(
      Array.from({ length: 4 }, async () => (await h.api('CustomersV3?$top=1')).status),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
  });

  test('a request its client abandons mid-way frees its slot, in resource and user-based mode alike', async () => {
    h = await startHarness({ throttling: { resource: { maxConcurrent: 1 }, user: { maxConcurrent: 1 } } });
    h.emu.faults.configure({ latencyMs: 300 });
    // The client goes away while the server still works on its request (a worker killed mid-request).
    const gone = new AbortController();
    const abandoned = h.api('CustomersV3?$top=1', { signal: gone.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    gone.abort();
    await expect(abandoned).rejects.toThrow(/abort/i);
    await new Promise((resolve) => setTimeout(resolve, 400));
    h.emu.faults.reset();
    // Were either slot still held, this request would count as the second in flight and be refused.
    expect((await h.api('CustomersV3?$top=1')).status).toBe(200);
    expect(h.emu.stats().throttling.resource.throttled).toBe(0);
  });

  test('user mode (opt-in): the per-user request limit answers with its own message; a $batch counts once', async () => {
    h = await startHarness({ throttling: { resource: false, user: { maxRequests: 3, windowSeconds: 300 } } });
    const batch = await h.batch([
      { kind: 'request', request: { method: 'GET', url: 'CustomersV3?$top=1', headers: {}, body: '' } },
      { kind: 'request', request: { method: 'GET', url: 'CustomersV3?$top=1', headers: {}, body: '' } },
      { kind: 'request', request: { method: 'GET', url: 'CustomersV3?$top=1', headers: {}, body: '' } },
    ]);
    expect(batch.status).toBe(200);
    expect((await h.api('CustomersV3')).status).toBe(200);
    expect((await h.api('CustomersV3')).status).toBe(200);
    const refused = await h.api('CustomersV3');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await errorOf(refused)).message).toBe(
      'Number of requests exeeded the limit of 3 over the time window of 300 seconds.',
    );
  });

  test('user mode is off by default and the limits can be switched at run time', async () => {
    h = await startHarness();
    expect(h.emu.stats().throttling.user.enabled).toBe(false);
    await fetch(`${h.emu.url}/_admin/throttling`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ throttling: { user: { maxConcurrent: 1 } } }),
    });
    expect(h.emu.stats().throttling.user.enabled).toBe(true);
    h.emu.faults.configure({ latencyMs: 100 });
    const statuses = await Promise.all([h.api('CustomersV3'), h.api('CustomersV3')].map(async (p) => (await p).status));
    expect(statuses.sort()).toEqual([200, 429]);
  });

  test('fault injection: throttleNext forces 429s with the chosen Retry-After, then service resumes', async () => {
    h = await startHarness();
    h.emu.faults.configure({ throttleNext: { count: 2, retryAfterSeconds: 3 } });
    const first = await h.api('CustomersV3');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect((await errorOf(first)).message).toBe(HIGH_UTILISATION_MESSAGE);
    expect((await h.api('CustomersV3')).status).toBe(429);
    expect((await h.api('CustomersV3')).status).toBe(200);
    // The client came straight back both times without waiting the Retry-After.
    expect(h.emu.stats().throttling.user.earlyRetries).toBe(2);
  });
});
