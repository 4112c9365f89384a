import { performance } from 'node:perf_hooks';
import pino, { type Logger } from 'pino';
import { request as undiciRequest, type Dispatcher } from 'undici';
import type { SystemName } from '../common/types';
import { createDispatcher, flattenHeaders, TokenProvider } from './auth';
import {
  DEFAULT_MAX_INLINE_RETRIES,
  DEFAULT_MAX_INLINE_WAIT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  describeConnection,
  type EndpointConnection,
} from './config';
import { classifyError, errorFromResponse, type ConnectorError, type ErrorContext } from './errors';
import { TargetLimiter, type LimiterOptions } from './limiter';

/** Hooks for whatever metrics system the worker uses; all calls are synchronous and must not throw. */
export interface ConnectorMetrics {
  /** One HTTP request: its method (`GET`, `POST` for `$batch`, …), status (0 = no response) and latency. */
  onRequest(system: SystemName, method: string, status: number, ms: number): void;
  onThrottle(system: SystemName, retryAfterMs: number): void;
  onRetry(system: SystemName): void;
}

export const noopMetrics: ConnectorMetrics = Object.freeze({
  onRequest: () => undefined,
  onThrottle: () => undefined,
  onRetry: () => undefined,
});

export interface ConnectorDeps {
  logger?: Logger;
  metrics?: ConnectorMetrics;
}

export interface CallContext extends ErrorContext {
  operation: string;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export interface HttpCall {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Statuses handed back as results instead of thrown (e.g. 404 for "does it exist"). */
  accept?: number[];
}

/** First pause before retrying a reset or 5xx without Retry-After; doubles with each retry. */
const RESET_BACKOFF_MS = 250;
/** Without Retry-After: Dataverse's guidance is 2^n seconds, Microsoft's F&O sample waits 30 s (wire-protocols). */
const FALLBACK_RETRY_AFTER_MS: Record<SystemName, (retry: number) => number> = {
  sales: (retry) => 2000 * 2 ** retry,
  fno: () => 30_000,
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Pause before inline retry number `retry` (1-based) of a transient failure that named no wait. */
export function backoffMs(retry: number): number {
  return RESET_BACKOFF_MS * 2 ** (retry - 1);
}

/**
 * Everything one connection shares: token, limiter, HTTP pool, retry budget, metrics and logs. Each request a
 * connector makes goes through `call`, which is the single place where 401s, 429s and resets are handled.
 */
export class Target {
  readonly system: SystemName;
  readonly limiter: TargetLimiter;
  readonly tokens: TokenProvider;
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  readonly maxInlineRetries: number;
  readonly maxInlineWaitMs: number;
  readonly logger: Logger;
  readonly metrics: ConnectorMetrics;
  readonly #description: Record<string, unknown>;

  constructor(
    system: SystemName,
    connection: EndpointConnection,
    defaults: Required<LimiterOptions>,
    deps: ConnectorDeps = {},
  ) {
    this.system = system;
    this.timeoutMs = connection.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxInlineRetries = connection.maxInlineRetries ?? DEFAULT_MAX_INLINE_RETRIES;
    this.maxInlineWaitMs = connection.maxInlineWaitMs ?? DEFAULT_MAX_INLINE_WAIT_MS;
    this.dispatcher = createDispatcher(connection.caCertPem, this.timeoutMs);
    this.tokens = new TokenProvider(system, connection, this.dispatcher, this.timeoutMs);
    this.limiter = new TargetLimiter(connection.limits, defaults);
    this.logger = (deps.logger ?? pino({ level: 'silent' })).child({ system });
    this.metrics = deps.metrics ?? noopMetrics;
    this.#description = describeConnection(connection);
  }

  /**
   * Sends one request (built by `send` around the current token) through the limiter, with a fresh token after
   * a 401 and at most `maxInlineRetries` further attempts for retryable failures whose wait fits the budget.
   */
  async call<T>(
    ctx: CallContext,
    method: string,
    send: (token: string) => Promise<{ value: T; status: number }>,
  ): Promise<T> {
    let retries = 0;
    let refreshedToken = false;
    for (;;) {
      let token: string | undefined;
      // Latency is the request's own time, not the time spent queued in the limiter.
      let started = performance.now();
      try {
        // Fetch the token before taking a slot, so the limiter's send times are the real ones; inside the slot
        // the cached token comes back at once (or a fresh one, if it expired while queued).
        await this.tokens.getToken();
        const { value, status } = await this.limiter.run(async () => {
          token = await this.tokens.getToken();
          started = performance.now();
          return send(token);
        });
        const ms = performance.now() - started;
        this.limiter.succeeded();
        this.metrics.onRequest(this.system, method, status, ms);
        this.logger.debug({ op: ctx.operation, entitySet: ctx.entitySet, status, ms: Math.round(ms) }, 'request done');
        return value;
      } catch (raw) {
        const ms = performance.now() - started;
        let err = classifyError(raw, ctx);
        if (err.operation !== 'token') this.metrics.onRequest(this.system, method, err.status ?? 0, ms);
        if (err.status === 401 && err.operation !== 'token' && !refreshedToken && token) {
          // Tokens can be revoked or expire early; one fresh token per call, then the 401 stands.
          refreshedToken = true;
          this.tokens.invalidate(token);
          this.logger.debug({ op: ctx.operation }, 'token rejected, fetching a new one');
          continue;
        }
        // A 429 from the token endpoint says nothing about the service's load: it must not pause the service.
        const serviceThrottled = err.status === 429 && err.operation !== 'token';
        if (serviceThrottled) {
          const waitMs = this.throttled(err.retryAfterMs, retries, ctx.operation);
          if (err.retryAfterMs === undefined) err = err.with({ retryAfterMs: waitMs });
        }
        if (this.mayRetryInline(err, retries)) {
          retries += 1;
          this.metrics.onRetry(this.system);
          this.logger.debug({ op: ctx.operation, retry: retries, reason: err.serviceCode ?? err.status }, 'retrying');
          // After a service's 429 the limiter itself holds the next attempt until Retry-After has passed.
          if (!serviceThrottled) await sleep(err.retryAfterMs ?? backoffMs(retries));
          continue;
        }
        throw err;
      }
    }
  }

  /** Whether a failure may be retried here rather than handed back to Temporal: retryable, budget left, short wait. */
  mayRetryInline(err: ConnectorError, retriesSoFar: number): boolean {
    return err.retryable && retriesSoFar < this.maxInlineRetries && (err.retryAfterMs ?? 0) <= this.maxInlineWaitMs;
  }

  /** Records a 429 (of a request or of one batch part): pauses the target and returns the wait applied. */
  throttled(retryAfterMs: number | undefined, retry: number, operation: string): number {
    const waitMs = retryAfterMs ?? FALLBACK_RETRY_AFTER_MS[this.system](retry);
    this.limiter.throttled(waitMs);
    this.metrics.onThrottle(this.system, waitMs);
    this.logger.info({ op: operation, retryAfterMs: waitMs }, 'throttled by the service');
    return waitMs;
  }

  /** Plain HTTP through `call`: for F&O, and for Dataverse `$batch` where per-part statuses are needed. */
  http(ctx: CallContext, req: HttpCall): Promise<HttpResult> {
    return this.call(ctx, req.method, async (token) => {
      const response = await undiciRequest(req.url, {
        method: req.method as Dispatcher.HttpMethod,
        headers: { ...req.headers, authorization: `Bearer ${token}` },
        body: req.body,
        dispatcher: this.dispatcher,
      });
      const text = await response.body.text();
      const result: HttpResult = { status: response.statusCode, headers: flattenHeaders(response.headers), text };
      if (response.statusCode >= 400 && !req.accept?.includes(response.statusCode)) {
        throw errorFromResponse({ status: response.statusCode, headers: result.headers, body: text }, ctx);
      }
      return { value: result, status: response.statusCode };
    });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  toJSON(): Record<string, unknown> {
    return { system: this.system, connection: this.#description, limiter: this.limiter.snapshot() };
  }
}
