/**
 * The OData surface under `/data/`: one generic handler for every entity set (collections, keys, properties,
 * navigations, `$count`), the service document, `$metadata` and `$batch`. Entity behaviour comes from the
 * engine; this file only speaks HTTP.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BatchFormatError, executeBatch, parseBatchRequest } from '../common/batch';
import {
  equalityValues,
  formatKeyValue,
  ODataSyntaxError,
  parseKeySegment,
  parseQueryOptions,
  splitPath,
  type ExpandItem,
  type QueryOptions,
} from '../common/odata';
import { QueryCache } from '../common/query-cache';
import type { TableStore } from '../common/store';
import { ENTITIES } from './entities';
import { encodeKey, etagOf, notFound, type EntityRuntime, type FnoEngine, type RequestContext } from './engine';
import { errorBody, FnoError } from './errors';
import { metadataDocument } from './metadata';
import type { Row } from './model';
import { compileFilter, parseEntityKey, sortRows, validateQueryOptions } from './query';

export const DATA_PREFIX = '/data/';
/** F&O's documented maximum page size for server-driven paging. */
export const MAX_PAGE_SIZE = 10_000;
export const JSON_CONTENT_TYPE = 'application/json; odata.metadata=minimal';
const CROSS_COMPANY = 'cross-company';

export interface ODataRouteOptions {
  engine: FnoEngine;
  store: TableStore;
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  baseUrl: () => string;
  pageSize: number;
  maxBatchOperations: number;
  context: (request: FastifyRequest) => RequestContext;
}

type Resource =
  | { kind: 'collection'; entity: EntityRuntime; count: boolean }
  | { kind: 'entity'; entity: EntityRuntime; key: Record<string, unknown>; keyText: string }
  | {
      kind: 'property';
      entity: EntityRuntime;
      key: Record<string, unknown>;
      keyText: string;
      field: string;
      raw: boolean;
    }
  | { kind: 'navigation'; entity: EntityRuntime; key: Record<string, unknown>; keyText: string; navigation: string };

export function sendError(reply: FastifyReply, error: FnoError): FastifyReply {
  return reply
    .code(error.status)
    .header('content-type', JSON_CONTENT_TYPE)
    .header('odata-version', '4.0')
    .send(errorBody(error));
}

/** Maps anything thrown by a handler to an F&O error. */
export function toFnoError(error: unknown): FnoError {
  if (error instanceof FnoError) return error;
  if (error instanceof ODataSyntaxError || error instanceof BatchFormatError)
    return new FnoError('request', error.message);
  if (error instanceof URIError)
    return new FnoError('request', `The request URL is not correctly encoded: ${error.message}`);
  const status = (error as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500)
    return new FnoError('request', (error as Error).message, undefined, status);
  return new FnoError('server', 'An error has occurred.');
}

export function keyText(entity: EntityRuntime, key: Record<string, unknown>): string {
  return entity.def.key
    .map((field) => {
      const value = key[field];
      const literal = entity.fieldTypes.get(field)!.kind === 'string' ? formatKeyValue(String(value)) : String(value);
      return `${field}=${literal}`;
    })
    .join(',');
}

function keyOfRow(engine: FnoEngine, entity: EntityRuntime, row: Row): Record<string, unknown> {
  return Object.fromEntries(entity.def.key.map((field) => [field, engine.fieldValue(entity, row, field)]));
}

export function registerODataRoutes(app: FastifyInstance, options: ODataRouteOptions): void {
  const { engine } = options;
  const dataUrl = () => `${options.baseUrl()}${DATA_PREFIX}`;
  const contextUrl = (fragment: string) => `${dataUrl()}$metadata#${fragment}`;

  const resolve = (path: string): Resource => {
    const segments = splitPath(decodeURIComponent(path));
    const first = parseKeySegment(segments[0]);
    const entity = engine.entity(first.name);
    if (!first.key) {
      if (segments.length === 1) return { kind: 'collection', entity, count: false };
      if (segments.length === 2 && segments[1] === '$count') return { kind: 'collection', entity, count: true };
      throw new FnoError(
        'request',
        `'${segments.slice(1).join('/')}' cannot follow the collection '${entity.def.set}'; address one entity by its key.`,
      );
    }
    const key = parseEntityKey(entity, segments[0]);
    const text = keyText(entity, key);
    if (segments.length === 1) return { kind: 'entity', entity, key, keyText: text };
    const member = segments[1];
    if (entity.def.navigation?.[member] && segments.length === 2) {
      return { kind: 'navigation', entity, key, keyText: text, navigation: member };
    }
    if (
      entity.fieldTypes.has(member) &&
      (segments.length === 2 || (segments.length === 3 && segments[2] === '$value'))
    ) {
      return { kind: 'property', entity, key, keyText: text, field: member, raw: segments.length === 3 };
    }
    throw new FnoError('not-found', `Resource not found for the segment '${segments.slice(1).join('/')}'.`);
  };

  /** A page size below 1 would give empty pages whose next link points at themselves; it is ignored. */
  const preferredPageSize = (request: FastifyRequest): number | undefined => {
    const match = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(String(request.headers.prefer ?? ''));
    const size = match ? Number(match[1]) : undefined;
    return size !== undefined && size >= 1 ? size : undefined;
  };

  const wantsRepresentation = (request: FastifyRequest) =>
    /return=representation/i.test(String(request.headers.prefer ?? ''));
  const wantsMinimal = (request: FastifyRequest) => /return=minimal/i.test(String(request.headers.prefer ?? ''));

  const selectFields = (entity: EntityRuntime, select: string[] | undefined): string[] | undefined =>
    !select || select.includes('*') ? undefined : select;

  /** Expanded navigation values for a page of rows, joined through one pass over the target entity. */
  const expandRows = (entity: EntityRuntime, rows: Row[], items: ExpandItem[] | undefined, out: Row[]): void => {
    for (const item of items ?? []) {
      const navigation = entity.def.navigation![item.path];
      const target = engine.entity(navigation.target);
      const sourceFields = Object.keys(navigation.on);
      const targetFields = sourceFields.map((f) => navigation.on[f]);
      const groups = new Map<string, Row[]>();
      const wanted = compileFilter(engine, target, item.filter);
      for (const candidate of engine.scan(target)) {
        if (!wanted(candidate)) continue;
        const joinKey = encodeKey(
          targetFields.map((f) => String(engine.fieldValue(target, candidate, f)).toLowerCase()),
        );
        let group = groups.get(joinKey);
        if (!group) groups.set(joinKey, (group = []));
        group.push(candidate);
      }
      rows.forEach((row, index) => {
        const joinKey = encodeKey(sourceFields.map((f) => String(engine.fieldValue(entity, row, f)).toLowerCase()));
        let related = sortRows(engine, target, groups.get(joinKey) ?? [], item.orderby);
        if (item.top !== undefined) related = related.slice(0, item.top);
        const projected = related.map((r) => engine.project(target, r, selectFields(target, item.select)));
        out[index][item.path] = navigation.many ? projected : (projected[0] ?? null);
      });
    }
  };

  const sortedQueries = new QueryCache<Row[]>();

  /** Equalities on a stored column (key look-ups, a document's lines) read only the rows holding those values. */
  const candidateRows = (entity: EntityRuntime, queryOptions: QueryOptions): Iterable<Row> | undefined => {
    const wanted = queryOptions.filter && equalityValues(queryOptions.filter);
    const column = wanted ? entity.columnOf.get(wanted.path) : undefined;
    if (!wanted || column === undefined || entity.table.inherited.has(column)) return undefined;
    return engine.table(entity.table).candidatesByValue(column, wanted.texts);
  };

  const readCollection = (
    request: FastifyRequest,
    reply: FastifyReply,
    entity: EntityRuntime,
    countOnly: boolean,
    query: string,
  ) => {
    const queryOptions: QueryOptions = parseQueryOptions(query);
    validateQueryOptions(engine, entity, queryOptions);
    const crossCompany = String(queryOptions.custom[CROSS_COMPANY] ?? '').toLowerCase() === 'true';
    const ctx = options.context(request);
    // Without cross-company=true a query sees only the calling user's default company.
    const companies = crossCompany ? undefined : new Set([ctx.defaultCompany]);
    const filter = () => {
      const filtered: Row[] = [];
      const wanted = compileFilter(engine, entity, queryOptions.filter);
      for (const row of engine.scan(entity, companies, candidateRows(entity, queryOptions))) {
        if (wanted(row)) filtered.push(row);
      }
      return filtered;
    };
    if (countOnly) {
      return reply.header('content-type', 'text/plain').header('odata-version', '4.0').send(String(filter().length));
    }
    // Paging a large set re-uses the filtered, sorted rows while the tables they come from are unchanged: the entity's
    // own and those its inherited fields are read from.
    const sorted = sortedQueries.get(
      [entity.def.set, crossCompany ? '' : ctx.defaultCompany, queryOptions.filterText ?? '']
        .concat(JSON.stringify(queryOptions.orderby ?? []))
        .join('\u0000'),
      engine.queryRevision(entity),
      () => sortRows(engine, entity, filter(), queryOptions.orderby),
    );
    const skip = queryOptions.skip ?? 0;
    const selected = sorted.slice(skip, queryOptions.top === undefined ? undefined : skip + queryOptions.top);
    const token = queryOptions.skiptoken;
    if (token !== undefined && !/^\d+$/.test(token))
      throw new FnoError('request', `The $skiptoken '${token}' is not valid.`);
    const offset = token === undefined ? 0 : Number(token);
    const preferred = preferredPageSize(request);
    const pageSize = Math.min(preferred ?? options.pageSize, options.pageSize, MAX_PAGE_SIZE);
    const page = selected.slice(offset, offset + pageSize);
    const select = selectFields(entity, queryOptions.select);
    const value = page.map((row) => engine.project(entity, row, select));
    expandRows(entity, page, queryOptions.expand, value);
    const body: Row = {
      '@odata.context': contextUrl(select ? `${entity.def.set}(${select.join(',')})` : entity.def.set),
    };
    if (queryOptions.count) body['@odata.count'] = sorted.length;
    body.value = value;
    if (offset + pageSize < selected.length) {
      // The client's own query string is kept as sent; only the skip token changes.
      const kept = query.split('&').filter((part) => part && !/^(\$|%24)skiptoken=/i.test(part));
      kept.push(`$skiptoken=${offset + pageSize}`);
      body['@odata.nextLink'] = `${dataUrl()}${entity.def.set}?${kept.join('&')}`;
    }
    if (preferred !== undefined) reply.header('preference-applied', `odata.maxpagesize=${pageSize}`);
    return reply.header('content-type', JSON_CONTENT_TYPE).header('odata-version', '4.0').send(body);
  };

  const findOrFail = (entity: EntityRuntime, key: Record<string, unknown>): Row => {
    const row = engine.findByKey(entity, key);
    if (!row) throw notFound(entity);
    return row;
  };

  const checkIfMatch = (request: FastifyRequest, row: Row) => {
    const ifMatch = request.headers['if-match'];
    if (ifMatch && ifMatch !== '*' && ifMatch !== etagOf(row)) {
      throw new FnoError(
        'precondition',
        'The record has been changed by another user since it was read (ETag mismatch).',
      );
    }
  };

  const entityBody = (entity: EntityRuntime, row: Row, select?: string[]): Row => ({
    '@odata.context': contextUrl(`${entity.def.set}/$entity`),
    ...engine.project(entity, row, select),
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.url;
    const queryStart = url.indexOf('?');
    const path = (queryStart < 0 ? url : url.slice(0, queryStart)).slice(DATA_PREFIX.length);
    const query = queryStart < 0 ? '' : url.slice(queryStart + 1);
    const resource = resolve(path);
    const method = request.method;
    const ctx = options.context(request);
    reply.header('odata-version', '4.0');

    if (resource.kind === 'collection') {
      if (method === 'GET') return readCollection(request, reply, resource.entity, resource.count, query);
      if (method === 'POST' && !resource.count) {
        const row = engine.create(resource.entity.def.set, request.body, ctx);
        const location = `${dataUrl()}${resource.entity.def.set}(${keyText(resource.entity, keyOfRow(engine, resource.entity, row))})`;
        reply.header('location', location).header('odata-entityid', location).header('etag', etagOf(row));
        if (wantsMinimal(request)) return reply.code(204).header('preference-applied', 'return=minimal').send();
        return reply.code(201).header('content-type', JSON_CONTENT_TYPE).send(entityBody(resource.entity, row));
      }
      throw new FnoError(
        'method',
        `The HTTP method ${method} is not allowed on the collection '${resource.entity.def.set}'.`,
      );
    }

    const { entity, key } = resource;
    if (resource.kind === 'property' || resource.kind === 'navigation') {
      if (method !== 'GET') throw new FnoError('method', `The HTTP method ${method} is not allowed on '${path}'.`);
      const row = findOrFail(entity, key);
      if (resource.kind === 'property') {
        const value = engine.fieldValue(entity, row, resource.field);
        if (resource.raw) return reply.header('content-type', 'text/plain').send(String(value));
        return reply.header('content-type', JSON_CONTENT_TYPE).send({
          '@odata.context': contextUrl(`${entity.def.set}(${resource.keyText})/${resource.field}`),
          value,
        });
      }
      const holder: Row[] = [{}];
      expandRows(entity, [row], [{ path: resource.navigation, other: [] }], holder);
      const navigation = entity.def.navigation![resource.navigation];
      const related = holder[0][resource.navigation];
      if (!navigation.many && related === null)
        throw new FnoError('not-found', `No related '${resource.navigation}' exists.`);
      return reply
        .header('content-type', JSON_CONTENT_TYPE)
        .send(
          navigation.many
            ? { '@odata.context': contextUrl(navigation.target), value: related }
            : { '@odata.context': contextUrl(`${navigation.target}/$entity`), ...(related as Row) },
        );
    }

    switch (method) {
      case 'GET': {
        const queryOptions = parseQueryOptions(query);
        validateQueryOptions(engine, entity, queryOptions);
        const row = findOrFail(entity, key);
        const body = entityBody(entity, row, selectFields(entity, queryOptions.select));
        const holder = [body];
        expandRows(entity, [row], queryOptions.expand, holder);
        return reply.header('etag', etagOf(row)).header('content-type', JSON_CONTENT_TYPE).send(body);
      }
      case 'PATCH':
      case 'PUT': {
        checkIfMatch(request, findOrFail(entity, key));
        const row = engine.update(entity.def.set, key, request.body, method === 'PUT' ? 'put' : 'patch', ctx);
        reply.header('etag', etagOf(row));
        if (wantsRepresentation(request)) {
          return reply
            .code(200)
            .header('content-type', JSON_CONTENT_TYPE)
            .header('preference-applied', 'return=representation')
            .send(entityBody(entity, row));
        }
        return reply.code(204).send();
      }
      case 'DELETE': {
        checkIfMatch(request, findOrFail(entity, key));
        engine.delete(entity.def.set, key, ctx);
        return reply.code(204).send();
      }
      default:
        throw new FnoError('method', `The HTTP method ${method} is not allowed on an entity of '${entity.def.set}'.`);
    }
  };

  app.addContentTypeParser(/^multipart\/mixed/i, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get(DATA_PREFIX, async (_request, reply) =>
    reply.header('content-type', JSON_CONTENT_TYPE).send({
      '@odata.context': `${dataUrl()}$metadata`,
      value: ENTITIES.map((e) => ({ name: e.set, kind: 'EntitySet', url: e.set })),
    }),
  );
  app.get(`${DATA_PREFIX}$metadata`, async (_request, reply) =>
    reply.header('content-type', 'application/xml').header('odata-version', '4.0').send(metadataDocument(engine)),
  );

  app.post(`${DATA_PREFIX}$batch`, async (request, reply) => {
    try {
      const items = parseBatchRequest(String(request.body ?? ''), request.headers['content-type']);
      const result = await executeBatch(app, request, items, {
        serviceRoot: DATA_PREFIX,
        maxOperations: options.maxBatchOperations,
        continueOnError: /odata\.continue-on-error/i.test(String(request.headers.prefer ?? '')),
        // Observed F&O behaviour: the batch itself answers 200; a failed change set is one 500 part.
        stopStatus: 200,
        changeSetErrorContentId: 'first',
        beginChangeSet: () => options.store.begin(),
        renderError: (status, message) => ({
          headers: { 'content-type': JSON_CONTENT_TYPE },
          body: JSON.stringify(errorBody(new FnoError('request', message, undefined, status))),
        }),
      });
      return reply
        .code(result.status)
        .header('content-type', result.contentType)
        .header('odata-version', '4.0')
        .send(result.body);
    } catch (error) {
      return sendError(reply, toFnoError(error));
    }
  });

  app.route({
    method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
    url: `${DATA_PREFIX}*`,
    handler: async (request, reply) => {
      try {
        return await handle(request, reply);
      } catch (error) {
        return sendError(reply, toFnoError(error));
      }
    },
  });
}
