import { TargetLimiter } from '../../../connectors/limiter';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('TargetLimiter', () => {
  it('never runs more tasks at once than the concurrency cap', async () => {
    const limiter = new TargetLimiter({ maxConcurrency: 3, requestsPerWindow: 1000, windowMs: 1000 });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limiter.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('holds every request back until Retry-After has passed, then resumes', async () => {
    const limiter = new TargetLimiter({ maxConcurrency: 4 });
    limiter.throttled(300);
    const started = Date.now();
    const times = await Promise.all([1, 2, 3].map(() => limiter.run(async () => Date.now() - started)));
    for (const t of times) expect(t).toBeGreaterThanOrEqual(295);
  });

  it('halves the concurrency cap on 429 and adds one back per `increaseEvery` successes', () => {
    const limiter = new TargetLimiter({ maxConcurrency: 40, minConcurrency: 2, increaseEvery: 5 });
    limiter.throttled(0);
    expect(limiter.snapshot().concurrencyLimit).toBe(20);
    limiter.throttled(0);
    limiter.throttled(0);
    limiter.throttled(0);
    limiter.throttled(0);
    expect(limiter.snapshot().concurrencyLimit).toBe(2);
    for (let i = 0; i < 4; i += 1) limiter.succeeded();
    expect(limiter.snapshot().concurrencyLimit).toBe(2);
    limiter.succeeded();
    expect(limiter.snapshot().concurrencyLimit).toBe(3);
    for (let i = 0; i < 1000; i += 1) limiter.succeeded();
    expect(limiter.snapshot().concurrencyLimit).toBe(40);
  });

  it('keeps to the request budget of a sliding window', async () => {
    const limiter = new TargetLimiter({ maxConcurrency: 10, requestsPerWindow: 5, windowMs: 200 });
    const started = Date.now();
    const times = await Promise.all(Array.from({ length: 12 }, () => limiter.run(async () => Date.now() - started)));
    times.sort((a, b) => a - b);
    expect(times.slice(0, 5).every((t) => t < 100)).toBe(true);
    expect(times.slice(5, 10).every((t) => t >= 195)).toBe(true);
    expect(times.slice(10).every((t) => t >= 395)).toBe(true);
  });

  it('frees the slot when a task throws', async () => {
    const limiter = new TargetLimiter({ maxConcurrency: 1 });
    await expect(limiter.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    const gate = deferred();
    const second = limiter.run(() => gate.promise.then(() => 'ok'));
    expect(limiter.snapshot().inFlight).toBe(1);
    gate.resolve();
    await expect(second).resolves.toBe('ok');
    expect(limiter.snapshot().inFlight).toBe(0);
  });

  it('counts the time requests waited because the window was spent, and only that', async () => {
    const limiter = new TargetLimiter({ maxConcurrency: 10, requestsPerWindow: 2, windowMs: 200 });
    // Two requests fit the window; the third waits until the first leaves it, about 200 ms later.
    await Promise.all([limiter.run(async () => undefined), limiter.run(async () => undefined)]);
    expect(limiter.snapshot().windowBlockedMs).toBe(0);
    const started = Date.now();
    await limiter.run(async () => undefined);
    const waited = Date.now() - started;
    const blocked = limiter.snapshot().windowBlockedMs;
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(blocked).toBeGreaterThanOrEqual(150);
    expect(blocked).toBeLessThanOrEqual(waited + 5);

    // A Retry-After pause is not the window's doing.
    const paused = new TargetLimiter({ maxConcurrency: 4 });
    paused.throttled(100);
    await paused.run(async () => undefined);
    expect(paused.snapshot().windowBlockedMs).toBe(0);
  });

  it('defaults to just under the Dataverse service-protection limits', () => {
    const snapshot = new TargetLimiter().snapshot();
    expect(snapshot.concurrencyLimit).toBeLessThan(52);
    expect(snapshot.concurrencyLimit).toBeGreaterThanOrEqual(40);
  });
});
