/** `/metrics` tells operators how long the request window held each connection back. */
import { TargetLimiter } from '../../../connectors/limiter';
import { createMetrics } from '../../../worker/observability';

async function windowWait(metrics: ReturnType<typeof createMetrics>, system: string): Promise<number | undefined> {
  const gauge = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'p2c_limiter_window_wait_seconds');
  return gauge?.values.find((v) => v.labels.system === system)?.value;
}

test('p2c_limiter_window_wait_seconds reports each watched limiter, and grows when its window is spent', async () => {
  const metrics = createMetrics();
  const sales = new TargetLimiter({ maxConcurrency: 4, requestsPerWindow: 1, windowMs: 150 });
  const fno = new TargetLimiter({ maxConcurrency: 4, requestsPerWindow: 100, windowMs: 150 });
  metrics.watchLimiters([
    { system: 'sales', limiter: sales },
    { system: 'fno', limiter: fno },
  ]);
  expect(await windowWait(metrics, 'sales')).toBe(0);

  // The second request waits for the first to leave the one-request window.
  await Promise.all([sales.run(async () => undefined), sales.run(async () => undefined)]);
  await Promise.all([fno.run(async () => undefined), fno.run(async () => undefined)]);
  expect(await windowWait(metrics, 'sales')).toBeGreaterThanOrEqual(0.1);
  expect(await windowWait(metrics, 'fno')).toBe(0);
});
