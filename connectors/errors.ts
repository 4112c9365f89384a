import type { SystemName } from '../common/types';

/**
 * One error type for everything the connectors throw. The workflow layer only needs `retryable` and
 * `retryAfterMs`; the rest makes the message useful to whoever reads the failure list.
 */

export type ErrorKind =
  | 'auth'
  | 'throttled'
  | 'transient'
  | 'validation'
  | 'not-found'
  | 'conflict'
  | 'permission'
  | 'data'
  | 'bad-input'
  | 'unknown';

export interface ErrorContext {
  system: SystemName;
  /** HTTP method or connector operation, e.g. `PATCH` or `upsertBatch`. */
  operation?: string;
  entitySet?: string;
  recordKey?: string;
}

export interface ConnectorErrorInit extends ErrorContext {
  kind: ErrorKind;
  retryable: boolean;
  retryAfterMs?: number;
  status?: number;
  serviceCode?: string;
  serviceMessage: string;
}

export const SYSTEM_LABEL: Record<SystemName, string> = { sales: 'Dataverse', fno: 'F&O' };

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly serviceCode?: string;
  readonly serviceMessage: string;
  readonly recordKey?: string;
  readonly entitySet?: string;
  readonly operation?: string;
  readonly system: SystemName;

  constructor(init: ConnectorErrorInit) {
    super(ConnectorError.compose(init));
    this.kind = init.kind;
    this.retryable = init.retryable;
    this.system = init.system;
    this.serviceMessage = oneLine(init.serviceMessage);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.status !== undefined) this.status = init.status;
    if (init.serviceCode) this.serviceCode = init.serviceCode;
    if (init.recordKey !== undefined) this.recordKey = init.recordKey;
    if (init.entitySet !== undefined) this.entitySet = init.entitySet;
    if (init.operation !== undefined) this.operation = init.operation;
  }

  /** `F&O PATCH CustomersV3 [dataAreaId=usmf,CustomerAccount=US-001]: HTTP 500 (code): message` */
  private static compose(init: ConnectorErrorInit): string {
    const target = [SYSTEM_LABEL[init.system], init.operation, init.entitySet].filter(Boolean).join(' ');
    const key = init.recordKey !== undefined ? ` [${init.recordKey}]` : '';
    const status = init.status !== undefined ? `HTTP ${init.status}` : '';
    const code = init.serviceCode ? `(${init.serviceCode})` : '';
    const retry = init.retryAfterMs !== undefined ? ` (retry after ${Math.ceil(init.retryAfterMs / 1000)} s)` : '';
    const head = [status, code].filter(Boolean).join(' ');
    return oneLine(`${target}${key}: ${head ? `${head}: ` : ''}${init.serviceMessage}${retry}`);
  }

  /** A copy with some fields replaced (errors raised deep in transport do not know the row, for instance). */
  with(changes: Partial<ConnectorErrorInit>): ConnectorError {
    return new ConnectorError({
      kind: this.kind,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      status: this.status,
      serviceCode: this.serviceCode,
      serviceMessage: this.serviceMessage,
      system: this.system,
      operation: this.operation,
      entitySet: this.entitySet,
      recordKey: this.recordKey,
      ...changes,
    });
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      kind: this.kind,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      status: this.status,
      serviceCode: this.serviceCode,
      recordKey: this.recordKey,
      system: this.system,
    };
  }
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined | null, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === null || raw.trim() === '') return undefined;
  const trimmed = raw.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface ServiceError {
  code?: string;
  message: string;
  /** F&O puts the real reason (infolog text) here and the class of the failure in `type`. */
  innerMessage?: string;
  innerType?: string;
}

const MAX_TEXT_MESSAGE = 500;
const HTML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' };

/** Text between an HTML element's tags, without nested tags and with whitespace collapsed. */
function elementText(html: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`, 'i').exec(html);
  const text = match?.[1]
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, name: string) => HTML_ENTITIES[name])
    .replace(/\s+/g, ' ')
    .trim();
  return text || undefined;
}

/**
 * A body that is not JSON, as a message: a gateway's or load balancer's HTML error page becomes its heading and
 * title (not its markup and styles); other text is kept, cut to a readable length.
 */
function plainTextOf(text: string): string {
  if (!/^<(!doctype|html|head|body|\?xml)/i.test(text)) return text.slice(0, MAX_TEXT_MESSAGE);
  const parts = [elementText(text, 'title'), elementText(text, 'h1'), elementText(text, 'h2')].filter(
    (part, i, all): part is string => part !== undefined && all.indexOf(part) === i,
  );
  const summary = parts.length ? parts.join(': ') : 'an HTML page with no title';
  return `HTML error page: ${summary}`.slice(0, MAX_TEXT_MESSAGE);
}

/** Reads the OData error body `{ error: { code, message, innererror } }` both services send; tolerant of junk. */
export function parseServiceError(body: unknown): ServiceError | undefined {
  let value = body;
  if (typeof value === 'string') {
    const text = value.trim();
    if (!text) return undefined;
    try {
      value = JSON.parse(text);
    } catch {
      return { message: plainTextOf(text) };
    }
  }
  if (!value || typeof value !== 'object') return undefined;
  const outer = value as Record<string, unknown>;
  const error = (outer.error && typeof outer.error === 'object' ? outer.error : outer) as Record<string, unknown>;
  const inner = (error.innererror && typeof error.innererror === 'object' ? error.innererror : undefined) as
    Record<string, unknown> | undefined;
  const message =
    typeof error.message === 'string'
      ? error.message
      : typeof error.Message === 'string'
        ? error.Message
        : typeof error.error_description === 'string'
          ? error.error_description
          : '';
  if (!message && !inner) return undefined;
  return {
    code: typeof error.code === 'string' && error.code ? error.code : undefined,
    message,
    innerMessage: typeof inner?.message === 'string' && inner.message ? inner.message : undefined,
    innerType: typeof inner?.type === 'string' && inner.type ? inner.type : undefined,
  };
}

const FNO_WRITE_EXCEPTION = /AxODataWriteException$/;
/** 501 Not Implemented and 505 HTTP Version Not Supported: the same request will be refused every time. */
const UNSUPPORTED_REQUEST_STATUSES = new Set([501, 505]);

function kindForStatus(status: number): { kind: ErrorKind; retryable: boolean } {
  if (status === 429) return { kind: 'throttled', retryable: true };
  if (status === 401) return { kind: 'auth', retryable: false };
  if (status === 403) return { kind: 'permission', retryable: false };
  if (status === 404) return { kind: 'not-found', retryable: false };
  if (status === 409 || status === 412) return { kind: 'conflict', retryable: false };
  if (UNSUPPORTED_REQUEST_STATUSES.has(status)) return { kind: 'validation', retryable: false };
  if (status === 408 || status >= 500) return { kind: 'transient', retryable: true };
  if (status >= 400) return { kind: 'validation', retryable: false };
  return { kind: 'unknown', retryable: false };
}

export interface HttpFailure {
  status: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: unknown;
}

function header(headers: HttpFailure['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = found ? headers[found] : undefined;
  return Array.isArray(value) ? value[0] : value;
}

/** Classifies one HTTP error response (a whole request or one part of a `$batch`). */
export function errorFromResponse(failure: HttpFailure, ctx: ErrorContext): ConnectorError {
  const service = parseServiceError(failure.body);
  let { kind, retryable } = kindForStatus(failure.status);
  // F&O reports every data problem (duplicate, failed validation, missing related row) as a 500.
  if (ctx.system === 'fno' && service?.innerType && FNO_WRITE_EXCEPTION.test(service.innerType)) {
    kind = 'data';
    retryable = false;
  }
  const serviceMessage =
    (ctx.system === 'fno' && service?.innerMessage) || service?.message || service?.innerMessage || 'no error body';
  const retryAfterMs = retryable ? parseRetryAfter(header(failure.headers, 'retry-after')) : undefined;
  return new ConnectorError({
    ...ctx,
    kind,
    retryable,
    retryAfterMs,
    status: failure.status,
    serviceCode: service?.code,
    serviceMessage,
  });
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function networkCode(err: Record<string, unknown>): string | undefined {
  for (let current: unknown = err, depth = 0; current && depth < 4; depth += 1) {
    const record = current as Record<string, unknown>;
    if (typeof record.code === 'string' && TRANSIENT_NETWORK_CODES.has(record.code)) return record.code;
    current = record.cause;
  }
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return String(err.name);
  if (typeof err.message === 'string' && /socket hang up/i.test(err.message)) return 'ECONNRESET';
  return undefined;
}

/**
 * Turns anything a connector call can throw into a ConnectorError: our own errors pass through (gaining the
 * context), errors of HTTP libraries carry `status`/`headers`/`code`, network errors carry a Node/undici code.
 */
export function classifyError(err: unknown, ctx: ErrorContext): ConnectorError {
  if (err instanceof ConnectorError) {
    return err.recordKey === undefined && ctx.recordKey !== undefined ? err.with({ recordKey: ctx.recordKey }) : err;
  }
  const record = (err && typeof err === 'object' ? err : { message: String(err) }) as Record<string, unknown>;
  if (typeof record.status === 'number' && record.status >= 400) {
    const inner = record.innererror as Record<string, unknown> | undefined;
    return errorFromResponse(
      {
        status: record.status,
        headers: record.headers as HttpFailure['headers'],
        body: { error: { code: record.code, message: record.message, innererror: inner } },
      },
      ctx,
    );
  }
  const code = networkCode(record);
  if (code) {
    return new ConnectorError({
      ...ctx,
      kind: 'transient',
      retryable: true,
      serviceCode: code,
      serviceMessage: `network failure (${String(record.message ?? code)})`,
    });
  }
  return new ConnectorError({
    ...ctx,
    kind: 'unknown',
    retryable: false,
    serviceMessage: typeof record.message === 'string' && record.message ? record.message : String(err),
  });
}

export function isRetryable(err: unknown): boolean {
  if (err instanceof ConnectorError) return err.retryable;
  return err !== null && typeof err === 'object' && (err as { retryable?: unknown }).retryable === true;
}

/** A 2xx answer whose body is not what the protocol promises (cut off, empty, a proxy's page): retryable. */
export function brokenAnswer(ctx: ErrorContext, message: string): ConnectorError {
  return errorFromResponse({ status: 502, body: { error: { message } } }, ctx);
}

/** A caller handed us something unusable: never retryable, names what is wrong. */
export function badInput(ctx: ErrorContext, message: string): ConnectorError {
  return new ConnectorError({ ...ctx, kind: 'bad-input', retryable: false, serviceMessage: message });
}
