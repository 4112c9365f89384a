import { randomUUID } from 'node:crypto';

/**
 * OData `$batch` multipart bodies (wire-protocols §1.9 and §2.8), written and read here for both services. Each
 * operation can be a standalone part or sit in its own change set; responses are matched back to operations by
 * Content-ID (change sets) and by order (standalone parts).
 */

export interface BatchOperation {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Absolute URL of the operation. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BatchRequestBody {
  contentType: string;
  body: string;
}

export interface BatchPartResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
  /** Index of the change set this part answered, when it came from one. */
  changeSet?: number;
}

const CRLF = '\r\n';

function operationLines(op: BatchOperation): string[] {
  const lines = [`${op.method} ${op.url} HTTP/1.1`, 'Accept: application/json'];
  if (op.body !== undefined) lines.push('Content-Type: application/json; type=entry');
  for (const [name, value] of Object.entries(op.headers ?? {})) lines.push(`${name}: ${value}`);
  lines.push('');
  lines.push(op.body !== undefined ? JSON.stringify(op.body) : '');
  return lines;
}

/**
 * Builds the body. With `changeSetPerOperation` every operation gets its own change set (Content-ID = its 1-based
 * position), so a failure rolls back only that operation; otherwise operations are standalone parts.
 */
export function buildBatch(operations: BatchOperation[], changeSetPerOperation: boolean): BatchRequestBody {
  const batchBoundary = `batch_${randomUUID()}`;
  const lines: string[] = [];
  operations.forEach((op, index) => {
    lines.push(`--${batchBoundary}`);
    if (changeSetPerOperation) {
      const changeSet = `changeset_${randomUUID()}`;
      lines.push(`Content-Type: multipart/mixed; boundary=${changeSet}`, '');
      lines.push(`--${changeSet}`);
      lines.push('Content-Type: application/http', 'Content-Transfer-Encoding: binary', `Content-ID: ${index + 1}`, '');
      lines.push(...operationLines(op));
      lines.push(`--${changeSet}--`);
    } else {
      lines.push('Content-Type: application/http', 'Content-Transfer-Encoding: binary', '');
      lines.push(...operationLines(op));
    }
  });
  lines.push(`--${batchBoundary}--`, '');
  return { contentType: `multipart/mixed; boundary=${batchBoundary}`, body: lines.join(CRLF) };
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Splits `text` into header block and the rest at the first blank line (CRLF or LF). */
function splitHead(text: string): { head: string[]; rest: string } {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) return { head: text.split(/\r?\n/).filter(Boolean), rest: '' };
  return {
    head: text.slice(0, match.index).split(/\r?\n/).filter(Boolean),
    rest: text.slice(match.index + match[0].length),
  };
}

function headerMap(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * The parts between `--boundary` delimiter lines, up to the closing `--boundary--`. A delimiter starts a line and
 * ends one (trailing blanks allowed); the line break before it belongs to the delimiter. Found with indexOf, not a
 * regular expression: Dataverse answers every operation in its own change set with its own boundary, and compiling
 * a pattern per boundary cost more than the rest of the parse.
 */
function splitParts(body: string, boundary: string): string[] {
  const marker = `--${boundary}`;
  const parts: string[] = [];
  let last: number | undefined;
  for (let at = body.indexOf(marker); at >= 0; at = body.indexOf(marker, at + marker.length)) {
    if (at > 0 && body.charCodeAt(at - 1) !== LF) continue;
    let end = at + marker.length;
    const closing = body.startsWith('--', end);
    if (closing) end += 2;
    while (body.charCodeAt(end) === SPACE || body.charCodeAt(end) === TAB) end += 1;
    if (end < body.length) {
      if (body.charCodeAt(end) === CR && body.charCodeAt(end + 1) === LF) end += 2;
      else if (body.charCodeAt(end) === LF) end += 1;
      else continue;
    }
    if (last !== undefined) {
      const lineBreak = at >= 2 && body.charCodeAt(at - 2) === CR ? 2 : 1;
      parts.push(body.slice(last, at - lineBreak));
    }
    if (closing) return parts;
    last = end;
  }
  if (last !== undefined) throw new Error(`batch response ended without the closing boundary --${boundary}--`);
  return parts;
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

function parseHttpPart(part: string, changeSet?: number): BatchPartResponse {
  const outer = splitHead(part);
  const outerHeaders = headerMap(outer.head);
  const inner = splitHead(outer.rest);
  const statusLine = inner.head.shift() ?? '';
  const status = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(statusLine);
  if (!status) throw new Error(`batch response part has no HTTP status line (got '${statusLine.slice(0, 80)}')`);
  const response: BatchPartResponse = {
    status: Number(status[1]),
    headers: headerMap(inner.head),
    body: inner.rest.replace(/\r?\n$/, ''),
  };
  if (outerHeaders['content-id'] !== undefined) response.contentId = outerHeaders['content-id'];
  if (changeSet !== undefined) response.changeSet = changeSet;
  return response;
}

/** Flattens a batch response into its HTTP responses, in order; change-set responses are marked. */
export function parseBatchResponse(contentType: string | undefined, body: string): BatchPartResponse[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new Error(`batch response is not multipart (Content-Type: ${contentType ?? 'none'})`);
  const responses: BatchPartResponse[] = [];
  splitParts(body, boundary).forEach((part, index) => {
    const { head, rest } = splitHead(part);
    const headers = headerMap(head);
    const nested = boundaryOf(headers['content-type']);
    if (/^multipart\/mixed/i.test(headers['content-type'] ?? '') && nested) {
      for (const inner of splitParts(rest, nested)) responses.push(parseHttpPart(inner, index));
    } else {
      responses.push(parseHttpPart(part));
    }
  });
  return responses;
}

/**
 * Matches responses to operations: a change set answers its one operation (by Content-ID, else by change-set
 * order); standalone parts answer in order. Operations with no response were not executed.
 */
export function responsesByOperation(
  responses: BatchPartResponse[],
  operationCount: number,
  changeSetPerOperation: boolean,
): Array<BatchPartResponse | undefined> {
  const byOperation: Array<BatchPartResponse | undefined> = new Array(operationCount).fill(undefined);
  if (!changeSetPerOperation) {
    responses.slice(0, operationCount).forEach((response, index) => (byOperation[index] = response));
    return byOperation;
  }
  let changeSetOrdinal = -1;
  let previousChangeSet: number | undefined;
  for (const response of responses) {
    if (response.changeSet !== previousChangeSet || response.changeSet === undefined) changeSetOrdinal += 1;
    previousChangeSet = response.changeSet;
    const byId = response.contentId !== undefined ? Number(response.contentId) - 1 : NaN;
    const index = Number.isInteger(byId) && byId >= 0 && byId < operationCount ? byId : changeSetOrdinal;
    if (index < operationCount && byOperation[index] === undefined) byOperation[index] = response;
  }
  return byOperation;
}
