import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * Fault injection shared by the emulators: latency, random 5xx, dropped connections, forced 429s and failing
 * writes, configured at run time through `/_admin/faults`. Each emulator supplies `renderError` because the
 * error body of a 429/500/503 differs between Dataverse and F&O.
 */

export const MALFORMED_KINDS = ['html', 'truncated-json', 'empty'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** A gateway's HTML error page (502), a JSON body cut off mid-value (200), or a 200 with no body at all. */
const MALFORMED_ANSWERS: Record<MalformedKind, { status: number; contentType: string; body: string }> = {
  html: {
    status: 502,
    contentType: 'text/html; charset=utf-8',
    body: '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>',
  },
  'truncated-json': {
    status: 200,
    contentType: 'application/json; odata.metadata=minimal',
    body: '{"@odata.context":"$metadata#rows","value":[{"name":"Contoso","accountnumb',
  },
  empty: { status: 200, contentType: 'application/json; odata.metadata=minimal', body: '' },
};

export const faultRulesSchema = z
  .object({
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.union([z.literal(500), z.literal(503)]).optional(),
    latencyMs: z.number().int().min(0).optional(),
    latencyJitterMs: z.number().int().min(0).optional(),
    dropRate: z.number().min(0).max(1).optional(),
    throttleNext: z.object({ count: z.number().int().min(1), retryAfterSeconds: z.number().int().min(0) }).optional(),
    failWritesForKeys: z.array(z.string().min(1)).optional(),
    /** What writes to `failWritesForKeys` get: 500 (the default) is a data error in F&O; 503 a transient one. */
    failWritesForKeysStatus: z.number().int().min(400).max(599).optional(),
    failNextWrites: z.object({ count: z.number().int().min(1), status: z.number().int().min(400).max(599) }).optional(),
    expireTokens: z.boolean().optional(),
    /** The next `count` authenticated requests are refused as expired: a token running out mid-run. */
    expireNextTokens: z.object({ count: z.number().int().min(1) }).optional(),
    /** The next `count` requests get a broken answer instead of being served: what proxies and outages produce. */
    malformedNext: z.object({ count: z.number().int().min(1), kind: z.enum(MALFORMED_KINDS) }).optional(),
  })
  .strict();

export type FaultRules = z.infer<typeof faultRulesSchema>;

export type FaultKind = 'throttle' | 'server-error' | 'write-failure';

export interface FaultErrorContext {
  kind: FaultKind;
  status: number;
  request: FastifyRequest;
  retryAfterSeconds?: number;
  /** For write failures: the configured key that matched, if any. */
  matchedKey?: string;
}

export interface RenderedError {
  /** Overrides the status chosen by the controller (an emulator may answer write failures its own way). */
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type RenderError = (context: FaultErrorContext) => RenderedError;

export interface FaultStats {
  delayed: number;
  dropped: number;
  throttled: number;
  serverErrors: number;
  failedWrites: number;
  malformed: number;
  expiredTokens: number;
}

/** Marks requests the batch executor replays through `app.inject`; the value is unguessable per process. */
export const BATCH_PART_HEADER = 'x-p2c-batch-part';
export const BATCH_PART_TOKEN = randomBytes(16).toString('hex');

export function isBatchPart(request: FastifyRequest): boolean {
  return request.headers[BATCH_PART_HEADER] === BATCH_PART_TOKEN;
}

const ADMIN_PREFIX = '/_admin/';
const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE', 'MERGE']);

function isWrite(request: FastifyRequest): boolean {
  return WRITE_METHODS.has(request.method) && !request.url.split('?')[0].endsWith('/$batch');
}

function isAdmin(request: FastifyRequest): boolean {
  return request.url.startsWith(ADMIN_PREFIX);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function zeroStats(): FaultStats {
  return { delayed: 0, dropped: 0, throttled: 0, serverErrors: 0, failedWrites: 0, malformed: 0, expiredTokens: 0 };
}

export class FaultController {
  private rules: FaultRules = {};
  private counters: FaultStats = zeroStats();

  constructor(
    private readonly renderError: RenderError,
    private readonly random: () => number = Math.random,
  ) {}

  /** Replaces the active rules; throws a ZodError naming the bad field when the rules are malformed. */
  configure(rules: FaultRules): void {
    this.rules = faultRulesSchema.parse(rules);
  }

  reset(): void {
    this.rules = {};
    this.counters = zeroStats();
  }

  current(): Readonly<FaultRules> {
    return this.rules;
  }

  /** Asked once per authenticated request: whether to refuse its (valid) token as expired. */
  rejectToken(): boolean {
    if (this.rules.expireTokens === true) return true;
    const next = this.rules.expireNextTokens;
    if (!next) return false;
    next.count -= 1;
    if (next.count === 0) delete this.rules.expireNextTokens;
    this.counters.expiredTokens += 1;
    return true;
  }

  stats(): FaultStats {
    return { ...this.counters };
  }

  private send(reply: FastifyReply, context: Omit<FaultErrorContext, 'request'>, request: FastifyRequest) {
    const rendered = this.renderError({ ...context, request });
    reply.code(rendered.status ?? context.status);
    if (context.retryAfterSeconds !== undefined) reply.header('retry-after', String(context.retryAfterSeconds));
    for (const [name, value] of Object.entries(rendered.headers ?? {})) reply.header(name, value);
    return reply.send(rendered.body);
  }

  /** fastify onRequest hook: connection-level faults (latency, drops, 429, malformed answers, 5xx). Batch parts are exempt. */
  hook() {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      if (isAdmin(request) || isBatchPart(request)) return;
      const rules = this.rules;
      if (rules.latencyMs || rules.latencyJitterMs) {
        this.counters.delayed += 1;
        await sleep((rules.latencyMs ?? 0) + Math.floor(this.random() * (rules.latencyJitterMs ?? 0)));
      }
      if (rules.dropRate && this.random() < rules.dropRate) {
        this.counters.dropped += 1;
        reply.hijack();
        request.raw.socket?.destroy();
        return;
      }
      if (rules.throttleNext && rules.throttleNext.count > 0) {
        const retryAfterSeconds = rules.throttleNext.retryAfterSeconds;
        rules.throttleNext.count -= 1;
        if (rules.throttleNext.count === 0) delete rules.throttleNext;
        this.counters.throttled += 1;
        await this.send(reply, { kind: 'throttle', status: 429, retryAfterSeconds }, request);
        return;
      }
      if (rules.malformedNext && rules.malformedNext.count > 0) {
        const answer = MALFORMED_ANSWERS[rules.malformedNext.kind];
        rules.malformedNext.count -= 1;
        if (rules.malformedNext.count === 0) delete rules.malformedNext;
        this.counters.malformed += 1;
        await reply.code(answer.status).header('content-type', answer.contentType).send(answer.body);
        return;
      }
      if (rules.errorRate && this.random() < rules.errorRate) {
        this.counters.serverErrors += 1;
        await this.send(reply, { kind: 'server-error', status: rules.errorStatus ?? 503 }, request);
      }
    };
  }

  /**
   * fastify preHandler hook: write failures, which need the parsed body to match key values. Runs for batch
   * parts too, so one operation inside a `$batch` can be made to fail.
   */
  writeHook() {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      if (isAdmin(request) || !isWrite(request)) return;
      const rules = this.rules;
      if (rules.failNextWrites && rules.failNextWrites.count > 0) {
        const status = rules.failNextWrites.status;
        rules.failNextWrites.count -= 1;
        if (rules.failNextWrites.count === 0) delete rules.failNextWrites;
        this.counters.failedWrites += 1;
        await this.send(reply, { kind: 'write-failure', status }, request);
        return;
      }
      const matchedKey = rules.failWritesForKeys && matchWriteKey(request, rules.failWritesForKeys);
      if (matchedKey) {
        this.counters.failedWrites += 1;
        const status = rules.failWritesForKeysStatus ?? 500;
        await this.send(reply, { kind: 'write-failure', status, matchedKey }, request);
      }
    };
  }

  /** Installs both hooks on an app (the emulators' usual wiring). */
  install(app: FastifyInstance): void {
    app.addHook('onRequest', this.hook());
    app.addHook('preHandler', this.writeHook());
  }
}

/** A key matches when it is a substring of the decoded URL or equals (case-insensitively) a top-level body value. */
function matchWriteKey(request: FastifyRequest, keys: string[]): string | undefined {
  let url = request.url;
  try {
    url = decodeURIComponent(request.url);
  } catch {
    // keep the raw URL when it holds a lone '%'
  }
  const lowerUrl = url.toLowerCase();
  const values =
    request.body && typeof request.body === 'object'
      ? Object.values(request.body as Record<string, unknown>)
          .filter((v) => typeof v === 'string' || typeof v === 'number')
          .map((v) => String(v).toLowerCase())
      : [];
  return keys.find((key) => lowerUrl.includes(key.toLowerCase()) || values.includes(key.toLowerCase()));
}

/**
 * `PUT /_admin/faults` (body: FaultRules), `DELETE /_admin/faults`, `GET /_admin/stats`. The stats route merges
 * the emulator's own counters when a provider is given.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  controller: FaultController,
  statsProvider?: () => Record<string, unknown>,
): void {
  app.put('/_admin/faults', async (request, reply) => {
    const parsed = faultRulesSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({
        error: 'invalid fault rules',
        issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
      });
    }
    controller.configure(parsed.data);
    return reply.code(200).send({ rules: controller.current() });
  });
  app.delete('/_admin/faults', async (_request, reply) => {
    controller.reset();
    return reply.code(204).send();
  });
  app.get('/_admin/stats', async () => ({ faults: controller.stats(), ...(statsProvider?.() ?? {}) }));
}
