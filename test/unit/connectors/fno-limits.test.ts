import { DATAVERSE_LIMITS, FNO_LIMITS, TargetLimiter } from '../../../connectors/limiter';

/** Requests beyond what the published 6,000-per-5-minutes user window allows. */
const BEYOND_A_USER_WINDOW = 7000;

describe('default target limits', () => {
  it('F&O: no request window (it throttles by load with 429s), so a long sync is never held back by one', async () => {
    const limiter = new TargetLimiter({}, FNO_LIMITS);
    for (let i = 0; i < BEYOND_A_USER_WINDOW; i += FNO_LIMITS.maxConcurrency) {
      await Promise.all(Array.from({ length: FNO_LIMITS.maxConcurrency }, () => limiter.run(async () => undefined)));
    }
    const snapshot = limiter.snapshot();
    expect(snapshot.sentInWindow).toBeGreaterThanOrEqual(BEYOND_A_USER_WINDOW);
    expect(snapshot.queued).toBe(0);
    expect(snapshot.pausedForMs).toBe(0);
  });

  it('Dataverse: stays under its service protection window of 6,000 requests per 5 minutes', () => {
    expect(DATAVERSE_LIMITS.requestsPerWindow).toBeLessThan(6000);
    expect(DATAVERSE_LIMITS.windowMs).toBe(300_000);
    expect(DATAVERSE_LIMITS.maxConcurrency).toBeLessThanOrEqual(52);
  });
});
