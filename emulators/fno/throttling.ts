/**
 * F&O service protection (spec/wire-protocols.md §2.10). Resource-based throttling is the one real environments
 * apply: when the web server is busy every caller gets 429 with Retry-After and the high-utilisation message.
 * The emulator models "busy" as too many requests in flight or per second, plus an injectable overload window.
 * The retired user-based limits (6000 requests / 1200 s execution / 52 concurrent per 5 minutes) are an opt-in
 * switch that reuses the shared per-client limiter.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ServiceProtection,
  whenAbandoned,
  type ThrottleLimit,
  type ThrottleOptions,
  type ThrottleStats,
} from '../common/throttle';
import { HIGH_UTILISATION_MESSAGE } from './errors';

export interface ResourceThrottleOptions {
  /** Requests being processed at once above which the server counts as overloaded. */
  maxConcurrent?: number;
  /** Requests accepted per rolling second (all clients together); unlimited when absent. */
  maxRequestsPerSecond?: number;
  retryAfterSeconds?: number;
}

export interface FnoThrottlingOptions {
  resource?: ResourceThrottleOptions | false;
  /** User-based limits; off unless given (Microsoft removed them in 10.0.36). */
  user?: ThrottleOptions | false;
}

export const DEFAULT_RESOURCE_THROTTLING: Required<Omit<ResourceThrottleOptions, 'maxRequestsPerSecond'>> = {
  maxConcurrent: 200,
  retryAfterSeconds: 5,
};

export interface FnoThrottleStats {
  resource: { enabled: boolean; throttled: number; overloadedUntil: number | null };
  user: ThrottleStats;
}

const USER_MESSAGES: Record<ThrottleLimit, (limits: Required<ThrottleOptions>) => string> = {
  // The misspelling is F&O's own text.
  requests: (l) =>
    `Number of requests exeeded the limit of ${l.maxRequests} over the time window of ${l.windowSeconds} seconds.`,
  'execution-time': (l) =>
    `Combined execution time of incoming requests exceeded limit of ${l.maxExecutionMs / 1000} seconds over the time window of ${l.windowSeconds} seconds.`,
  concurrency: (l) => `Number of concurrent requests exceeded the limit of ${l.maxConcurrent}.`,
};

export const throttleBody = (message: string) => ({ error: { code: '', message } });

export class FnoServiceProtection {
  private resource: (ResourceThrottleOptions & typeof DEFAULT_RESOURCE_THROTTLING) | undefined;
  private readonly user: ServiceProtection;
  private inFlight = 0;
  private recent: number[] = [];
  private overloadedUntil = 0;
  private resourceThrottled = 0;
  private readonly admitted = new WeakSet<FastifyRequest>();

  constructor(
    options: FnoThrottlingOptions | false | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.user = new ServiceProtection(undefined, (limit, limits) => throttleBody(USER_MESSAGES[limit](limits)), now);
    this.configure(options);
  }

  configure(options: FnoThrottlingOptions | false | undefined): void {
    const resource = options === false ? false : (options?.resource ?? {});
    this.resource = resource === false ? undefined : { ...DEFAULT_RESOURCE_THROTTLING, ...resource };
    this.user.configure(options === false ? false : (options?.user ?? false));
  }

  /** Makes the server answer 429 to everyone for the given time, as during a real utilisation spike. */
  overload(seconds: number): void {
    this.overloadedUntil = this.now() + seconds * 1000;
  }

  reset(): void {
    this.overloadedUntil = 0;
    this.recent = [];
    this.resourceThrottled = 0;
    this.user.reset();
  }

  /** Admission for an authenticated top-level request; answers 429 itself and returns false when refused. */
  admit(request: FastifyRequest, reply: FastifyReply, clientId: string): boolean {
    this.user.arrive(request, reply, clientId);
    const now = this.now();
    const resource = this.resource;
    if (resource) {
      while (this.recent.length && this.recent[0] <= now - 1000) this.recent.shift();
      const overloaded =
        this.overloadedUntil > now ||
        this.inFlight >= resource.maxConcurrent ||
        (resource.maxRequestsPerSecond !== undefined && this.recent.length >= resource.maxRequestsPerSecond);
      if (overloaded) {
        const remaining = Math.ceil((this.overloadedUntil - now) / 1000);
        const retryAfter = Math.max(resource.retryAfterSeconds, remaining);
        this.resourceThrottled += 1;
        reply
          .code(429)
          .header('retry-after', String(retryAfter))
          .header('content-type', 'application/json; odata.metadata=minimal')
          .send(throttleBody(HIGH_UTILISATION_MESSAGE));
        return false;
      }
    }
    if (!this.user.admit(request, reply)) return false;
    this.recent.push(now);
    this.inFlight += 1;
    this.admitted.add(request);
    whenAbandoned(reply, () => this.complete(request, reply));
    return true;
  }

  /** onResponse, or the connection closing first (see whenAbandoned): releases the request's slots once. */
  complete(request: FastifyRequest, reply: FastifyReply): void {
    if (this.admitted.delete(request)) this.inFlight = Math.max(0, this.inFlight - 1);
    this.user.complete(request, reply);
  }

  stats(): FnoThrottleStats {
    return {
      resource: {
        enabled: this.resource !== undefined,
        throttled: this.resourceThrottled,
        overloadedUntil: this.overloadedUntil > this.now() ? this.overloadedUntil : null,
      },
      user: this.user.stats(),
    };
  }
}
