import type { BusinessKey, SourceRow, TargetRow, WriteOutcome } from '../../common/types';
import { fnoConnectionSchema, type FnoConnection } from '../config';
import { badInput, brokenAnswer, ConnectorError, type ErrorContext } from '../errors';
import { FNO_LIMITS } from '../limiter';
import { sleep, Target, type CallContext, type ConnectorDeps, type HttpResult } from '../target';
import type { BatchOperation, BatchPartResponse } from '../odata/batch';
import {
  expectNoContent,
  honourPartThrottling,
  notExecutedError,
  ODATA_HEADERS,
  parseJsonObject,
  partError,
  partRetryPauseMs,
  sendBatch,
} from '../odata/exec';
import { dateTimeLiteral, displayKey, keySegment, quoteString } from '../odata/keys';
import {
  failedOutcome,
  fieldsWithoutKey,
  pageSizeProblem,
  queryOptions,
  recordKeyOf,
  rowProblem,
  sameServiceLink,
  findExistingKeys,
  followPages,
  isPropertyName,
  type Page,
} from '../odata/rows';

/** F&O caps server-driven pages at 10,000 rows (wire-protocols §2.4). */
export const FNO_MAX_PAGE_SIZE = 10_000;
/** Undocumented for OData; kept well under the 5000 the service-protection page mentions. */
export const FNO_MAX_BATCH_OPERATIONS = 500;
const JSON_BODY = { 'content-type': 'application/json; charset=utf-8' };
const ALREADY_EXISTS = /already exists/i;

export interface FnoReadOptions {
  select?: string[];
  filter?: string;
  orderBy?: string[];
  pageSize: number;
  /** Every company the app user can see (`cross-company=true`). */
  crossCompany?: boolean;
  /** One company (cross-company read filtered by `dataAreaId`); defaults to the connection's `defaultCompany`. */
  dataAreaId?: string;
  modifiedSince?: { field: string; value: string };
  cursor?: string;
}

export interface FnoUpsertBatchOptions {
  /** true: each row stands alone; false: stop at the first failed row (later rows are reported not executed). */
  continueOnError: boolean;
  /**
   * Which rows the caller believes do not exist yet (true: all of them, e.g. a document's snapshot found no header;
   * a predicate: row by row, e.g. rows the checkpoint store has no hash for). Those are POSTed first instead of
   * PATCH-then-POST, one batch operation instead of two. A row that exists after all falls back to PATCH.
   */
  expectNew?: boolean | ((row: TargetRow) => boolean);
}

type Step = 'patch' | 'post';

interface PendingWrite {
  index: number;
  step: Step;
  /** PATCH→POST→PATCH transitions so far. */
  hops: number;
}

const MAX_WRITE_HOPS = 2;

/**
 * F&O OData client on undici. F&O has no upsert, so a write is "PATCH by natural key; on 404 POST" — which also
 * tells created from updated — and a POST that loses a race to another writer ("already exists") becomes a PATCH.
 */
export class FnoClient {
  readonly dataUrl: string;
  readonly defaultCompany?: string;
  readonly #target: Target;

  constructor(connection: FnoConnection, deps: ConnectorDeps = {}) {
    const parsed = fnoConnectionSchema.parse(connection);
    this.dataUrl = `${new URL(parsed.url).origin}/data/`;
    this.defaultCompany = parsed.defaultCompany;
    this.#target = new Target('fno', parsed, FNO_LIMITS, deps);
  }

  get target(): Target {
    return this.#target;
  }

  private ctx(operation: string, entitySet?: string, recordKey?: string): CallContext {
    return { system: 'fno', operation, entitySet, recordKey };
  }

  private get(
    ctx: CallContext,
    url: string,
    extra: Record<string, string> = {},
    accept?: number[],
  ): Promise<HttpResult> {
    return this.#target.http(ctx, { method: 'GET', url, headers: { ...ODATA_HEADERS, ...extra }, accept });
  }

  private entityUrl(entitySet: string, key: BusinessKey, crossCompany: boolean): string {
    return `${this.dataUrl}${entitySet}(${keySegment(key)})${crossCompany ? '?cross-company=true' : ''}`;
  }

  /** One page; pass `nextCursor` back as `cursor` for the next. */
  async readPage(entitySet: string, options: FnoReadOptions): Promise<Page> {
    const ctx = this.ctx('read', entitySet);
    const problem = pageSizeProblem(options.pageSize, FNO_MAX_PAGE_SIZE);
    if (problem) throw badInput(ctx, problem);
    let url: string;
    if (options.cursor) {
      if (!sameServiceLink(options.cursor, this.dataUrl)) {
        throw badInput(ctx, `cursor does not belong to ${this.dataUrl}; refusing to send credentials elsewhere`);
      }
      url = options.cursor;
    } else {
      url = this.queryUrl(entitySet, options, ctx);
    }
    const result = await this.get(ctx, url, { prefer: `odata.maxpagesize=${options.pageSize}` });
    const body = parseJsonObject(result.text, ctx);
    // Taking a missing `value` for an empty last page would end the read early and skip every later row.
    if (!Array.isArray(body.value)) throw brokenAnswer(ctx, 'collection answer without a value array');
    const page: Page = { rows: body.value as SourceRow[] };
    if (typeof body['@odata.nextLink'] === 'string') page.nextCursor = body['@odata.nextLink'];
    return page;
  }

  private queryUrl(entitySet: string, options: FnoReadOptions, ctx: ErrorContext): string {
    const filters: string[] = [];
    if (options.filter) filters.push(`(${options.filter})`);
    const company = options.crossCompany ? undefined : (options.dataAreaId ?? this.defaultCompany);
    if (company) filters.push(`dataAreaId eq ${quoteString(company)}`);
    if (options.modifiedSince) {
      const { field, value } = options.modifiedSince;
      if (!isPropertyName(field)) throw badInput(ctx, `modifiedSince.field '${field}' is not a field name`);
      try {
        filters.push(`${field} gt ${dateTimeLiteral(value)}`);
      } catch (err) {
        throw badInput(ctx, `modifiedSince.value: ${(err as Error).message}`);
      }
    }
    const query: string[] = [];
    // A company filter reads that company whatever the app user's default company is.
    if (options.crossCompany || company) query.push('cross-company=true');
    query.push(
      ...queryOptions({
        select: options.select,
        filter: filters.length ? filters.join(' and ') : undefined,
        orderBy: options.orderBy,
      }),
    );
    return `${this.dataUrl}${entitySet}${query.length ? `?${query.join('&')}` : ''}`;
  }

  readPages(entitySet: string, options: FnoReadOptions): AsyncIterable<Page> {
    return followPages((o: FnoReadOptions) => this.readPage(entitySet, o), options);
  }

  /** The row with this natural key (dataAreaId included for company-specific entities), or null. */
  async getByKey(entitySet: string, key: BusinessKey): Promise<SourceRow | null> {
    const ctx = this.ctx('get', entitySet, displayKey(key));
    const url = this.urlOrThrow(entitySet, key, ctx, 'dataAreaId' in key);
    const result = await this.get(ctx, url, {}, [404]);
    if (result.status === 404) return null;
    // An entity read always has a body; an empty 200 is a broken answer, not an empty row.
    const row = parseJsonObject(result.text, ctx);
    delete row['@odata.context'];
    return row;
  }

  /** Deletes by natural key; false when it was already gone (compensation treats that as done). */
  async deleteByKey(entitySet: string, key: BusinessKey): Promise<boolean> {
    const ctx = this.ctx('delete', entitySet, displayKey(key));
    const url = this.urlOrThrow(entitySet, key, ctx, false);
    const result = await this.#target.http(ctx, { method: 'DELETE', url, headers: ODATA_HEADERS, accept: [404] });
    if (result.status === 404) return false;
    expectNoContent(result, ctx);
    return true;
  }

  private urlOrThrow(entitySet: string, key: BusinessKey, ctx: ErrorContext, crossCompany: boolean): string {
    try {
      return this.entityUrl(entitySet, key, crossCompany);
    } catch (err) {
      throw badInput(ctx, (err as Error).message);
    }
  }

  private operation(row: TargetRow, step: Step): BatchOperation {
    if (step === 'patch') {
      // No If-Match needed: an F&O PATCH never creates, it answers 404 for a missing key.
      return { method: 'PATCH', url: this.entityUrl(row.entitySet, row.key, false), body: fieldsWithoutKey(row) };
    }
    return { method: 'POST', url: `${this.dataUrl}${row.entitySet}`, body: { ...row.fields, ...row.key } };
  }

  private rowInputProblem(row: TargetRow): string | undefined {
    const problem = rowProblem(row);
    if (problem) return problem;
    if (row.lookups && Object.keys(row.lookups).length > 0) {
      return 'F&O rows carry related keys as plain fields; lookups (@odata.bind) are a Dataverse feature';
    }
    return undefined;
  }

  /** PATCH by natural key, POST when it does not exist yet; one row, one outcome (failures are returned). */
  async upsert(row: TargetRow): Promise<WriteOutcome> {
    const problem = this.rowInputProblem(row);
    if (problem) return failedOutcome(row, badInput(this.ctx('upsert', row?.entitySet, recordKeyOf(row)), problem));
    const ctx = this.ctx('upsert', row.entitySet, recordKeyOf(row));
    try {
      const send = (step: Step) => {
        const op = this.operation(row, step);
        const headers = { ...ODATA_HEADERS, ...JSON_BODY, ...op.headers };
        return this.#target.http(ctx, {
          method: op.method,
          url: op.url,
          headers,
          body: JSON.stringify(op.body),
          accept: step === 'patch' ? [404] : undefined,
        });
      };
      // A 2xx with a broken body is no proof the write happened: it throws a retryable error instead.
      const patched = await send('patch');
      if (patched.status !== 404) {
        expectNoContent(patched, ctx);
        return { sourceKey: row.sourceKey, status: 'updated' };
      }
      try {
        const posted = await send('post');
        // A create answers 201 with the entity (204 only when a service was asked for no representation).
        if (posted.status !== 204) parseJsonObject(posted.text, ctx);
        return { sourceKey: row.sourceKey, status: 'created' };
      } catch (err) {
        if (!(err instanceof ConnectorError) || !ALREADY_EXISTS.test(err.serviceMessage)) throw err;
        expectNoContent(await send('patch'), ctx);
        return { sourceKey: row.sourceKey, status: 'updated' };
      }
    } catch (err) {
      if (err instanceof ConnectorError && !err.retryable) return failedOutcome(row, err);
      throw err;
    }
  }

  /**
   * Upserts rows through `$batch` with one change set per row, so one bad row does not sink its neighbours:
   * first a PATCH per row (a POST for rows `expectNew` picks), then a POST for the rows that answered 404, then a
   * PATCH again for any POST that found the row already there. Retryable row failures are retried within the inline
   * budget.
   */
  async upsertBatch(
    rows: TargetRow[],
    options: FnoUpsertBatchOptions = { continueOnError: true },
  ): Promise<WriteOutcome[]> {
    const outcomes: Array<WriteOutcome | undefined> = new Array(rows.length).fill(undefined);
    const valid: number[] = [];
    rows.forEach((row, index) => {
      const problem = this.rowInputProblem(row);
      if (problem)
        outcomes[index] = failedOutcome(row, badInput(this.ctx('upsert', row?.entitySet, recordKeyOf(row)), problem));
      else valid.push(index);
    });
    if (!options.continueOnError) {
      return this.upsertSequentially(rows, valid, outcomes);
    }
    const { expectNew = false } = options;
    const firstStep = (row: TargetRow): Step =>
      (typeof expectNew === 'function' ? expectNew(row) : expectNew) ? 'post' : 'patch';
    let pending: PendingWrite[] = valid.map((index) => ({ index, step: firstStep(rows[index]), hops: 0 }));
    let retries = 0;
    while (pending.length > 0) {
      const next: PendingWrite[] = [];
      const throttles: ConnectorError[] = [];
      const retried: ConnectorError[] = [];
      for (let start = 0; start < pending.length; start += FNO_MAX_BATCH_OPERATIONS) {
        const chunk = pending.slice(start, start + FNO_MAX_BATCH_OPERATIONS);
        const responses = await sendBatch(
          this.#target,
          `${this.dataUrl}$batch`,
          chunk.map(({ index, step }) => this.operation(rows[index], step)),
          { changeSetPerOperation: true, continueOnError: true, entitySet: rows[chunk[0].index].entitySet },
        );
        chunk.forEach(({ index, step, hops }, position) => {
          const decision = this.decide(rows[index], step, responses[position], hops);
          if ('outcome' in decision) outcomes[index] = decision.outcome;
          if ('next' in decision) next.push({ index, step: decision.next, hops: hops + 1 });
          if ('error' in decision) {
            if (decision.error.status === 429) throttles.push(decision.error);
            if (this.#target.mayRetryInline(decision.error, retries)) {
              next.push({ index, step, hops });
              retried.push(decision.error);
            }
          }
        });
      }
      honourPartThrottling(this.#target, throttles, retries);
      if (retried.length > 0) {
        retries += 1;
        this.#target.metrics.onRetry('fno');
        await sleep(partRetryPauseMs(retried, retries));
      }
      pending = next;
    }
    return outcomes as WriteOutcome[];
  }

  /** What a row's batch response means for it: done, a next step (POST after 404), or a failure. */
  private decide(
    row: TargetRow,
    step: Step,
    part: BatchPartResponse | undefined,
    hops: number,
  ): { outcome: WriteOutcome; error: ConnectorError } | { outcome: WriteOutcome } | { next: Step } {
    const operation = step === 'patch' ? 'PATCH' : 'POST';
    const ctx = { entitySet: row.entitySet, recordKey: recordKeyOf(row), operation };
    if (part && part.status < 300) {
      return { outcome: { sourceKey: row.sourceKey, status: step === 'post' ? 'created' : 'updated' } };
    }
    // Another writer can make a PATCH miss and the POST collide; after one round of that, leave it to Temporal.
    const mayHop = hops < MAX_WRITE_HOPS;
    if (part && part.status === 404 && step === 'patch' && mayHop) return { next: 'post' };
    const error = part ? partError(this.#target, part, ctx) : notExecutedError(this.#target, ctx);
    if (step === 'post' && ALREADY_EXISTS.test(error.serviceMessage)) {
      if (mayHop) return { next: 'patch' };
      const contended = error.with({ retryable: true, kind: 'conflict' });
      return { outcome: failedOutcome(row, contended), error: contended };
    }
    return { outcome: failedOutcome(row, error), error };
  }

  private async upsertSequentially(
    rows: TargetRow[],
    indexes: number[],
    outcomes: Array<WriteOutcome | undefined>,
  ): Promise<WriteOutcome[]> {
    let stopped = false;
    for (const index of indexes) {
      const row = rows[index];
      if (stopped) {
        const ctx = { entitySet: row.entitySet, recordKey: recordKeyOf(row), operation: 'upsert' };
        outcomes[index] = failedOutcome(row, notExecutedError(this.#target, ctx));
        continue;
      }
      outcomes[index] = await this.upsert(row);
      stopped = outcomes[index]?.status === 'failed';
    }
    return outcomes as WriteOutcome[];
  }

  /** Which of `values` exist as `keyField` (in `dataAreaId`, or the default company, when given). */
  async findKeys(entitySet: string, keyField: string, values: string[], dataAreaId?: string): Promise<Set<string>> {
    const ctx = this.ctx('findKeys', entitySet);
    if (!isPropertyName(keyField)) throw badInput(ctx, `keyField '${keyField}' is not a field name`);
    return findExistingKeys(keyField, values, (filter) =>
      this.readPages(entitySet, { select: [keyField], filter, pageSize: FNO_MAX_PAGE_SIZE, dataAreaId }),
    );
  }

  async close(): Promise<void> {
    await this.#target.close();
  }

  toJSON(): Record<string, unknown> {
    return { dataUrl: this.dataUrl, defaultCompany: this.defaultCompany, target: this.#target.toJSON() };
  }
}
