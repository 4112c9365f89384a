import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { BatchFormatError, executeBatch, parseBatchRequest } from '../common/batch';
import { FaultController, isBatchPart, registerAdminRoutes, type FaultErrorContext } from '../common/faults';
import { startIdentityServer, type IdentityServer } from '../common/identity';
import {
  compareValues,
  equalityValues,
  evaluateFilter,
  filterFeatures,
  filterProperties,
  ODataSyntaxError,
  parseKeySegment,
  parseQueryOptions,
  splitPath,
  type KeySegment,
  type QueryOptions,
} from '../common/odata';
import { firstAfter, QueryCache } from '../common/query-cache';
import { TableStore, type ChangeEntry, type Row } from '../common/store';
import { ServiceProtection, throttleOptionsSchema, type ThrottleOptions, type ThrottleStats } from '../common/throttle';
import { buildMetadataDocument } from './csdl';
import {
  DataverseError,
  DV_ERROR,
  ERROR_CONTENT_TYPE,
  MATCHING_KEY_EXISTS_MESSAGE,
  ROW_VERSION_MISMATCH_MESSAGE,
  badRequest,
  errorBody,
  notFound,
  notFoundByKey,
  throttleMessage,
} from './errors';
import {
  annotationFilter,
  checkExpand,
  checkSelect,
  contextFragment,
  formatRow,
  type AnnotationFilter,
  type FormatOptions,
} from './format';
import { COLLECTIONS_BY_SET, ENTITIES, type EntityDef } from './metadata';
import { DataverseModel, etagOf, navigationMaps, type Located } from './records';
import { loadSeed, type DataverseSeed } from './seed';

/**
 * A local Dataverse Web API (spec/wire-protocols.md §1): OData v4 JSON over `/api/data/v9.x/`, Entra bearer
 * tokens from the identity emulator, alternate keys, upsert, optimistic concurrency, paging, `$batch`, change
 * tracking and service protection, over the prospect-to-cash tables of `metadata.ts`.
 */

export type { DataverseSeed };

export interface DataverseEmulatorOptions {
  host?: string;
  port?: number;
  /** Token issuer to trust; the emulator starts (and later closes) its own when absent. */
  identity?: IdentityServer;
  persistFile?: string;
  seed?: DataverseSeed;
  /** Server page size when the client sends no `odata.maxpagesize` (and the cap on it). Default 5000. */
  maxPageSize?: number;
  serviceProtection?: ThrottleOptions | false;
  /** Delta tokens older than this are refused. Default 7 days (ExpireChangeTrackingInDays). */
  changeTrackingExpiryDays?: number;
  admin?: boolean;
  logger?: boolean;
}

export interface DataverseStats {
  requests: number;
  batchOperations: number;
  byStatus: Record<string, number>;
  throttled: number;
  earlyRetries: number;
  serviceProtection: ThrottleStats;
}

export interface DataverseEmulator {
  url: string;
  /** `url + '/api/data/v9.2/'` */
  apiUrl: string;
  /** Token audience (= url); request tokens for `resource + '/.default'`. */
  resource: string;
  identity: IdentityServer;
  faults: FaultController;
  throttle: ServiceProtection;
  store: TableStore;
  stats(): DataverseStats;
  close(): Promise<void>;
}

export const API_VERSION_PATH = '/api/data/v9.2/';
export const DEFAULT_MAX_PAGE_SIZE = 5000;
export const COUNT_LIMIT = 5000;
export const MAX_BATCH_OPERATIONS = 1000;
const DEFAULT_CHANGE_TRACKING_EXPIRY_DAYS = 7;
const ODATA_HEADERS = { 'OData-Version': '4.0' } as const;
const JSON_CONTENT_TYPE = 'application/json; odata.metadata=minimal';
const CHANGE_TRACKING_REFUSED = ['$filter', '$orderby', '$expand', '$top'] as const;
/** Features the Dataverse Web API does not offer in `$filter`. */
const REFUSED_FILTER_FEATURES: Record<string, string> = {
  has: "the 'has' operator",
  enum: 'enum literals',
  arithmetic: 'arithmetic operators (add, sub, mul, div, mod)',
};
const SUPPORTED_FUNCTIONS = new Set(['function:contains', 'function:startswith', 'function:endswith']);

interface Preferences {
  returnRepresentation: boolean;
  maxPageSize?: number;
  trackChanges: boolean;
  includeAnnotations?: string;
  continueOnError: boolean;
}

function parsePrefer(header: string | string[] | undefined): Preferences {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const prefs: Preferences = { returnRepresentation: false, trackChanges: false, continueOnError: false };
  for (const raw of text.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const item = raw.trim();
    const lower = item.toLowerCase();
    if (lower === 'return=representation') prefs.returnRepresentation = true;
    else if (lower === 'odata.track-changes') prefs.trackChanges = true;
    else if (lower === 'odata.continue-on-error') prefs.continueOnError = true;
    else if (lower.startsWith('odata.maxpagesize=')) {
      const size = Number(item.slice('odata.maxpagesize='.length).replace(/"/g, ''));
      if (Number.isInteger(size) && size > 0) prefs.maxPageSize = size;
    } else if (lower.startsWith('odata.include-annotations=')) {
      prefs.includeAnnotations = item.slice('odata.include-annotations='.length);
    }
  }
  return prefs;
}

interface PagingCookie {
  /** Sort values of the last row sent, then its primary key. */
  after: unknown[];
  page: number;
  /** Store version at the first page of a change-tracking read, for the delta link of the last page. */
  trackingVersion?: number;
}

function encodeSkipToken(cookie: PagingCookie): string {
  const inner = encodeURIComponent(JSON.stringify({ after: cookie.after, v: cookie.trackingVersion }));
  const tracking = cookie.trackingVersion !== undefined ? 'True' : 'False';
  return `<cookie pagenumber="${cookie.page}" pagingcookie="${inner}" istracking="${tracking}" />`;
}

function decodeSkipToken(token: string): PagingCookie {
  const page = /pagenumber="(\d+)"/.exec(token);
  const inner = /pagingcookie="([^"]*)"/.exec(token);
  try {
    if (!page || !inner) throw new Error('shape');
    const parsed = JSON.parse(decodeURIComponent(inner[1])) as { after: unknown[]; v?: number };
    if (!Array.isArray(parsed.after)) throw new Error('shape');
    return { after: parsed.after, page: Number(page[1]), trackingVersion: parsed.v };
  } catch {
    throw badRequest(`The $skiptoken '${token}' is not a paging cookie issued by this service.`);
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Delta tokens look like the real ones: `<version>!<MM/dd/yyyy HH:mm:ss>` (UTC). */
function makeDeltaToken(version: number, at = new Date()): string {
  const stamp = `${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${at.getUTCFullYear()} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
  return `${version}!${stamp}`;
}

function parseDeltaToken(token: string, currentVersion: number, expiryDays: number): number {
  const match = /^(\d+)!(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(token);
  if (!match) throw badRequest(`The $deltatoken '${token}' is not a change-tracking token issued by this service.`);
  const version = Number(match[1]);
  const issued = Date.UTC(+match[4], +match[2] - 1, +match[3], +match[5], +match[6], +match[7]);
  if (version > currentVersion || Number.isNaN(issued)) {
    throw badRequest(`The $deltatoken '${token}' does not belong to this organization.`);
  }
  if (Date.now() - issued > expiryDays * 86_400_000) {
    throw badRequest(
      `The $deltatoken '${token}' has expired: change tracking data is kept for ${expiryDays} days. Read the table again with Prefer: odata.track-changes.`,
    );
  }
  return version;
}

export async function startDataverseEmulator(opts: DataverseEmulatorOptions = {}): Promise<DataverseEmulator> {
  const ownIdentity = opts.identity ? undefined : await startIdentityServer();
  try {
    return await startServer(opts, opts.identity ?? ownIdentity!, ownIdentity);
  } catch (error) {
    // A bad seed or a busy port must not leave the identity server we started running.
    await ownIdentity?.close();
    throw error;
  }
}

async function startServer(
  opts: DataverseEmulatorOptions,
  identity: IdentityServer,
  ownIdentity: IdentityServer | undefined,
): Promise<DataverseEmulator> {
  const maxPageSize = opts.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE;
  const expiryDays = opts.changeTrackingExpiryDays ?? DEFAULT_CHANGE_TRACKING_EXPIRY_DAYS;
  const store = new TableStore({
    tables: ENTITIES.map((e) => ({
      name: e.entitySet,
      primaryKey: e.primaryId,
      uniqueKeys: e.alternateKeys.map((k) => k.columns),
    })),
    caseInsensitiveKeys: true,
    persistFile: opts.persistFile,
  });
  const model = new DataverseModel(store, API_VERSION_PATH);
  if (opts.seed && !store.loadedFromFile) loadSeed(model, opts.seed);

  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 64 * 1024 * 1024 });
  let baseUrl = '';
  const counters = { requests: 0, batchOperations: 0, byStatus: {} as Record<string, number> };

  const wantsAnnotations = (request: FastifyRequest) => parsePrefer(request.headers.prefer).includeAnnotations;
  const sendError = (reply: FastifyReply, request: FastifyRequest, status: number, code: string, message: string) =>
    reply
      .code(status)
      .headers(ODATA_HEADERS)
      .header('content-type', ERROR_CONTENT_TYPE)
      .send(errorBody(code, message, wantsAnnotations(request) !== undefined));

  const faults = new FaultController((context: FaultErrorContext) => {
    const withAnnotations = wantsAnnotations(context.request) !== undefined;
    const headers = { 'content-type': ERROR_CONTENT_TYPE, 'odata-version': '4.0' };
    if (context.kind === 'throttle') {
      const { code, message } = throttleMessage('requests', throttle.limitsOrDefault());
      return { headers, body: errorBody(code, message, withAnnotations) };
    }
    if (context.kind === 'write-failure') {
      if (context.status === 412) {
        // What an upsert gets when another writer created the same key between its lookup and its insert.
        return {
          status: 412,
          headers,
          body: errorBody(DV_ERROR.duplicateRecord, MATCHING_KEY_EXISTS_MESSAGE, withAnnotations),
        };
      }
      const reason = context.matchedKey ? ` (key '${context.matchedKey}' is configured to fail)` : '';
      const status = context.status === 500 && context.matchedKey ? 400 : context.status;
      return {
        status,
        headers,
        body: errorBody(DV_ERROR.invalidArgument, `Injected write failure${reason}.`, withAnnotations),
      };
    }
    const code = context.status === 503 ? DV_ERROR.unavailable : DV_ERROR.serverError;
    return { headers, body: errorBody(code, `Injected ${context.status} server error.`, withAnnotations) };
  });

  const throttle = new ServiceProtection(opts.serviceProtection, (limit, limits) => {
    const { code, message } = throttleMessage(limit, limits);
    return errorBody(code, message);
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = (body as string).trim();
    if (!text) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(
        new DataverseError(
          400,
          DV_ERROR.odataRequest,
          `The request body is not valid JSON: ${(error as Error).message}`,
        ),
        undefined,
      );
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const isApi = (request: FastifyRequest) => request.url.startsWith('/api/data/');

  // Authentication first, then fault injection, then service protection (so injected latency counts as
  // execution time, as plug-in time does on the real service).
  app.addHook('onRequest', async (request, reply) => {
    // Batch parts carry the outer request's token, which was verified when the batch arrived.
    if (!isApi(request) || isBatchPart(request)) return;
    const check = faults.rejectToken()
      ? ({ ok: false, status: 401, code: 'ExpiredAuthTicket', message: 'The access token has expired.' } as const)
      : identity.verify(request.headers.authorization, baseUrl);
    if (!check.ok) {
      reply.header(
        'www-authenticate',
        `Bearer authorization_uri=${identity.authority}/oauth2/authorize, resource_id=${baseUrl}/`,
      );
      await sendError(reply, request, 401, DV_ERROR.unauthenticated, `${check.code}: ${check.message}`);
      return;
    }
    throttle.arrive(request, reply, check.clientId);
  });
  faults.install(app);
  app.addHook('onRequest', async (request, reply) => {
    if (isApi(request) && !isBatchPart(request) && !reply.sent) throttle.admit(request, reply);
  });
  throttle.install(app);
  app.addHook('onResponse', async (request, reply) => {
    if (!isApi(request)) return;
    if (isBatchPart(request)) {
      counters.batchOperations += 1;
      return;
    }
    counters.requests += 1;
    const key = String(reply.statusCode);
    counters.byStatus[key] = (counters.byStatus[key] ?? 0) + 1;
  });

  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof DataverseError) return sendError(reply, request, error.status, error.code, error.message);
    if (error instanceof ODataSyntaxError) return sendError(reply, request, 400, DV_ERROR.odataRequest, error.message);
    if (error instanceof BatchFormatError) return sendError(reply, request, 400, DV_ERROR.odataRequest, error.message);
    const { statusCode: status, message } = error as { statusCode?: number; message?: string };
    if (status && status < 500) return sendError(reply, request, status, DV_ERROR.odataRequest, String(message));
    request.log.error(error);
    return sendError(reply, request, 500, DV_ERROR.serverError, `Unexpected emulator error: ${String(message)}`);
  });

  if (opts.admin) {
    registerAdminRoutes(app, faults, () => ({ ...stats() }));
    app.put('/_admin/throttle', async (request, reply) => {
      if (request.body === null || request.body === undefined || request.body === false) {
        throttle.configure(false);
        return { enabled: false };
      }
      const parsed = throttleOptionsSchema.safeParse(request.body);
      if (!parsed.success) {
        return reply.code(400).send({
          error: 'invalid service protection options',
          issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
        });
      }
      throttle.configure(parsed.data);
      return { enabled: true, limits: throttle.limitsOrDefault() };
    });
    app.delete('/_admin/stats', async (_request, reply) => {
      throttle.reset();
      counters.requests = 0;
      counters.batchOperations = 0;
      counters.byStatus = {};
      return reply.code(204).send();
    });
  }

  const handlers = createHandlers({ app, model, store, maxPageSize, expiryDays, base: () => baseUrl });
  app.route({
    method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
    url: '/api/data/:version/*',
    handler: handlers.dispatch,
  });

  const host = opts.host ?? '127.0.0.1';
  const address = await app.listen({ host, port: opts.port ?? 0 });
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${new URL(address).port}`;

  function stats(): DataverseStats {
    const protection = throttle.stats();
    return {
      requests: counters.requests,
      batchOperations: counters.batchOperations,
      byStatus: { ...counters.byStatus },
      throttled: protection.throttled + faults.stats().throttled,
      earlyRetries: protection.earlyRetries,
      serviceProtection: protection,
    };
  }

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}${API_VERSION_PATH}`,
    resource: baseUrl,
    identity,
    faults,
    throttle,
    store,
    stats,
    close: async () => {
      await app.close();
      await store.close();
      await ownIdentity?.close();
    },
  };
}

interface HandlerDeps {
  app: FastifyInstance;
  model: DataverseModel;
  store: TableStore;
  maxPageSize: number;
  expiryDays: number;
  base: () => string;
}

interface RequestContext {
  request: FastifyRequest;
  reply: FastifyReply;
  prefs: Preferences;
  annotations: AnnotationFilter;
  query: QueryOptions;
  rawQuery: string;
  /** Path below the service root, e.g. `accounts(…)/name`. */
  path: string;
  apiRoot: string;
}

function createHandlers(deps: HandlerDeps) {
  const { model, store } = deps;
  const sortedQueries = new QueryCache<Array<{ row: Row; key: unknown[] }>>();

  const formatOptions = (ctx: RequestContext, entity: EntityDef): FormatOptions => {
    checkSelect(entity, ctx.query.select);
    checkExpand(entity, ctx.query.expand);
    return { select: ctx.query.select, expand: ctx.query.expand, annotations: ctx.annotations, caseInsensitive: true };
  };

  const send = (ctx: RequestContext, status: number, body?: unknown) => {
    ctx.reply.code(status).headers(ODATA_HEADERS);
    const applied: string[] = [];
    if (ctx.prefs.includeAnnotations !== undefined && body !== undefined) {
      applied.push(`odata.include-annotations=${ctx.prefs.includeAnnotations}`);
    }
    if (applied.length) appendPreferenceApplied(ctx.reply, applied);
    if (body === undefined) return ctx.reply.send();
    return ctx.reply.header('content-type', JSON_CONTENT_TYPE).send(body);
  };

  const entityUrl = (ctx: RequestContext, entity: EntityDef, row: Row) =>
    `${ctx.apiRoot}${entity.entitySet}(${String(row[entity.primaryId])})`;

  const locate = (entity: EntityDef, segment: KeySegment): Located => model.locate(entity, segment.key!);

  const missing = (located: Located, segment: KeySegment) =>
    segment.key!.kind === 'single'
      ? notFound(located.entity.logicalName, located.keyText)
      : notFoundByKey(located.entity.logicalName, located.keyText);

  function checkFilter(entity: EntityDef, query: QueryOptions): void {
    if (!query.filter) return;
    for (const feature of filterFeatures(query.filter)) {
      if (REFUSED_FILTER_FEATURES[feature]) {
        throw badRequest(
          `$filter uses ${REFUSED_FILTER_FEATURES[feature]}, which the Dataverse Web API does not support.`,
        );
      }
      if (feature.startsWith('function:') && !SUPPORTED_FUNCTIONS.has(feature)) {
        throw badRequest(
          `$filter function '${feature.slice('function:'.length)}' is not supported by this emulator (contains, startswith and endswith are).`,
        );
      }
    }
    model.checkFilterPaths(entity, filterProperties(query.filter));
  }

  /** Rows of a set that pass `$filter` (and an optional scope such as "lines of this quote"). */
  function filteredRows(entity: EntityDef, query: QueryOptions, scope?: (row: Row) => boolean): Row[] {
    checkFilter(entity, query);
    const filter = query.filter;
    const resolve = model.resolver(entity);
    const table = model.table(entity);
    // Equalities on a column (key look-ups, a document's lines) read only the rows holding those values.
    const wanted = filter && equalityValues(filter);
    let rows =
      wanted && !wanted.path.includes('/') ? table.candidatesByValue(wanted.path, wanted.texts) : [...table.rows()];
    if (scope) rows = rows.filter(scope);
    if (filter) rows = rows.filter((row) => evaluateFilter(filter, row, { caseInsensitive: true, resolve }));
    return rows;
  }

  function sortKeys(entity: EntityDef, query: QueryOptions) {
    const order = query.orderby ?? [];
    for (const item of order) model.checkFilterPaths(entity, [item.path]);
    const resolve = model.resolver(entity);
    const keyOf = (row: Row): unknown[] => [...order.map((o) => resolve(row, o.path) ?? null), row[entity.primaryId]];
    const compare = (a: unknown[], b: unknown[]): number => {
      for (let i = 0; i < a.length; i += 1) {
        const descending = order[i]?.descending ?? false;
        const result = compareValues(a[i], b[i]);
        if (result !== 0) return descending ? -result : result;
      }
      return 0;
    };
    return { keyOf, compare };
  }

  /** The request URL with `$skiptoken`/`$deltatoken` replaced; other options are kept as sent. */
  function linkWith(ctx: RequestContext, name: '$skiptoken' | '$deltatoken', value: string): string {
    // A next link keeps the delta token of a paged delta read; a delta link replaces every token.
    const replaced = name === '$skiptoken' ? /^(\$|%24)skiptoken=/i : /^(\$|%24)(skiptoken|deltatoken)=/i;
    const kept = ctx.rawQuery.split('&').filter((pair) => pair && !replaced.test(pair));
    // RFC 3986 strict encoding (also `!'()*`), as the service encodes the `!` of delta tokens.
    const encoded = encodeURIComponent(value).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
    kept.push(`${name}=${encoded}`);
    return `${ctx.apiRoot}${encodeURI(ctx.path)}?${kept.join('&')}`;
  }

  const nextLink = (ctx: RequestContext, cookie: PagingCookie) => linkWith(ctx, '$skiptoken', encodeSkipToken(cookie));
  const deltaLink = (ctx: RequestContext, version: number) => linkWith(ctx, '$deltatoken', makeDeltaToken(version));

  function queryCollection(ctx: RequestContext, entity: EntityDef, scope?: (row: Row) => boolean) {
    const { query, prefs } = ctx;
    if (query.skip !== undefined) {
      throw badRequest(
        'The query parameter $skip is not supported; page with Prefer: odata.maxpagesize and @odata.nextLink.',
      );
    }
    if (query.unknown.length) {
      throw badRequest(`Query option ${query.unknown.join(', ')} is not supported by this emulator.`);
    }
    const tracking = prefs.trackChanges || query.deltatoken !== undefined;
    if (tracking) {
      for (const option of CHANGE_TRACKING_REFUSED) {
        const present =
          (option === '$filter' && query.filter) ||
          (option === '$orderby' && query.orderby) ||
          (option === '$expand' && query.expand) ||
          (option === '$top' && query.top !== undefined);
        if (present)
          throw badRequest(`The "${option}" query parameter isn't supported when Change Tracking is enabled.`);
      }
      if (!entity.changeTracking)
        throw badRequest(`Change tracking is not enabled for entity '${entity.logicalName}'.`);
    }
    if (query.deltatoken !== undefined) return deltaResponse(ctx, entity);
    const options = formatOptions(ctx, entity);
    checkFilter(entity, query);
    const { keyOf, compare } = sortKeys(entity, query);
    const sorted = () => {
      const keyed = filteredRows(entity, query, scope).map((row) => ({ row, key: keyOf(row) }));
      return keyed.sort((a, b) => compare(a.key, b.key));
    };
    // Paging a large set re-uses the filtered, sorted rows while the tables they come from are unchanged: the entity's
    // own and those its filter and order paths navigate to.
    const paths = [
      ...(query.filter ? filterProperties(query.filter) : []),
      ...(query.orderby ?? []).map((o) => o.path),
    ];
    const keyed = scope
      ? sorted()
      : sortedQueries.get(
          `${entity.entitySet}\u0000${query.filterText ?? ''}\u0000${JSON.stringify(query.orderby ?? [])}`,
          model.revisionFor(entity, paths),
          sorted,
        );

    const cookie = query.skiptoken !== undefined ? decodeSkipToken(query.skiptoken) : undefined;
    const trackingVersion = cookie?.trackingVersion ?? (prefs.trackChanges ? store.version : undefined);
    const start = cookie ? firstAfter(keyed, (entry) => compare(entry.key, cookie.after) > 0) : 0;
    // $top is ignored together with odata.maxpagesize; alone it caps the result with no next link.
    const pageSize = prefs.maxPageSize !== undefined ? Math.min(prefs.maxPageSize, deps.maxPageSize) : deps.maxPageSize;
    const topOnly = prefs.maxPageSize === undefined && query.top !== undefined;
    const page = keyed.slice(start, start + (topOnly ? Math.min(query.top!, pageSize) : pageSize));
    const more = !topOnly && keyed.length - start > page.length;

    const body: Row = {
      '@odata.context': `${ctx.apiRoot}$metadata#${contextFragment(entity, query.select, query.expand)}`,
    };
    if (query.count) {
      body['@odata.count'] = Math.min(keyed.length, COUNT_LIMIT);
      if (ctx.annotations('Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded')) {
        body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = keyed.length > COUNT_LIMIT;
      }
    }
    body.value = page.map((entry) => formatRow(model, entity, entry.row, options));
    if (more) {
      body['@odata.nextLink'] = nextLink(ctx, {
        after: page[page.length - 1].key,
        page: (cookie?.page ?? 1) + 1,
        trackingVersion,
      });
    } else if (trackingVersion !== undefined) {
      body['@odata.deltaLink'] = deltaLink(ctx, trackingVersion);
    }
    const applied: string[] = [];
    if (prefs.maxPageSize !== undefined) applied.push(`odata.maxpagesize=${pageSize}`);
    if (prefs.trackChanges) applied.push('odata.track-changes');
    if (applied.length) appendPreferenceApplied(ctx.reply, applied);
    return send(ctx, 200, body);
  }

  /**
   * Changes since the delta token, new/updated rows first then deletions, paged like a query. Pages hold only
   * changes up to the version of the first page, so changes made while paging go to the next delta link.
   */
  function deltaResponse(ctx: RequestContext, entity: EntityDef) {
    const since = parseDeltaToken(ctx.query.deltatoken!, store.version, deps.expiryDays);
    const cookie = ctx.query.skiptoken !== undefined ? decodeSkipToken(ctx.query.skiptoken) : undefined;
    const snapshot = cookie?.trackingVersion ?? store.version;
    const options = formatOptions(ctx, entity);
    const table = model.table(entity);
    const orderKey = (entry: ChangeEntry) => [entry.deleted ? 1 : 0, entry.version];
    const compareKeys = (a: number[], b: unknown[]) => a[0] - Number(b[0]) || a[1] - Number(b[1]);
    const entries = table
      .changesSince(since)
      .filter((entry) => entry.version <= snapshot)
      .sort((a, b) => compareKeys(orderKey(a), orderKey(b)))
      .filter((entry) => !cookie || compareKeys(orderKey(entry), cookie.after) > 0);
    const pageSize = Math.min(ctx.prefs.maxPageSize ?? deps.maxPageSize, deps.maxPageSize);
    const page = entries.slice(0, pageSize);
    const value: Row[] = [];
    for (const entry of page) {
      const row = entry.deleted ? undefined : table.get(entry.key);
      value.push(
        row
          ? formatRow(model, entity, row, options)
          : {
              '@odata.context': `${ctx.apiRoot}$metadata#${entity.entitySet}/$deletedEntity`,
              id: entry.key,
              reason: 'deleted',
            },
      );
    }
    const body: Row = {
      '@odata.context': `${ctx.apiRoot}$metadata#${contextFragment(entity, ctx.query.select)}/$delta`,
      value,
    };
    if (entries.length > page.length) {
      body['@odata.nextLink'] = nextLink(ctx, {
        after: orderKey(page[page.length - 1]),
        page: (cookie?.page ?? 1) + 1,
        trackingVersion: snapshot,
      });
    } else {
      body['@odata.deltaLink'] = deltaLink(ctx, snapshot);
    }
    if (ctx.prefs.maxPageSize !== undefined) appendPreferenceApplied(ctx.reply, [`odata.maxpagesize=${pageSize}`]);
    return send(ctx, 200, body);
  }

  function count(ctx: RequestContext, entity: EntityDef) {
    let total: number;
    if (ctx.query.deltatoken !== undefined) {
      const since = parseDeltaToken(ctx.query.deltatoken, store.version, deps.expiryDays);
      total = model.table(entity).changesSince(since).length;
    } else {
      total = Math.min(filteredRows(entity, ctx.query).length, COUNT_LIMIT);
    }
    return ctx.reply
      .code(200)
      .headers(ODATA_HEADERS)
      .header('content-type', 'text/plain; charset=utf-8')
      .send(String(total));
  }

  function retrieve(ctx: RequestContext, entity: EntityDef, row: Row) {
    const options = formatOptions(ctx, entity);
    const etag = etagOf(row);
    const ifNoneMatch = ctx.request.headers['if-none-match'];
    // Never 304 when the response would hold related rows or annotations: those can change independently.
    if (ifNoneMatch && ifNoneMatch !== 'null' && !ctx.query.expand && ctx.prefs.includeAnnotations === undefined) {
      if (ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
        return ctx.reply.code(304).headers(ODATA_HEADERS).header('etag', etag).send();
      }
    }
    ctx.reply.header('etag', etag);
    return send(ctx, 200, {
      '@odata.context': `${ctx.apiRoot}$metadata#${contextFragment(entity, ctx.query.select, ctx.query.expand)}/$entity`,
      ...formatRow(model, entity, row, options),
    });
  }

  function requireBody(ctx: RequestContext, entity: EntityDef): Record<string, unknown> {
    const body = ctx.request.body;
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw badRequest(`The request body for ${entity.logicalName} must be a JSON object.`);
    }
    return body as Record<string, unknown>;
  }

  function representation(ctx: RequestContext, entity: EntityDef, row: Row, status: number) {
    checkSelect(entity, ctx.query.select);
    appendPreferenceApplied(ctx.reply, ['return=representation']);
    ctx.reply.header('etag', etagOf(row));
    const body = {
      '@odata.context': `${ctx.apiRoot}$metadata#${contextFragment(entity, ctx.query.select)}/$entity`,
      ...formatRow(model, entity, row, {
        select: ctx.query.select,
        annotations: ctx.annotations,
        caseInsensitive: true,
      }),
    };
    return send(ctx, status, body);
  }

  function created(ctx: RequestContext, entity: EntityDef, row: Row, locationUrl?: string) {
    if (ctx.prefs.returnRepresentation) {
      if (isBatchPart(ctx.request)) ctx.reply.header('location', locationUrl ?? entityUrl(ctx, entity, row));
      return representation(ctx, entity, row, 201);
    }
    const url = locationUrl ?? entityUrl(ctx, entity, row);
    ctx.reply.header('odata-entityid', url);
    if (isBatchPart(ctx.request)) ctx.reply.header('location', url);
    return send(ctx, 204);
  }

  function checkIfMatch(ctx: RequestContext, row: Row | undefined, located: Located, segment: KeySegment) {
    const ifMatch = ctx.request.headers['if-match'];
    if (!ifMatch) return;
    if (!row) throw missing(located, segment);
    if (ifMatch.trim() === '*') return;
    const tags = ifMatch.split(',').map((t) => t.trim());
    if (!tags.includes(etagOf(row))) {
      throw new DataverseError(412, DV_ERROR.concurrencyVersionMismatch, ROW_VERSION_MISMATCH_MESSAGE);
    }
  }

  function upsert(ctx: RequestContext, entity: EntityDef, segment: KeySegment) {
    const body = requireBody(ctx, entity);
    const located = locate(entity, segment);
    const row = located.row;
    checkIfMatch(ctx, row, located, segment);
    const ifNoneMatch = ctx.request.headers['if-none-match'];
    if (ifNoneMatch?.trim() === '*' && row) {
      throw new DataverseError(412, DV_ERROR.duplicateRecord, MATCHING_KEY_EXISTS_MESSAGE);
    }
    const keyUrl = `${ctx.apiRoot}${ctx.path.split('/')[0]}`;
    if (row) {
      const updated = model.updateRow(entity, row, body, located.keyValues);
      if (ctx.prefs.returnRepresentation) return representation(ctx, entity, updated, 200);
      ctx.reply.header('odata-entityid', keyUrl);
      if (isBatchPart(ctx.request)) ctx.reply.header('location', keyUrl);
      return send(ctx, 204);
    }
    const createdRow = model.createRow(entity, body, {}, located.keyValues);
    return created(ctx, entity, createdRow, keyUrl);
  }

  function remove(ctx: RequestContext, entity: EntityDef, segment: KeySegment) {
    const located = locate(entity, segment);
    if (!located.row) throw missing(located, segment);
    checkIfMatch(ctx, located.row, located, segment);
    model.deleteRow(entity, located.row);
    return send(ctx, 204);
  }

  /** `/set(key)/<property>` and `/set(key)/<navigation>[/$ref]`. */
  function propertyRequest(ctx: RequestContext, entity: EntityDef, segment: KeySegment, rest: string[]) {
    const located = locate(entity, segment);
    const method = ctx.request.method;
    const name = rest[0];
    const nav = navigationMaps(entity).single.get(name);
    const collection = COLLECTIONS_BY_SET.get(entity.entitySet)?.get(name);
    const isRef = rest[1] === '$ref';
    if (rest.length > (isRef ? 2 : 1)) throw badRequest(`Resource not found for the segment '${rest.join('/')}'.`);
    if (!located.row) throw missing(located, segment);
    const row = located.row;
    if (collection && method === 'GET' && !isRef) {
      return queryCollection(ctx, model.entity(collection.childSet), model.childOf(collection, row[entity.primaryId]));
    }
    if (nav) {
      if (method === 'GET' && !isRef) {
        const related = model.follow(row, nav);
        if (!related) return send(ctx, 204);
        return retrieve(ctx, model.entity(nav.targetSet), related);
      }
      if (isRef && (method === 'PUT' || method === 'DELETE')) {
        const target = method === 'PUT' ? (requireBody(ctx, entity)['@odata.id'] ?? undefined) : null;
        if (target === undefined)
          throw badRequest(`PUT ${name}/$ref needs a body like {"@odata.id": "/${nav.targetSet}(<id>)"}.`);
        checkIfMatch(ctx, row, located, segment);
        model.updateRow(entity, row, { [`${name}@odata.bind`]: target });
        return send(ctx, 204);
      }
      throw new DataverseError(
        405,
        DV_ERROR.notSupported,
        `${method} is not supported on navigation property '${name}'.`,
      );
    }
    const def =
      entity.columns[name] ?? (navigationMaps(entity).lookupByColumn.has(name) ? { type: 'lookup' } : undefined);
    if (!def)
      throw badRequest(
        `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${entity.logicalName}'.`,
      );
    if (method === 'GET') {
      const value = row[name] ?? null;
      if (value === null) return send(ctx, 204);
      return send(ctx, 200, {
        '@odata.context': `${ctx.apiRoot}$metadata#${entity.entitySet}(${String(row[entity.primaryId])})/${name}`,
        value,
      });
    }
    checkIfMatch(ctx, row, located, segment);
    if (method === 'PUT') {
      const body = requireBody(ctx, entity);
      if (!('value' in body)) throw badRequest(`PUT ${name} needs a body like {"value": …}.`);
      model.updateRow(entity, row, { [name]: body.value });
      return send(ctx, 204);
    }
    if (method === 'DELETE') {
      model.updateRow(entity, row, { [name]: null });
      return send(ctx, 204);
    }
    throw new DataverseError(405, DV_ERROR.notSupported, `${method} is not supported on property '${name}'.`);
  }

  async function batch(ctx: RequestContext) {
    if (ctx.request.method !== 'POST')
      throw new DataverseError(405, DV_ERROR.notSupported, '$batch accepts POST only.');
    const items = parseBatchRequest(String(ctx.request.body ?? ''), ctx.request.headers['content-type']);
    const result = await executeBatch(deps.app, ctx.request, items, {
      serviceRoot: new URL(ctx.apiRoot).pathname,
      maxOperations: MAX_BATCH_OPERATIONS,
      continueOnError: ctx.prefs.continueOnError,
      stopStatus: 'part-status',
      changeSetErrorContentId: 'failing',
      beginChangeSet: () => store.begin(),
      renderError: (status, message) => ({
        headers: { 'Content-Type': ERROR_CONTENT_TYPE, 'OData-Version': '4.0' },
        body: JSON.stringify(errorBody(status === 400 ? DV_ERROR.odataRequest : DV_ERROR.serverError, message)),
      }),
    });
    if (ctx.prefs.continueOnError) appendPreferenceApplied(ctx.reply, ['odata.continue-on-error']);
    return ctx.reply
      .code(result.status)
      .headers(ODATA_HEADERS)
      .header('content-type', result.contentType)
      .send(result.body);
  }

  async function dispatch(request: FastifyRequest, reply: FastifyReply) {
    const params = request.params as { version: string; '*': string };
    if (!/^v\d+\.\d+$/.test(params.version)) {
      throw new DataverseError(404, DV_ERROR.odataRequest, `Unknown Web API version segment '${params.version}'.`);
    }
    const prefix = `/api/data/${params.version}/`;
    const questionMark = request.url.indexOf('?');
    const rawPath = (questionMark < 0 ? request.url : request.url.slice(0, questionMark)).slice(prefix.length);
    const rawQuery = questionMark < 0 ? '' : request.url.slice(questionMark + 1);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      throw badRequest(`The request path '${rawPath}' is not correctly URL-encoded.`);
    }
    const prefs = parsePrefer(request.headers.prefer);
    const ctx: RequestContext = {
      request,
      reply,
      prefs,
      annotations: annotationFilter(prefs.includeAnnotations),
      query: parseQueryOptions(rawQuery),
      rawQuery,
      path,
      apiRoot: `${deps.base()}${prefix}`,
    };
    const method = request.method;
    if (path === '' || path === '/') {
      return send(ctx, 200, {
        '@odata.context': `${ctx.apiRoot}$metadata`,
        value: ENTITIES.map((e) => ({ name: e.entitySet, kind: 'EntitySet', url: e.entitySet })),
      });
    }
    if (path === '$metadata') {
      return reply
        .code(200)
        .headers(ODATA_HEADERS)
        .header('content-type', 'application/xml')
        .send(buildMetadataDocument(ctx.query.custom.annotations === 'true'));
    }
    if (path === '$batch') return batch(ctx);
    if (method === 'GET') return resourceRequest(ctx);
    // A write is all or nothing: a deep insert or cascade that fails part-way keeps none of the rows it wrote.
    await store.atomically(async () => {
      await resourceRequest(ctx);
    });
    return reply;
  }

  /** Requests addressing an entity set, a row or a row's property or navigation. */
  function resourceRequest(ctx: RequestContext) {
    const { path } = ctx;
    const method = ctx.request.method;
    const segments = splitPath(path);
    const segment = parseKeySegment(segments[0]);
    const entity = model.entity(segment.name);
    const rest = segments.slice(1);
    if (!segment.key) {
      if (rest.length === 1 && rest[0] === '$count' && method === 'GET') return count(ctx, entity);
      if (rest.length) throw badRequest(`Resource not found for the segment '${rest.join('/')}'.`);
      if (method === 'GET') return queryCollection(ctx, entity);
      if (method === 'POST') {
        const row = model.createRow(entity, requireBody(ctx, entity));
        return created(ctx, entity, row);
      }
      throw new DataverseError(
        405,
        DV_ERROR.notSupported,
        `${method} is not supported on the collection '${entity.entitySet}'; address one row by its key.`,
      );
    }
    if (rest.length) return propertyRequest(ctx, entity, segment, rest);
    if (method === 'GET') {
      const located = locate(entity, segment);
      if (!located.row) throw missing(located, segment);
      return retrieve(ctx, entity, located.row);
    }
    if (method === 'PATCH') return upsert(ctx, entity, segment);
    if (method === 'DELETE') return remove(ctx, entity, segment);
    throw new DataverseError(405, DV_ERROR.notSupported, `${method} is not supported on a row; use PATCH to update.`);
  }

  return { dispatch };
}

function appendPreferenceApplied(reply: FastifyReply, values: string[]): void {
  const existing = reply.getHeader('preference-applied');
  const current = existing ? String(existing) : '';
  const added = values.filter((value) => !current.includes(value));
  if (added.length) reply.header('preference-applied', [current, ...added].filter(Boolean).join(','));
}
