import Fastify, { type FastifyInstance } from 'fastify';
import { ServiceProtection, type ThrottleOptions } from '../../../../emulators/common/throttle';

/** A fastify app whose requests carry their client id in a header; the clock is controlled by the test. */
async function harness(options: ThrottleOptions | false) {
  let now = 1_000_000;
  const protection = new ServiceProtection(
    options,
    (limit) => ({ limit }),
    () => now,
  );
  const app: FastifyInstance = Fastify();
  app.addHook('onRequest', async (request, reply) => {
    protection.arrive(request, reply, String(request.headers['x-client'] ?? 'a'));
    protection.admit(request, reply);
  });
  protection.install(app);
  app.get('/work', async (request) => {
    const ms = Number((request.query as { ms?: string }).ms ?? 0);
    now += ms;
    return 'ok';
  });
  await app.ready();
  const call = async (client = 'a', ms = 0) => {
    const response = await app.inject({ method: 'GET', url: `/work?ms=${ms}`, headers: { 'x-client': client } });
    return { status: response.statusCode, retryAfter: response.headers['retry-after'], body: response.body };
  };
  return { protection, app, call, advance: (ms: number) => (now += ms) };
}

describe('service protection', () => {
  it('counts requests in a sliding window per client and says when the oldest one leaves it', async () => {
    const h = await harness({ maxRequests: 3, windowSeconds: 10 });
    await h.call();
    h.advance(4000);
    await h.call();
    await h.call();
    const refused = await h.call();
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({ limit: 'requests' });
    expect(refused.retryAfter).toBe('6');
    expect((await h.call('b')).status).toBe(200);
    h.advance(6000);
    expect((await h.call()).status).toBe(200);
    await h.app.close();
  });

  it('books execution time and refuses once the budget is spent', async () => {
    const h = await harness({ maxExecutionMs: 100, windowSeconds: 60 });
    expect((await h.call('a', 60)).status).toBe(200);
    expect((await h.call('a', 60)).status).toBe(200);
    const refused = await h.call();
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({ limit: 'execution-time' });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    await h.app.close();
  });

  it('lengthens the block for every request sent while blocked and counts them as early retries', async () => {
    const h = await harness({ maxRequests: 1, windowSeconds: 10, penaltySeconds: 2 });
    await h.call();
    const first = await h.call();
    expect(first.retryAfter).toBe('10');
    const second = await h.call();
    expect(second.status).toBe(429);
    expect(second.retryAfter).toBe('12');
    expect(h.protection.stats().earlyRetries).toBe(1);
    h.advance(12_000);
    expect((await h.call()).status).toBe(200);
    expect(h.protection.stats()).toMatchObject({ throttled: 2, earlyRetries: 1, byLimit: { requests: 2 } });
    await h.app.close();
  });

  it('does nothing when disabled, but still remembers 429s sent by others', async () => {
    const h = await harness(false);
    for (let i = 0; i < 20; i += 1) expect((await h.call()).status).toBe(200);
    expect(h.protection.stats()).toMatchObject({ enabled: false, throttled: 0, earlyRetries: 0 });
    await h.app.close();
  });
});
