import type { BusinessKey, SourceRow, TargetRow, WriteOutcome } from '../../common/types';
import { dataverseConnectionSchema, type DataverseConnection } from '../config';
import { badInput, brokenAnswer, type ConnectorError, type ErrorContext } from '../errors';
import { DATAVERSE_LIMITS } from '../limiter';
import { sleep, Target, type CallContext, type ConnectorDeps } from '../target';
import type { BatchOperation } from '../odata/batch';
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
import { bindPath, dateTimeLiteral, displayKey, keySegment } from '../odata/keys';
import {
  failedOutcome,
  fieldsWithoutKey,
  pageSizeProblem,
  queryOptions,
  recordKeyOf,
  rowProblem,
  sameServiceLink,
  findExistingKeys,
  readRowsByKeys,
  followPages,
  isPropertyName,
  type Page,
} from '../odata/rows';

/** Dataverse limits (wire-protocols §1.5, §1.9). */
export const DATAVERSE_MAX_PAGE_SIZE = 5000;
export const DATAVERSE_MAX_BATCH_OPERATIONS = 1000;
const API_VERSION = '9.2';

/** A navigation property to expand: its name or `{ navigation, select }` (as task definitions write it). */
export type ExpandSpec = string | { navigation: string; select?: string[] };

function expandItem(spec: ExpandSpec): string {
  if (typeof spec === 'string') return spec;
  return spec.select?.length ? `${spec.navigation}($select=${spec.select.join(',')})` : spec.navigation;
}

export interface DataverseReadOptions {
  select?: string[];
  expand?: ExpandSpec[];
  filter?: string;
  orderBy?: string[];
  pageSize: number;
  /** ISO date-time; only rows with `modifiedon` after it. */
  modifiedSince?: string;
  /** A nextLink returned as `nextCursor` by an earlier call. */
  cursor?: string;
}

export interface DataverseDeltaOptions {
  select: string[];
  /** The deltaLink of the previous complete delta read; omit for the initial full read. */
  deltaLink?: string;
  pageSize: number;
  cursor?: string;
}

export interface DeltaPage {
  rows: SourceRow[];
  deleted: Array<{ id: string }>;
  nextCursor?: string;
  /** Present on the last page: keep it for the next delta read. */
  deltaLink?: string;
}

export interface UpsertBatchOptions {
  /** true: every row is attempted (`odata.continue-on-error`); false: the batch stops at the first failure. */
  continueOnError: boolean;
}

interface CollectionQuery {
  select?: string[];
  filter?: string;
  orderBy?: string[];
  expand?: ExpandSpec[];
}

function queryString(query: CollectionQuery): string {
  const options = queryOptions({ ...query, expand: query.expand?.map(expandItem) });
  return options.length ? `?${options.join('&')}` : '';
}

/** One page of a collection answer, checked for the shape the protocol promises. */
interface CollectionAnswer {
  value: Array<Record<string, unknown>>;
  nextLink?: string;
  deltaLink?: string;
}

function isDeletedEntry(raw: Record<string, unknown>): boolean {
  const context = String(raw['@odata.context'] ?? '');
  return context.includes('$deletedEntity') || (raw.reason === 'deleted' && typeof raw.id === 'string');
}

/**
 * Dataverse Web API client. Every request goes through the connection's Target on undici and every answer is
 * parsed here, so a broken body (cut-off JSON, an empty 200) becomes a ConnectorError on the caller's promise.
 * dynamics-web-api parses answers inside a socket callback, where a cut-off body throws past its promise and
 * leaves the read hanging; and its batch result drops each part's status, so 201 created cannot be told from
 * 200 updated.
 */
export class DataverseClient {
  readonly apiUrl: string;
  readonly #target: Target;

  constructor(connection: DataverseConnection, deps: ConnectorDeps = {}) {
    const parsed = dataverseConnectionSchema.parse(connection);
    const origin = new URL(parsed.url).origin;
    this.#target = new Target('sales', parsed, DATAVERSE_LIMITS, deps);
    this.apiUrl = `${origin}/api/data/v${API_VERSION}/`;
  }

  get target(): Target {
    return this.#target;
  }

  private ctx(operation: string, entitySet?: string, recordKey?: string): CallContext {
    return { system: 'sales', operation, entitySet, recordKey };
  }

  private checkLink(link: string, what: string, ctx: ErrorContext): void {
    if (!sameServiceLink(link, this.apiUrl)) {
      throw badInput(ctx, `${what} does not belong to ${this.apiUrl}; refusing to send credentials elsewhere`);
    }
  }

  /** GETs one collection page (a query URL or a server-made next/delta link, followed verbatim). */
  private async getCollection(ctx: CallContext, url: string, prefer: string[]): Promise<CollectionAnswer> {
    const result = await this.#target.http(ctx, {
      method: 'GET',
      url,
      headers: { ...ODATA_HEADERS, prefer: prefer.join(',') },
    });
    const body = parseJsonObject(result.text, ctx);
    // Taking a missing `value` for an empty last page would end the read early and skip every later row.
    if (!Array.isArray(body.value)) throw brokenAnswer(ctx, 'collection answer without a value array');
    const answer: CollectionAnswer = { value: body.value as Array<Record<string, unknown>> };
    if (typeof body['@odata.nextLink'] === 'string') answer.nextLink = body['@odata.nextLink'];
    if (typeof body['@odata.deltaLink'] === 'string') answer.deltaLink = body['@odata.deltaLink'];
    return answer;
  }

  /** One page of rows; pass the returned `nextCursor` back as `cursor` for the next. */
  async readPage(entitySet: string, options: DataverseReadOptions): Promise<Page> {
    const ctx = this.ctx('read', entitySet);
    const problem = pageSizeProblem(options.pageSize, DATAVERSE_MAX_PAGE_SIZE);
    if (problem) throw badInput(ctx, problem);
    const filters = options.filter ? [`(${options.filter})`] : [];
    let select = options.select;
    if (options.modifiedSince !== undefined) {
      try {
        filters.push(`modifiedon gt ${dateTimeLiteral(options.modifiedSince)}`);
      } catch (err) {
        throw badInput(ctx, `modifiedSince: ${(err as Error).message}`);
      }
      // The caller needs modifiedon to move its watermark.
      if (select && !select.includes('modifiedon')) select = [...select, 'modifiedon'];
    }
    if (!isPropertyName(entitySet)) throw badInput(ctx, `entitySet '${entitySet}' is not valid`);
    if (options.cursor) this.checkLink(options.cursor, 'cursor', ctx);
    const url =
      options.cursor ??
      `${this.apiUrl}${entitySet}${queryString({
        select,
        filter: filters.length ? filters.join(' and ') : undefined,
        orderBy: options.orderBy,
        expand: options.expand,
      })}`;
    const answer = await this.getCollection(ctx, url, [`odata.maxpagesize=${options.pageSize}`]);
    const page: Page = { rows: answer.value };
    if (answer.nextLink) page.nextCursor = answer.nextLink;
    return page;
  }

  readPages(entitySet: string, options: DataverseReadOptions): AsyncIterable<Page> {
    return followPages((o: DataverseReadOptions) => this.readPage(entitySet, o), options);
  }

  /**
   * Change tracking: without `deltaLink` the first call returns every row and, on its last page, a deltaLink;
   * with it, only rows changed since and the ids of deleted rows.
   */
  async readDelta(entitySet: string, options: DataverseDeltaOptions): Promise<DeltaPage> {
    const ctx = this.ctx('readDelta', entitySet);
    const problem = pageSizeProblem(options.pageSize, DATAVERSE_MAX_PAGE_SIZE);
    if (problem) throw badInput(ctx, problem);
    if (!isPropertyName(entitySet)) throw badInput(ctx, `entitySet '${entitySet}' is not valid`);
    const link = options.cursor ?? options.deltaLink;
    if (options.cursor) this.checkLink(options.cursor, 'cursor', ctx);
    if (options.deltaLink) this.checkLink(options.deltaLink, 'deltaLink', ctx);
    const prefer = [`odata.maxpagesize=${options.pageSize}`];
    // Links carry the tracking state themselves; only the initial read asks for it.
    if (!link) prefer.push('odata.track-changes');
    const url = link ?? `${this.apiUrl}${entitySet}${queryString({ select: options.select })}`;
    const answer = await this.getCollection(ctx, url, prefer);
    const page: DeltaPage = { rows: [], deleted: [] };
    for (const raw of answer.value) {
      if (isDeletedEntry(raw)) page.deleted.push({ id: String(raw.id) });
      else page.rows.push(raw);
    }
    if (answer.nextLink) page.nextCursor = answer.nextLink;
    if (answer.deltaLink) page.deltaLink = answer.deltaLink;
    return page;
  }

  private upsertOperation(row: TargetRow): BatchOperation {
    const body: Record<string, unknown> = fieldsWithoutKey(row);
    for (const [navigation, ref] of Object.entries(row.lookups ?? {})) {
      body[`${navigation}@odata.bind`] = bindPath(ref.entitySet, ref.key);
    }
    // Selecting one key column keeps the representation small; the status (201/200) is what we need.
    const select = encodeURIComponent(Object.keys(row.key)[0]);
    return {
      method: 'PATCH',
      url: `${this.apiUrl}${row.entitySet}(${keySegment(row.key)})?$select=${select}`,
      headers: { Prefer: 'return=representation' },
      body,
    };
  }

  /**
   * Upserts rows by alternate key in `$batch` requests of at most 1000 operations and answers one outcome per
   * row, in order. Rows failing with a retryable error (429/5xx inside the batch) are retried within the
   * connector's inline budget; what still fails is reported, never thrown. A failure of the batch request as a
   * whole (network, throttling beyond the budget, auth) is thrown as ConnectorError.
   */
  async upsertBatch(
    rows: TargetRow[],
    options: UpsertBatchOptions = { continueOnError: true },
  ): Promise<WriteOutcome[]> {
    const outcomes: Array<WriteOutcome | undefined> = new Array(rows.length).fill(undefined);
    let pending: number[] = [];
    rows.forEach((row, index) => {
      const problem = rowProblem(row);
      if (problem)
        outcomes[index] = failedOutcome(row, badInput(this.ctx('upsert', row?.entitySet, recordKeyOf(row)), problem));
      else pending.push(index);
    });
    for (let round = 0; pending.length > 0; round += 1) {
      const retry: number[] = [];
      const retried: ConnectorError[] = [];
      const throttles: ConnectorError[] = [];
      for (let start = 0; start < pending.length; start += DATAVERSE_MAX_BATCH_OPERATIONS) {
        const chunk = pending.slice(start, start + DATAVERSE_MAX_BATCH_OPERATIONS);
        const responses = await sendBatch(
          this.#target,
          `${this.apiUrl}$batch`,
          chunk.map((i) => this.upsertOperation(rows[i])),
          {
            changeSetPerOperation: false,
            continueOnError: options.continueOnError,
            entitySet: rows[chunk[0]].entitySet,
          },
        );
        chunk.forEach((rowIndex, position) => {
          const row = rows[rowIndex];
          const part = responses[position];
          const ctx = { entitySet: row.entitySet, recordKey: recordKeyOf(row), operation: 'upsert' };
          if (part && part.status < 300) {
            // 201 = created, 200 = updated; a 204 means the server ignored return=representation and cannot
            // tell us which, and an existing row is the likelier case for a repeated sync.
            outcomes[rowIndex] = { sourceKey: row.sourceKey, status: part.status === 201 ? 'created' : 'updated' };
            return;
          }
          const refused = part ? partError(this.#target, part, ctx) : notExecutedError(this.#target, ctx);
          // The upsert sends no If-Match or If-None-Match, so a 412 means it found no row and then collided with
          // the key on insert: it lost a race with another writer, and its retry finds the row and updates it.
          // Dataverse's code for this varies (0x80040237, 0x80060892, none), so the status decides (§1.7).
          // A second collision is a real conflict.
          const err = round === 0 && refused.status === 412 ? refused.with({ retryable: true }) : refused;
          if (err.status === 429) throttles.push(err);
          outcomes[rowIndex] = failedOutcome(row, err);
          if (options.continueOnError && this.#target.mayRetryInline(err, round)) {
            retry.push(rowIndex);
            retried.push(err);
          }
        });
      }
      honourPartThrottling(this.#target, throttles, round);
      if (retry.length > 0) {
        this.#target.metrics.onRetry('sales');
        await sleep(partRetryPauseMs(retried, round + 1));
      }
      pending = retry;
    }
    return outcomes as WriteOutcome[];
  }

  /** Which of `values` exist as `keyField` in `entitySet` (case-insensitive, like Dataverse). */
  async findKeys(entitySet: string, keyField: string, values: string[]): Promise<Set<string>> {
    const ctx = this.ctx('findKeys', entitySet);
    if (!isPropertyName(keyField)) throw badInput(ctx, `keyField '${keyField}' is not a column name`);
    return findExistingKeys(keyField, values, (filter) =>
      this.readPages(entitySet, { select: [keyField], filter, pageSize: DATAVERSE_MAX_PAGE_SIZE }),
    );
  }

  /** The rows whose `keyField` is one of `values` (compared as Dataverse does, ignoring case), with `select`. */
  async readByKeys(entitySet: string, keyField: string, values: string[], select: string[]): Promise<SourceRow[]> {
    const ctx = this.ctx('readByKeys', entitySet);
    if (!isPropertyName(keyField)) throw badInput(ctx, `keyField '${keyField}' is not a column name`);
    const columns = [...new Set([keyField, ...select])];
    return readRowsByKeys(keyField, values, (filter) =>
      this.readPages(entitySet, { select: columns, filter, pageSize: DATAVERSE_MAX_PAGE_SIZE }),
    );
  }

  /** The row with this business key, or null when there is none. */
  async getByKey(entitySet: string, key: BusinessKey, select?: string[]): Promise<SourceRow | null> {
    const ctx = this.ctx('get', entitySet, displayKey(key));
    const url = `${this.entityUrl(entitySet, key, ctx)}${queryString({ select })}`;
    const result = await this.#target.http(ctx, { method: 'GET', url, headers: ODATA_HEADERS, accept: [404] });
    if (result.status === 404) return null;
    // An entity read always has a body; an empty 200 is a broken answer, not an empty row.
    return parseJsonObject(result.text, ctx);
  }

  /** Deletes by business key; false when the row was already gone (compensation treats that as done). */
  async deleteByKey(entitySet: string, key: BusinessKey): Promise<boolean> {
    const ctx = this.ctx('delete', entitySet, displayKey(key));
    const url = this.entityUrl(entitySet, key, ctx);
    const result = await this.#target.http(ctx, { method: 'DELETE', url, headers: ODATA_HEADERS, accept: [404] });
    if (result.status === 404) return false;
    expectNoContent(result, ctx);
    return true;
  }

  private entityUrl(entitySet: string, key: BusinessKey, ctx: ErrorContext): string {
    if (!isPropertyName(entitySet)) throw badInput(ctx, `entitySet '${entitySet}' is not valid`);
    return `${this.apiUrl}${entitySet}(${this.segmentOrThrow(key, ctx)})`;
  }

  private segmentOrThrow(key: BusinessKey, ctx: ErrorContext): string {
    try {
      return keySegment(key);
    } catch (err) {
      throw badInput(ctx, (err as Error).message);
    }
  }

  async close(): Promise<void> {
    await this.#target.close();
  }

  toJSON(): Record<string, unknown> {
    return { apiUrl: this.apiUrl, target: this.#target.toJSON() };
  }
}
