import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * Service protection per client id (spec/wire-protocols.md §1.12): a sliding-window request count, a
 * sliding-window execution-time budget and a concurrent-request cap. The first two are evaluated lazily (a
 * client may overshoot before it is stopped), the third at once. Requests sent while blocked are refused and
 * push the block further out. Every 429 (also fault-injected ones) is remembered with its Retry-After so a
 * test or benchmark can count clients that came back early.
 */

export interface ThrottleOptions {
  windowSeconds?: number;
  maxRequests?: number;
  maxExecutionMs?: number;
  maxConcurrent?: number;
  /** Retry-After given when the concurrency cap trips (the wait is short: one request just has to finish). */
  concurrencyRetryAfterSeconds?: number;
  /** Added to a client's block for each request it sends while blocked. */
  penaltySeconds?: number;
  /** Slack for timer granularity when judging whether a client retried before its Retry-After. */
  earlyRetryToleranceMs?: number;
}

export type ThrottleLimit = 'requests' | 'execution-time' | 'concurrency';

const positive = z.number().int().positive();
/** Validates options arriving over an admin route. */
export const throttleOptionsSchema = z
  .object({
    windowSeconds: positive.optional(),
    maxRequests: positive.optional(),
    maxExecutionMs: positive.optional(),
    maxConcurrent: positive.optional(),
    concurrencyRetryAfterSeconds: positive.optional(),
    penaltySeconds: z.number().int().min(0).optional(),
    earlyRetryToleranceMs: z.number().int().min(0).optional(),
  })
  .strict() satisfies z.ZodType<ThrottleOptions>;

export const DEFAULT_THROTTLE_OPTIONS: Required<ThrottleOptions> = Object.freeze({
  windowSeconds: 300,
  maxRequests: 6000,
  maxExecutionMs: 1_200_000,
  maxConcurrent: 52,
  concurrencyRetryAfterSeconds: 1,
  penaltySeconds: 1,
  earlyRetryToleranceMs: 25,
});

export type RenderThrottle = (limit: ThrottleLimit, limits: Required<ThrottleOptions>) => unknown;

export interface ThrottleRecord {
  clientId: string;
  limit: ThrottleLimit | 'injected';
  at: number;
  retryAfterSeconds: number;
  nextRequestAt?: number;
}

export interface ThrottleStats {
  enabled: boolean;
  throttled: number;
  byLimit: Record<ThrottleLimit, number>;
  /** Blocking 429s (this limiter's request/time limits or fault injection) whose Retry-After was not honoured. */
  earlyRetries: number;
  retryAfterLog: number;
}

interface ClientState {
  requests: number[];
  executions: Array<{ at: number; ms: number }>;
  executionTotal: number;
  inFlight: number;
  blockedUntil: number;
  blockedBy?: ThrottleLimit;
  /** The latest 429 sent to this client that no later request has answered yet. */
  pendingRecord?: ThrottleRecord;
}

interface RequestTracking {
  clientId: string;
  startedAt: number;
  admitted: boolean;
  refusedBy?: ThrottleLimit;
  /** Set once the request's slot was released, so a response and a closed connection never both release it. */
  completed?: boolean;
}

const TRACKING = Symbol('p2c-throttle');

/**
 * Calls `release` once if the request's connection closes before its response was sent, as when the client
 * process dies mid-request. Fastify runs no onResponse hook then, and a concurrency slot held by such a request
 * would never be freed: a few killed clients would leave every later request refused. A real service frees the
 * slot when its work on the request ends; here it is freed when the connection closes, at most that work's
 * duration earlier.
 */
export function whenAbandoned(reply: FastifyReply, release: () => void): void {
  if (reply.raw.destroyed) {
    release();
    return;
  }
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) release();
  });
}
const MAX_LOG = 50_000;

type TrackedRequest = FastifyRequest & { [TRACKING]?: RequestTracking };

export class ServiceProtection {
  private limits: Required<ThrottleOptions> | undefined;
  private clients = new Map<string, ClientState>();
  private log: ThrottleRecord[] = [];
  private early = 0;
  private counts: Record<ThrottleLimit, number> = { requests: 0, 'execution-time': 0, concurrency: 0 };

  constructor(
    options: ThrottleOptions | false | undefined,
    private readonly render: RenderThrottle,
    private readonly now: () => number = Date.now,
  ) {
    this.configure(options);
  }

  /** `false`/`undefined` disables the limits; early-retry accounting stays on either way. */
  configure(options: ThrottleOptions | false | undefined): void {
    this.limits = options ? { ...DEFAULT_THROTTLE_OPTIONS, ...options } : undefined;
    this.clients.clear();
  }

  /** The active limits, or the defaults when protection is off (for messages of injected 429s). */
  limitsOrDefault(): Required<ThrottleOptions> {
    return this.limits ?? DEFAULT_THROTTLE_OPTIONS;
  }

  get enabled(): boolean {
    return this.limits !== undefined;
  }

  reset(): void {
    this.clients.clear();
    this.log = [];
    this.early = 0;
    this.counts = { requests: 0, 'execution-time': 0, concurrency: 0 };
  }

  private state(clientId: string): ClientState {
    let state = this.clients.get(clientId);
    if (!state) {
      state = { requests: [], executions: [], executionTotal: 0, inFlight: 0, blockedUntil: 0 };
      this.clients.set(clientId, state);
    }
    return state;
  }

  private prune(state: ClientState, now: number, windowMs: number): void {
    const cutoff = now - windowMs;
    let drop = 0;
    while (drop < state.requests.length && state.requests[drop] <= cutoff) drop += 1;
    if (drop) state.requests.splice(0, drop);
    drop = 0;
    while (drop < state.executions.length && state.executions[drop].at <= cutoff) {
      state.executionTotal -= state.executions[drop].ms;
      drop += 1;
    }
    if (drop) state.executions.splice(0, drop);
  }

  /**
   * Called for every authenticated request as it arrives: closes out the client's last 429 (was it honoured?),
   * counts the request as in flight and starts the execution-time clock. Batch parts are not passed here: a batch counts once.
   * A request abandoned by its client is completed when its connection closes.
   */
  arrive(request: FastifyRequest, reply: FastifyReply, clientId: string): void {
    const now = this.now();
    (request as TrackedRequest)[TRACKING] = { clientId, startedAt: now, admitted: false };
    const state = this.state(clientId);
    // In flight from arrival: time spent in slow hooks (injected latency) is time the server is busy.
    state.inFlight += 1;
    const pending = state.pendingRecord;
    if (pending) {
      pending.nextRequestAt = now;
      state.pendingRecord = undefined;
      const tolerance = (this.limits ?? DEFAULT_THROTTLE_OPTIONS).earlyRetryToleranceMs;
      if (now + tolerance < pending.at + pending.retryAfterSeconds * 1000) this.early += 1;
    }
    whenAbandoned(reply, () => this.complete(request, reply));
  }

  /** Admission check; answers 429 itself and returns false when the client is over a limit. */
  admit(request: FastifyRequest, reply: FastifyReply): boolean {
    const tracking = (request as TrackedRequest)[TRACKING];
    const limits = this.limits;
    if (!tracking || !limits) return true;
    const now = this.now();
    const windowMs = limits.windowSeconds * 1000;
    const state = this.state(tracking.clientId);
    this.prune(state, now, windowMs);

    let limit: ThrottleLimit | undefined;
    let retryAfterMs = 0;
    if (state.blockedUntil > now) {
      // Sending while blocked is refused and lengthens the block.
      state.blockedUntil += limits.penaltySeconds * 1000;
      limit = state.blockedBy ?? 'requests';
      retryAfterMs = state.blockedUntil - now;
    } else if (state.inFlight > limits.maxConcurrent) {
      limit = 'concurrency';
      retryAfterMs = limits.concurrencyRetryAfterSeconds * 1000;
    } else if (state.requests.length >= limits.maxRequests) {
      limit = 'requests';
      const release = state.requests[state.requests.length - limits.maxRequests];
      retryAfterMs = release + windowMs - now;
    } else if (state.executionTotal >= limits.maxExecutionMs) {
      limit = 'execution-time';
      let excess = state.executionTotal - limits.maxExecutionMs;
      let release = now;
      for (const entry of state.executions) {
        release = entry.at;
        excess -= entry.ms;
        if (excess < 0) break;
      }
      retryAfterMs = release + windowMs - now;
    }

    if (limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      if (limit !== 'concurrency') {
        state.blockedUntil = now + retryAfterSeconds * 1000;
        state.blockedBy = limit;
      }
      this.counts[limit] += 1;
      tracking.refusedBy = limit;
      reply
        .code(429)
        .header('retry-after', String(retryAfterSeconds))
        .header('content-type', 'application/json; odata.metadata=minimal')
        .send(this.render(limit, limits));
      return false;
    }

    tracking.admitted = true;
    state.requests.push(now);
    reply.header('x-ms-ratelimit-burst-remaining-xrm-requests', String(limits.maxRequests - state.requests.length));
    reply.header(
      'x-ms-ratelimit-time-remaining-xrm-requests',
      String(Math.max(0, limits.maxExecutionMs - state.executionTotal)),
    );
    return true;
  }

  /**
   * onResponse, or the connection closing first: releases the concurrency slot, books execution time, and
   * remembers any 429 sent. Runs once per request.
   */
  complete(request: FastifyRequest, reply: FastifyReply): void {
    const tracking = (request as TrackedRequest)[TRACKING];
    if (!tracking || tracking.completed) return;
    tracking.completed = true;
    const now = this.now();
    const state = this.state(tracking.clientId);
    state.inFlight = Math.max(0, state.inFlight - 1);
    if (tracking.admitted) {
      const ms = now - tracking.startedAt;
      state.executions.push({ at: now, ms });
      state.executionTotal += ms;
    }
    if (reply.statusCode === 429) {
      const retryAfterSeconds = Number(reply.getHeader('retry-after'));
      if (Number.isFinite(retryAfterSeconds)) {
        const record: ThrottleRecord = {
          clientId: tracking.clientId,
          limit: tracking.refusedBy ?? 'injected',
          at: now,
          retryAfterSeconds,
        };
        // A concurrency refusal does not block the client (its other requests are still in flight), so only
        // blocking 429s — request count, execution time, injected — are held against the next request.
        if (record.limit !== 'concurrency') state.pendingRecord = record;
        if (this.log.length >= MAX_LOG) this.log.shift();
        this.log.push(record);
      }
    }
  }

  /** Registers `complete` as an onResponse hook; the emulator calls `arrive` and `admit` after authentication. */
  install(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => this.complete(request, reply));
  }

  records(): readonly ThrottleRecord[] {
    return this.log;
  }

  stats(): ThrottleStats {
    return {
      enabled: this.enabled,
      throttled: this.counts.requests + this.counts['execution-time'] + this.counts.concurrency,
      byLimit: { ...this.counts },
      earlyRetries: this.early,
      retryAfterLog: this.log.length,
    };
  }
}
