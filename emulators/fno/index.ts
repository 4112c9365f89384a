/**
 * Local Dynamics 365 Finance and Operations OData service (spec/wire-protocols.md §2): Entra-token auth, the
 * P2C data entities on one generic engine, `$batch` with atomic change sets, service protection, fault
 * injection and sales-order lifecycle actions for end-to-end tests.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { FaultController, isBatchPart, registerAdminRoutes, type RenderError } from '../common/faults';
import { startIdentityServer, type IdentityServer } from '../common/identity';
import { TableStore } from '../common/store';
import { FnoEngine, type RequestContext } from './engine';
import { errorBody, FnoError, HIGH_UTILISATION_MESSAGE, writeFailure } from './errors';
import { confirmSalesOrder, invoiceSalesOrder, registerLifecycleRoutes, type InvoiceResult } from './lifecycle';
import type { Row } from './model';
import { DATA_PREFIX, JSON_CONTENT_TYPE, registerODataRoutes, sendError, toFnoError } from './routes';
import { loadSeed, referenceSeed, type FnoSeed } from './seed';
import { FnoServiceProtection, throttleBody, type FnoThrottleStats, type FnoThrottlingOptions } from './throttling';

export type { FnoSeed } from './seed';
export type { FnoThrottlingOptions, ResourceThrottleOptions } from './throttling';
export { MODIFIED_FIELD } from './entities';

export const DEFAULT_COMPANY = 'usmf';
export const DEFAULT_COMPANIES = ['usmf', 'usrt', 'demf'];
export const DEFAULT_MAX_BATCH_OPERATIONS = 5000;

export interface FnoEmulatorOptions {
  host?: string;
  port?: number;
  /** Token issuer; one is started (and closed with the emulator) when absent. */
  identity?: IdentityServer;
  persistFile?: string;
  seed?: FnoSeed;
  /** Built-in legal entities, currencies, units, customer groups, sites and warehouses (default true). */
  referenceData?: boolean;
  /** Default company of the F&O user every Entra app maps to. */
  defaultCompany?: string;
  /** Default company per Entra client id, for apps mapped to users of other companies. */
  defaultCompanyByClient?: Record<string, string>;
  companies?: string[];
  /** Server-driven page size (default and maximum 10,000). */
  pageSize?: number;
  maxBatchOperations?: number;
  throttling?: FnoThrottlingOptions | false;
  /** Registers the `/_admin` routes (faults, stats, throttling, lifecycle); default true. */
  admin?: boolean;
  logger?: boolean;
}

export interface FnoStats {
  requests: number;
  /** Operations inside `$batch` requests, each counted once however its part ends. */
  batchOperations: number;
  byStatus: Record<string, number>;
  rows: Record<string, number>;
  faults: ReturnType<FaultController['stats']>;
  throttling: FnoThrottleStats;
}

export interface FnoEmulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `url + '/data/'` */
  dataUrl: string;
  /** Token audience (`url`); clients ask for `${resource}/.default`. */
  resource: string;
  identity: IdentityServer;
  faults: FaultController;
  throttling: FnoServiceProtection;
  store: TableStore;
  engine: FnoEngine;
  confirmSalesOrder(dataAreaId: string, salesOrderNumber: string): Promise<Row>;
  invoiceSalesOrder(
    dataAreaId: string,
    salesOrderNumber: string,
    options?: { invoiceDate?: string },
  ): Promise<InvoiceResult>;
  stats(): FnoStats;
  close(): Promise<void>;
}

const clientIds = new WeakMap<FastifyRequest, string>();

const renderFault: RenderError = (context) => {
  if (context.kind === 'throttle') return { body: throttleBody(HIGH_UTILISATION_MESSAGE) };
  if (context.kind === 'write-failure') {
    const reason = context.matchedKey
      ? `the record '${context.matchedKey}' is locked by a fault rule`
      : 'a fault rule failed the write';
    const error =
      context.status === 500
        ? writeFailure('Injected', `Write failed: ${reason}.`)
        : new FnoError('server', `Write failed: ${reason}.`, undefined, context.status);
    return { body: errorBody(error), headers: { 'content-type': JSON_CONTENT_TYPE } };
  }
  return {
    body: errorBody(new FnoError('server', 'An error has occurred.', undefined, context.status)),
    headers: { 'content-type': JSON_CONTENT_TYPE },
  };
};

export async function startFnoEmulator(opts: FnoEmulatorOptions = {}): Promise<FnoEmulator> {
  const defaultCompany = (opts.defaultCompany ?? DEFAULT_COMPANY).toLowerCase();
  const companies = [
    ...new Set([...(opts.companies ?? DEFAULT_COMPANIES).map((c) => c.toLowerCase()), defaultCompany]),
  ];
  const pageSize = opts.pageSize ?? 10_000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
    throw new Error(`pageSize must be an integer from 1 to 10000, got ${pageSize}`);
  }
  const ownIdentity = !opts.identity;
  const identity = opts.identity ?? (await startIdentityServer({ host: opts.host }));
  // F&O databases use a case-insensitive collation: 'us-001' and 'US-001' are the same key.
  const store = new TableStore({
    tables: FnoEngine.storeSchemas(),
    caseInsensitiveKeys: true,
    persistFile: opts.persistFile,
  });
  const engine = new FnoEngine(store, companies);
  if (!store.loadedFromFile) {
    const seeds = [
      ...(opts.referenceData === false ? [] : [referenceSeed(companies)]),
      ...(opts.seed ? [opts.seed] : []),
    ];
    try {
      await loadSeed(engine, store, seeds, defaultCompany);
    } catch (error) {
      if (ownIdentity) await identity.close();
      throw error;
    }
  }

  const faults = new FaultController(renderFault);
  const throttling = new FnoServiceProtection(opts.throttling);
  const counters = { requests: 0, batchOperations: 0, byStatus: {} as Record<string, number> };
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 64 * 1024 * 1024 });
  let url = '';

  const contextOf = (request: FastifyRequest): RequestContext => {
    const clientId = clientIds.get(request);
    return { defaultCompany: (clientId && opts.defaultCompanyByClient?.[clientId]?.toLowerCase()) || defaultCompany };
  };

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.url.startsWith(DATA_PREFIX) && request.url !== '/data') return;
    const check = identity.verify(request.headers.authorization, url);
    if (!check.ok || faults.rejectToken()) {
      const message = check.ok ? 'The access token has expired.' : check.message;
      return sendError(reply.header('www-authenticate', 'Bearer'), new FnoError('auth', `Unauthorized: ${message}`));
    }
    clientIds.set(request, check.clientId);
    // A $batch counts once: its parts re-enter here but are not throttled again.
    if (!isBatchPart(request)) {
      counters.requests += 1;
      if (!throttling.admit(request, reply, check.clientId)) return reply;
    }
  });
  faults.install(app);
  app.addHook('onResponse', async (request, reply) => {
    throttling.complete(request, reply);
    if (isBatchPart(request)) counters.batchOperations += 1;
    else if (request.url.startsWith(DATA_PREFIX)) {
      const status = String(reply.statusCode);
      counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
    }
  });
  app.setErrorHandler((error, _request, reply) => sendError(reply, toFnoError(error)));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new FnoError('not-found', `No HTTP resource was found that matches the request URI '${request.url}'.`),
    ),
  );

  const stats = (): FnoStats => ({
    requests: counters.requests,
    batchOperations: counters.batchOperations,
    byStatus: { ...counters.byStatus },
    rows: Object.fromEntries(store.tables().map((t) => [t.name, t.size])),
    faults: faults.stats(),
    throttling: throttling.stats(),
  });

  registerODataRoutes(app, {
    engine,
    store,
    baseUrl: () => url,
    pageSize,
    maxBatchOperations: opts.maxBatchOperations ?? DEFAULT_MAX_BATCH_OPERATIONS,
    context: contextOf,
  });
  if (opts.admin !== false) {
    registerAdminRoutes(app, faults, () => ({ fno: stats() }));
    registerLifecycleRoutes(app, engine, store);
    app.put<{ Body: { throttling?: FnoThrottlingOptions | false; overloadSeconds?: number } | undefined }>(
      '/_admin/throttling',
      async (request, reply) => {
        const body = request.body ?? {};
        if (
          body.overloadSeconds !== undefined &&
          !(typeof body.overloadSeconds === 'number' && body.overloadSeconds >= 0)
        ) {
          return sendError(reply, new FnoError('request', 'overloadSeconds must be a non-negative number of seconds.'));
        }
        if (body.throttling !== undefined) throttling.configure(body.throttling);
        if (body.overloadSeconds !== undefined) throttling.overload(body.overloadSeconds);
        return reply.send(throttling.stats());
      },
    );
    app.delete('/_admin/throttling', async (_request, reply) => {
      throttling.reset();
      return reply.code(204).send();
    });
  }

  let address: string;
  try {
    address = await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  } catch (error) {
    if (ownIdentity) await identity.close();
    throw error;
  }
  url = `http://${opts.host ?? '127.0.0.1'}:${new URL(address).port}`;

  return {
    url,
    dataUrl: `${url}${DATA_PREFIX}`,
    resource: url,
    identity,
    faults,
    throttling,
    store,
    engine,
    confirmSalesOrder: (dataAreaId, salesOrderNumber) => confirmSalesOrder(engine, store, dataAreaId, salesOrderNumber),
    invoiceSalesOrder: (dataAreaId, salesOrderNumber, options) =>
      invoiceSalesOrder(engine, store, dataAreaId, salesOrderNumber, options),
    stats,
    close: async () => {
      await app.close();
      await store.close();
      if (ownIdentity) await identity.close();
    },
  };
}
