import { backoffMs, type HttpResult, type Target } from '../target';
import { brokenAnswer, errorFromResponse, type ConnectorError, type ErrorContext } from '../errors';
import {
  buildBatch,
  parseBatchResponse,
  responsesByOperation,
  type BatchOperation,
  type BatchPartResponse,
} from './batch';

/** Headers every OData request carries (both services speak OData 4.0 JSON). */
export const ODATA_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  accept: 'application/json',
  'odata-version': '4.0',
  'odata-maxversion': '4.0',
});

/**
 * The JSON object a 2xx answer carries. A body that is empty, cut off, not JSON (a proxy's page) or not an object
 * is a broken answer: retryable, since the request itself was fine and the next attempt usually gets through.
 */
export function parseJsonObject(text: string, ctx: ErrorContext): Record<string, unknown> {
  if (!text.trim()) throw brokenAnswer(ctx, 'empty response where a JSON body was due');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw brokenAnswer(ctx, `response is not valid JSON (${(err as Error).message}; ${text.length} characters)`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw brokenAnswer(ctx, `response is JSON but not an object (${Array.isArray(value) ? 'array' : typeof value})`);
  }
  return value as Record<string, unknown>;
}

/**
 * A PATCH or DELETE succeeds with 204 and no body (wire-protocols §1.6, §2.7). Any other 2xx did not come from the
 * service as specified (a gateway's page, a cut body), so whether the change happened is unknown: retryable, as
 * every write here is by key and may be repeated.
 */
export function expectNoContent(result: HttpResult, ctx: ErrorContext): void {
  if (result.status === 204) return;
  if (result.text.trim()) {
    try {
      JSON.parse(result.text);
      // A JSON representation (return=representation, or a service that sends one anyway) is a real answer.
      return;
    } catch {
      throw brokenAnswer(ctx, `answered ${result.status} with a body that is not JSON instead of 204 No Content`);
    }
  }
  throw brokenAnswer(ctx, `answered ${result.status} with an empty body instead of 204 No Content`);
}

/** Sends one `$batch` through the target and returns each operation's response (undefined = not executed). */
export async function sendBatch(
  target: Target,
  batchUrl: string,
  operations: BatchOperation[],
  options: { changeSetPerOperation: boolean; continueOnError: boolean; entitySet?: string },
): Promise<Array<BatchPartResponse | undefined>> {
  const { contentType, body } = buildBatch(operations, options.changeSetPerOperation);
  const headers: Record<string, string> = { ...ODATA_HEADERS, 'content-type': contentType };
  if (options.continueOnError) headers.prefer = 'odata.continue-on-error';
  const ctx = { system: target.system, operation: '$batch', entitySet: options.entitySet };
  // Without continue-on-error a failing part sets the batch status, but the body is still the multipart answer.
  const accept = [400, 403, 404, 405, 409, 412, 413, 422, 500];
  const result = await target.http(ctx, { method: 'POST', url: batchUrl, headers, body, accept });
  if (!/^multipart\/mixed/i.test(result.headers['content-type'] ?? '')) {
    // A success status without the multipart answer is a broken response (proxy page, cut body): retryable, since
    // every operation is an upsert by key. Error statuses keep their own classification.
    if (result.status < 400) throw brokenAnswer(ctx, `$batch answered ${result.status} without a multipart body`);
    throw errorFromResponse({ status: result.status, headers: result.headers, body: result.text }, ctx);
  }
  let parts: BatchPartResponse[];
  try {
    parts = parseBatchResponse(result.headers['content-type'], result.text);
  } catch (err) {
    throw errorFromResponse(
      { status: 502, body: { error: { message: `unreadable $batch response: ${(err as Error).message}` } } },
      ctx,
    );
  }
  return responsesByOperation(parts, operations.length, options.changeSetPerOperation);
}

export function partError(
  target: Target,
  part: BatchPartResponse,
  ctx: { entitySet: string; recordKey: string; operation: string },
): ConnectorError {
  return errorFromResponse(
    { status: part.status, headers: part.headers, body: part.body },
    { system: target.system, ...ctx },
  );
}

/** A batch part that never ran (the batch stopped at an earlier failure): retryable, since nothing was wrong with it. */
export function notExecutedError(
  target: Target,
  ctx: { entitySet: string; recordKey: string; operation: string },
): ConnectorError {
  return errorFromResponse(
    { status: 424, body: { error: { message: 'not executed: an earlier operation in the same $batch failed' } } },
    { system: target.system, ...ctx },
  ).with({ retryable: true, kind: 'transient' });
}

/** Parts that answered 429 pause the whole target, exactly as a 429 on a plain request does. */
export function honourPartThrottling(target: Target, errors: ConnectorError[], retry: number): void {
  const throttled = errors.filter((e) => e.status === 429);
  if (throttled.length === 0) return;
  const waits = throttled.map((e) => e.retryAfterMs);
  const longest = waits.some((w) => w === undefined) ? undefined : Math.max(...(waits as number[]));
  target.throttled(longest, retry, '$batch');
}

/**
 * How long to wait before retry number `retry` (1-based) of batch parts that failed with `errors`: the backoff, or
 * the longest Retry-After a part sent if longer. A 429's wait is left out: the target's limiter already holds every
 * request until it has passed (honourPartThrottling), and this pause runs at the same time.
 */
export function partRetryPauseMs(errors: ConnectorError[], retry: number): number {
  const waits = errors.filter((e) => e.status !== 429).map((e) => e.retryAfterMs ?? 0);
  return Math.max(backoffMs(retry), ...waits);
}
