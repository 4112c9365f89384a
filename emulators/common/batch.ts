import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BATCH_PART_HEADER, BATCH_PART_TOKEN } from './faults';

/**
 * OData `$batch` (multipart/mixed) for both emulators: a parser that accepts CRLF or LF, quoted or bare
 * boundaries, change sets and Content-ID; a serializer for the response; and an executor that replays every
 * part through the server's own routes with `app.inject`, so a part behaves exactly like the same request sent
 * alone. Change sets run inside a store transaction and are rolled back when any of their operations fails.
 */

export class BatchFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchFormatError';
  }
}

export interface BatchRequestPart {
  method: string;
  /** The URL exactly as written in the request line (relative, absolute, or `$n`-prefixed). */
  url: string;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

export type BatchRequestItem =
  { kind: 'request'; request: BatchRequestPart } | { kind: 'changeset'; requests: BatchRequestPart[] };

export interface BatchResponsePart {
  status: number;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

export type BatchResponseItem =
  { kind: 'response'; response: BatchResponsePart } | { kind: 'changeset'; responses: BatchResponsePart[] };

interface MimePart {
  headers: Record<string, string>;
  body: string;
}

const CRLF = '\r\n';

/** Reads `boundary=` from a multipart Content-Type, quoted or not. */
export function boundaryOf(contentType: string | undefined): string {
  const match = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (!contentType || !/^multipart\/mixed/i.test(contentType.trim()) || !boundary) {
    throw new BatchFormatError(
      `Content-Type must be multipart/mixed with a boundary parameter, got '${contentType ?? ''}'`,
    );
  }
  return boundary;
}

function parseHeaderBlock(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\n')) {
    const trimmed = line.replace(/\r$/, '');
    if (!trimmed) continue;
    const colon = trimmed.indexOf(':');
    if (colon <= 0) throw new BatchFormatError(`malformed header line '${trimmed}'`);
    headers[trimmed.slice(0, colon).trim().toLowerCase()] = trimmed.slice(colon + 1).trim();
  }
  return headers;
}

/** Splits "headers CRLF CRLF body" (LF accepted); a part without a blank line has headers only. */
function splitHeadersAndBody(text: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) return { head: text, body: '' };
  return { head: text.slice(0, match.index), body: text.slice(match.index + match[0].length) };
}

function splitMultipart(body: string, boundary: string): MimePart[] {
  const delimiter = `--${boundary}`;
  const lines = body.split('\n');
  const parts: MimePart[] = [];
  let current: string[] | undefined;
  let closed = false;
  for (const rawLine of lines) {
    const line = rawLine.replace(/\r$/, '');
    if (line.trimEnd() === delimiter || line.trimEnd() === `${delimiter}--`) {
      if (current) parts.push(toMimePart(current));
      if (line.trimEnd() === `${delimiter}--`) {
        closed = true;
        current = undefined;
        break;
      }
      current = [];
      continue;
    }
    current?.push(rawLine);
  }
  if (!closed) throw new BatchFormatError(`multipart body does not end with the closing delimiter '${delimiter}--'`);
  return parts;
}

function toMimePart(lines: string[]): MimePart {
  // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
  const text = lines.join('\n').replace(/\r?\n?$/, '');
  const { head, body } = splitHeadersAndBody(text);
  return { headers: parseHeaderBlock(head), body };
}

/** Splits an embedded HTTP message into its request/status line, headers and body. */
function splitHttpMessage(text: string): { startLine: string; headers: Record<string, string>; body: string } {
  const trimmed = text.replace(/^(\r?\n)+/, '');
  const firstBreak = trimmed.indexOf('\n');
  const startLine = (firstBreak < 0 ? trimmed : trimmed.slice(0, firstBreak)).replace(/\r$/, '');
  const rest = firstBreak < 0 ? '' : trimmed.slice(firstBreak + 1);
  const { head, body } = /^\r?\n/.test(rest)
    ? { head: '', body: rest.replace(/^\r?\n/, '') }
    : splitHeadersAndBody(rest);
  return { startLine, headers: parseHeaderBlock(head), body: body.replace(/(\r?\n)+$/, '') };
}

function parseHttpRequest(part: MimePart, where: string): BatchRequestPart {
  const type = part.headers['content-type'] ?? '';
  if (!/^application\/http/i.test(type)) {
    throw new BatchFormatError(`${where}: Content-Type must be application/http, got '${type}'`);
  }
  const { startLine, headers, body } = splitHttpMessage(part.body);
  // Microsoft's samples leave spaces in part URLs unencoded, so the URL runs up to the protocol version.
  const match = /^([A-Z]+)\s+(.+?)(?:\s+HTTP\/\d\.\d)?$/.exec(startLine);
  if (!match) throw new BatchFormatError(`${where}: '${startLine}' is not an HTTP request line`);
  const request: BatchRequestPart = { method: match[1], url: match[2], headers, body };
  const contentId = part.headers['content-id'] ?? request.headers['content-id'];
  if (contentId !== undefined) request.contentId = contentId;
  return request;
}

/** Parses a `$batch` request body into standalone requests and change sets. */
export function parseBatchRequest(body: string, contentType: string | undefined): BatchRequestItem[] {
  const boundary = boundaryOf(contentType);
  return splitMultipart(body, boundary).map((part, index): BatchRequestItem => {
    const type = part.headers['content-type'] ?? '';
    if (/^multipart\/mixed/i.test(type)) {
      const inner = boundaryOf(type);
      const requests = splitMultipart(part.body, inner).map((p, i) => {
        if (/^multipart\/mixed/i.test(p.headers['content-type'] ?? '')) {
          throw new BatchFormatError(`change set ${index + 1}: change sets cannot be nested`);
        }
        return parseHttpRequest(p, `change set ${index + 1}, operation ${i + 1}`);
      });
      return { kind: 'changeset', requests };
    }
    return { kind: 'request', request: parseHttpRequest(part, `part ${index + 1}`) };
  });
}

function parseHttpResponse(part: MimePart, where: string): BatchResponsePart {
  const { startLine, headers, body } = splitHttpMessage(part.body);
  const match = /^HTTP\/\d\.\d\s+(\d{3})/.exec(startLine);
  if (!match) throw new BatchFormatError(`${where}: '${startLine}' is not an HTTP status line`);
  const response: BatchResponsePart = { status: Number(match[1]), headers, body };
  const contentId = part.headers['content-id'];
  if (contentId !== undefined) response.contentId = contentId;
  return response;
}

/** Parses a `$batch` response (tests and tools use it to read what the emulators answer). */
export function parseBatchResponse(body: string, contentType: string | undefined): BatchResponseItem[] {
  return splitMultipart(body, boundaryOf(contentType)).map((part, index): BatchResponseItem => {
    const type = part.headers['content-type'] ?? '';
    if (/^multipart\/mixed/i.test(type)) {
      const responses = splitMultipart(part.body, boundaryOf(type)).map((p, i) =>
        parseHttpResponse(p, `change set response ${index + 1}, part ${i + 1}`),
      );
      return { kind: 'changeset', responses };
    }
    return { kind: 'response', response: parseHttpResponse(part, `part ${index + 1}`) };
  });
}

type Serializable<T> = { kind: 'single'; part: T } | { kind: 'group'; parts: T[] };

/** Writes a multipart/mixed body whose groups (change sets) are nested multiparts. */
function serializeMultipart<T extends { contentId?: string }>(
  items: Array<Serializable<T>>,
  boundary: string,
  groupPrefix: string,
  firstLine: (part: T) => string,
  headersOf: (part: T) => Record<string, string>,
  bodyOf: (part: T) => string,
): { contentType: string; body: string } {
  const serializePart = (part: T) => {
    const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
    if (part.contentId !== undefined) lines.push(`Content-ID: ${part.contentId}`);
    lines.push('', firstLine(part));
    for (const [name, value] of Object.entries(headersOf(part))) lines.push(`${name}: ${value}`);
    lines.push('', bodyOf(part));
    return lines.join(CRLF);
  };
  const chunks: string[] = [];
  for (const item of items) {
    chunks.push(`--${boundary}`);
    if (item.kind === 'single') {
      chunks.push(serializePart(item.part));
      continue;
    }
    const inner = `${groupPrefix}_${randomUUID()}`;
    chunks.push(`Content-Type: multipart/mixed; boundary=${inner}`, '');
    for (const part of item.parts) chunks.push(`--${inner}`, serializePart(part));
    chunks.push(`--${inner}--`);
  }
  chunks.push(`--${boundary}--`, '');
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: chunks.join(CRLF) };
}

/** Serializes batch responses; boundaries are fresh `batchresponse_<guid>` / `changesetresponse_<guid>`. */
export function serializeBatchResponse(items: BatchResponseItem[]): { contentType: string; body: string } {
  return serializeMultipart<BatchResponsePart>(
    items.map((item) =>
      item.kind === 'response' ? { kind: 'single', part: item.response } : { kind: 'group', parts: item.responses },
    ),
    `batchresponse_${randomUUID()}`,
    'changesetresponse',
    (response) => `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`.trimEnd(),
    (response) => response.headers,
    (response) => response.body,
  );
}

/** Serializes a batch request (tests, benchmarks and tools build request bodies with it). */
export function serializeBatchRequest(
  items: BatchRequestItem[],
  boundary = `batch_${randomUUID()}`,
): { contentType: string; body: string } {
  return serializeMultipart<BatchRequestPart>(
    items.map((item) =>
      item.kind === 'request' ? { kind: 'single', part: item.request } : { kind: 'group', parts: item.requests },
    ),
    boundary,
    'changeset',
    (request) => `${request.method} ${request.url} HTTP/1.1`,
    (request) => request.headers,
    (request) => request.body,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Execution

export interface ChangeSetTransaction {
  run<T>(fn: () => Promise<T>): Promise<T>;
  commit(): void;
  rollback(): void;
}

export interface BatchExecutionOptions {
  /** Path prefix of the service root, e.g. `/api/data/v9.2/` or `/data/`; relative part URLs resolve against it. */
  serviceRoot: string;
  maxOperations: number;
  /** `Prefer: odata.continue-on-error` (Dataverse) or the system's fixed policy. */
  continueOnError: boolean;
  /** When a standalone part fails without continue-on-error: answer with the part's status (Dataverse) or 200. */
  stopStatus: 'part-status' | 200;
  /** Content-ID carried by the single error response of a failed change set. */
  changeSetErrorContentId: 'failing' | 'first';
  beginChangeSet(): ChangeSetTransaction;
  /** Body of an error the executor itself produces (bad Content-ID reference, GET in a change set, …). */
  renderError(status: number, message: string): { headers: Record<string, string>; body: string };
}

export interface BatchResult {
  status: number;
  contentType: string;
  body: string;
  operations: number;
}

/** Headers of the outer request that every part inherits unless it sets its own. */
const INHERITED_HEADERS = ['authorization', 'prefer', 'odata-version', 'odata-maxversion', 'accept', 'callerobjectid'];
/** Response headers that describe the transport, not the operation; they stay out of the part. */
const DROPPED_RESPONSE_HEADERS = new Set(['content-length', 'connection', 'date', 'keep-alive', 'transfer-encoding']);
const CONTENT_ID_REF = /^\$([\w-]+)/;
/** Body annotations whose values are entity URIs, and so may be Content-ID references. */
const BIND_ANNOTATION = '@odata.bind';
const ID_ANNOTATION = '@odata.id';

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function collectLocation(response: BatchResponsePart): string | undefined {
  return response.headers['odata-entityid'] ?? response.headers['location'];
}

/**
 * Executes a parsed batch through `app.inject`. Throws BatchFormatError for envelope problems the caller
 * answers with 400 (too many operations, nested batch, GET inside a change set).
 */
export async function executeBatch(
  app: FastifyInstance,
  outer: FastifyRequest,
  items: BatchRequestItem[],
  options: BatchExecutionOptions,
): Promise<BatchResult> {
  const operations = items.reduce((n, item) => n + (item.kind === 'request' ? 1 : item.requests.length), 0);
  if (operations > options.maxOperations) {
    throw new BatchFormatError(
      `The batch holds ${operations} operations; the maximum number of operations in a batch is ${options.maxOperations}.`,
    );
  }
  const all = items.flatMap((item) => (item.kind === 'request' ? [item.request] : item.requests));
  for (const request of all) {
    const path = request.url.split('?')[0];
    if (/\$batch$/i.test(path)) throw new BatchFormatError('Nested $batch requests are not supported.');
  }
  for (const item of items) {
    if (item.kind !== 'changeset') continue;
    const get = item.requests.find((r) => r.method === 'GET');
    if (get) throw new BatchFormatError(`GET ${get.url}: a change set may only contain POST, PATCH, PUT and DELETE.`);
  }

  const inherited: Record<string, string> = { [BATCH_PART_HEADER]: BATCH_PART_TOKEN };
  for (const name of INHERITED_HEADERS) {
    const value = outer.headers[name];
    if (typeof value === 'string') inherited[name] = value;
  }
  const origin = `${outer.protocol}://${outer.headers.host ?? 'localhost'}`;

  /** `$n` at the start of `text` becomes the URI of the row created by Content-ID n. */
  const dereference = (text: string, references: Map<string, string>): string => {
    const ref = CONTENT_ID_REF.exec(text);
    if (!ref) return text;
    const location = references.get(ref[1]);
    if (location === undefined) {
      throw new ContentIdError(`Content-ID Reference: '$${ref[1]}' does not exist in the batch context.`);
    }
    return location + text.slice(ref[0].length);
  };

  const resolveUrl = (url: string, references: Map<string, string>): string => {
    const target = dereference(url, references);
    if (/^https?:\/\//i.test(target)) {
      const parsed = new URL(target);
      return parsed.pathname + parsed.search;
    }
    if (target.startsWith('/')) return target;
    return options.serviceRoot + target;
  };

  /**
   * In a body, `$n` is a reference only as an `@odata.bind` value (deep-inserted rows included) or an `@odata.id`
   * value (a `$ref` body); any other string, such as a column holding "$1", is data and stays as sent.
   */
  const resolveBody = (body: string, references: Map<string, string>): string => {
    if (!body || !body.includes('"$')) return body;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return body;
    }
    let replaced = false;
    const resolveValue = (value: unknown): unknown => {
      if (typeof value !== 'string' || !CONTENT_ID_REF.test(value)) return value;
      replaced = true;
      return dereference(value, references);
    };
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const item of node) visit(item);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      for (const [name, value] of Object.entries(record)) {
        if (name.endsWith(BIND_ANNOTATION) || name === ID_ANNOTATION) {
          record[name] = Array.isArray(value) ? value.map(resolveValue) : resolveValue(value);
        } else {
          visit(value);
        }
      }
    };
    visit(parsed);
    return replaced ? JSON.stringify(parsed) : body;
  };

  const run = async (request: BatchRequestPart, references: Map<string, string>): Promise<BatchResponsePart> => {
    let url: string;
    let payload: string;
    try {
      url = resolveUrl(request.url, references);
      payload = resolveBody(request.body, references);
    } catch (error) {
      if (!(error instanceof ContentIdError)) throw error;
      const rendered = options.renderError(400, error.message);
      return { status: 400, headers: rendered.headers, body: rendered.body, contentId: request.contentId };
    }
    const headers: Record<string, string> = { ...inherited, ...request.headers };
    delete headers['content-id'];
    const result = await app.inject({
      method: request.method as 'GET',
      url: url.replace(/ /g, '%20'),
      headers,
      payload: payload || undefined,
    });
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers)) {
      if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name.toLowerCase())) continue;
      responseHeaders[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    for (const name of ['odata-entityid', 'location']) {
      const value = responseHeaders[name];
      if (value && value.startsWith('/')) responseHeaders[name] = origin + value;
    }
    return { status: result.statusCode, headers: responseHeaders, body: result.body, contentId: request.contentId };
  };

  const responses: BatchResponseItem[] = [];
  let stoppedWith: number | undefined;
  for (const item of items) {
    if (item.kind === 'request') {
      const response = await run(item.request, new Map());
      responses.push({ kind: 'response', response });
      if (!isSuccess(response.status) && !options.continueOnError) {
        stoppedWith = response.status;
        break;
      }
      continue;
    }
    const references = new Map<string, string>();
    const transaction = options.beginChangeSet();
    const done: BatchResponsePart[] = [];
    let failed: BatchResponsePart | undefined;
    await transaction.run(async () => {
      for (const request of item.requests) {
        const response = await run(request, references);
        if (!isSuccess(response.status)) {
          failed = response;
          return;
        }
        done.push(response);
        const location = collectLocation(response);
        if (request.contentId !== undefined && location) references.set(request.contentId, location);
      }
    });
    if (failed) {
      transaction.rollback();
      const contentId = options.changeSetErrorContentId === 'first' ? item.requests[0]?.contentId : failed.contentId;
      responses.push({ kind: 'changeset', responses: [{ ...failed, contentId }] });
      if (!options.continueOnError) {
        stoppedWith = failed.status;
        break;
      }
      continue;
    }
    transaction.commit();
    responses.push({ kind: 'changeset', responses: done });
  }

  const serialized = serializeBatchResponse(responses);
  const status = stoppedWith !== undefined && options.stopStatus === 'part-status' ? stoppedWith : 200;
  return { status, contentType: serialized.contentType, body: serialized.body, operations };
}

class ContentIdError extends Error {}
