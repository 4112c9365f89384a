import { z } from 'zod';

/**
 * Per-target admission control: a concurrency cap that halves on every 429 and creeps back up on success (AIMD),
 * a sliding-window request budget, and a hard pause while a server-sent Retry-After is running. Every request a
 * connector sends passes through `run`, so a 429 seen by one call holds back all calls to the same target.
 */

export const limiterOptionsSchema = z
  .object({
    maxConcurrency: z.number().int().min(1).optional(),
    minConcurrency: z.number().int().min(1).optional(),
    requestsPerWindow: z.number().int().min(1).optional(),
    windowMs: z.number().int().min(1).optional(),
    /** Successful requests needed to raise the concurrency cap by one after it was cut. */
    increaseEvery: z.number().int().min(1).optional(),
  })
  .strict();

export type LimiterOptions = z.infer<typeof limiterOptionsSchema>;

const SERVICE_PROTECTION_WINDOW_MS = 300_000;
// Stay a little under the published per-user limits so other callers of the same app user keep some room.
const LIMIT_MARGIN = 0.9;

/** Dataverse service protection: 52 concurrent and 6000 requests per user per 300 s (wire-protocols §1.12). */
export const DATAVERSE_LIMITS: Required<LimiterOptions> = {
  maxConcurrency: 48,
  minConcurrency: 1,
  requestsPerWindow: Math.floor(6000 * LIMIT_MARGIN),
  windowMs: SERVICE_PROTECTION_WINDOW_MS,
  increaseEvery: 10,
};

/**
 * F&O throttles by server load (§2.10): a 429 with Retry-After, which pauses the target and halves the concurrency
 * cap. Its per-user request window was removed (10.0.36), so none is imposed by default: one at 6,000 per 5 minutes
 * held a sync of 10,000 accounts to 18 requests a second. A project can still set `limits` on its connection.
 */
export const FNO_LIMITS: Required<LimiterOptions> = {
  maxConcurrency: 32,
  minConcurrency: 1,
  requestsPerWindow: Number.POSITIVE_INFINITY,
  windowMs: SERVICE_PROTECTION_WINDOW_MS,
  increaseEvery: 10,
};

export interface LimiterSnapshot {
  concurrencyLimit: number;
  inFlight: number;
  queued: number;
  pausedForMs: number;
  sentInWindow: number;
  /** Time so far during which requests were queued only because the window's budget was spent. */
  windowBlockedMs: number;
}

interface Waiter {
  resolve: () => void;
}

export class TargetLimiter {
  private readonly options: Required<LimiterOptions>;
  private limit: number;
  private successesSinceIncrease = 0;
  private inFlight = 0;
  private pausedUntil = 0;
  /**
   * Completion times of recent requests. A request counts against the window from the moment it is sent; once
   * done it is dated by its completion, never earlier than the service saw it arrive, so our window never
   * reopens before the service's does.
   */
  private readonly sent: number[] = [];
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private windowBlockedMs = 0;
  private windowBlockedSince: number | undefined;

  constructor(options: LimiterOptions = {}, defaults: Required<LimiterOptions> = DATAVERSE_LIMITS) {
    const merged = { ...defaults, ...stripUndefined(options) };
    if (merged.minConcurrency > merged.maxConcurrency) merged.minConcurrency = merged.maxConcurrency;
    this.options = merged;
    this.limit = merged.maxConcurrency;
  }

  /** Runs `task` once a slot is free, the window has room and no Retry-After is pending. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.inFlight -= 1;
      this.sent.push(Date.now());
      this.pump();
    }
  }

  /** A 429 arrived: nothing more is sent before `retryAfterMs` has passed, and the cap is halved. */
  throttled(retryAfterMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + Math.max(0, retryAfterMs));
    this.limit = Math.max(this.options.minConcurrency, Math.floor(this.limit / 2));
    this.successesSinceIncrease = 0;
    this.pump();
  }

  succeeded(): void {
    if (this.limit >= this.options.maxConcurrency) return;
    this.successesSinceIncrease += 1;
    if (this.successesSinceIncrease >= this.options.increaseEvery) {
      this.successesSinceIncrease = 0;
      this.limit += 1;
      this.pump();
    }
  }

  snapshot(): LimiterSnapshot {
    const now = Date.now();
    this.expire(now);
    return {
      concurrencyLimit: this.limit,
      inFlight: this.inFlight,
      queued: this.queue.length,
      pausedForMs: Math.max(0, this.pausedUntil - now),
      sentInWindow: this.sent.length + this.inFlight,
      windowBlockedMs:
        this.windowBlockedMs + (this.windowBlockedSince === undefined ? 0 : now - this.windowBlockedSince),
    };
  }

  private acquire(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.queue.push({ resolve });
      this.pump();
    });
  }

  private expire(now: number): void {
    const horizon = now - this.options.windowMs;
    let drop = 0;
    while (drop < this.sent.length && this.sent[drop] <= horizon) drop += 1;
    if (drop) this.sent.splice(0, drop);
  }

  private pump(): void {
    const now = Date.now();
    this.expire(now);
    while (this.queue.length > 0) {
      if (now < this.pausedUntil) return this.wake(this.pausedUntil - now);
      if (this.inFlight >= this.limit) return;
      if (this.inFlight + this.sent.length >= this.options.requestsPerWindow) {
        this.windowBlockedSince ??= now;
        // All of the budget in flight: the next completion pumps again.
        return this.sent.length > 0 ? this.wake(this.sent[0] + this.options.windowMs - now + 1) : undefined;
      }
      if (this.windowBlockedSince !== undefined) {
        this.windowBlockedMs += now - this.windowBlockedSince;
        this.windowBlockedSince = undefined;
      }
      const waiter = this.queue.shift() as Waiter;
      this.inFlight += 1;
      waiter.resolve();
    }
  }

  private wake(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(delayMs)),
    );
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
