/**
 * Pre-flight checks of a sales document (quote or order, Sales → F&O) before anything is written. The transform
 * already refuses unsynced customers, foreign products and unmapped units; these functions make those messages say
 * what to fix and where, and add what the transform cannot see: the company mapping, a site and warehouse for
 * stocked items, and a price list and F&O currency for the document's currency. The saga's prepareDocument and
 * `p2c check` both use them, so a dry run reports exactly what a run would refuse.
 */
import type { DataverseClient, FnoClient } from '../connectors';
import { odataString, sourceKeyOf, type TaskDefinition } from '../mappings';
import type { Partition } from '../common/sync-types';
import type { RowFailure, SourceRow, TargetRow } from '../common/types';

export interface PreflightClients {
  dataverse: DataverseClient;
  fno: FnoClient;
}

/** Where the user edits value maps and defaults; names the real file when the caller knows it. */
export const DEFAULT_PROJECT_FILE_LABEL = 'the project file';

export interface PreflightContext {
  documentKey: string;
  headerTask: TaskDefinition;
  lineTask: TaskDefinition;
  partition: Partition;
  sourceLines: SourceRow[];
  projectFile?: string;
}

/** What the checks need to know about the target and the source, read before the checks run. */
export interface PreflightFacts {
  /** F&O legal entities (lower-case ids). */
  companies: Set<string>;
  businessUnitExists: boolean;
  /** Sites and warehouses of the partition's company. */
  sites: Set<string>;
  warehouses: Set<string>;
  /** Products of the document that are stocked items in F&O (they need a site and a warehouse). */
  stockedProducts: Set<string>;
  /** Site and warehouse of the document's customer in F&O, when it is there. */
  customer?: { account: string; siteId?: string; warehouseId?: string };
  /** Currency codes (upper-case) known to F&O, and those with an active price list in Sales. */
  fnoCurrencies: Set<string>;
  priceListCurrencies: Set<string>;
}

const FNO = {
  companies: 'LegalEntities',
  sites: 'OperationalSites',
  warehouses: 'Warehouses',
  products: 'SellableReleasedProducts',
  customers: 'CustomersV2',
  currencies: 'Currencies',
} as const;
const HEADER_SITE = 'DefaultShippingSiteId';
const HEADER_WAREHOUSE = 'DefaultShippingWarehouseId';
const LINE_SITE = 'ShippingSiteId';
const LINE_WAREHOUSE = 'ShippingWarehouseId';
const STOCKED_PRODUCT_TYPE = 'Item';
const PAGE_SIZE = 5000;
/** Keys per `or` filter, well inside URL length limits. */
const KEYS_PER_QUERY = 50;

/** Pre-flight applies to documents written into F&O (quotes and orders from Sales). */
export function needsPreflight(headerTask: TaskDefinition): boolean {
  return headerTask.target.system === 'fno' && !!headerTask.children;
}

const text = (value: unknown): string | undefined =>
  value === null || value === undefined || value === '' ? undefined : String(value);

/** The header column that names the F&O customer (the first F&O customer lookup of the field map). */
function customerField(headerTask: TaskDefinition): string | undefined {
  return headerTask.fieldMap.find((e) => e.lookup?.candidates.some((c) => c.entitySet === FNO.customers))?.target;
}

function lineLabel(ctx: PreflightContext, lineKey: string): string {
  const row = ctx.sourceLines.find((r) => sourceKeyOf(ctx.lineTask, r) === lineKey);
  const number = text(row?.sequencenumber) ?? lineKey;
  return `line ${number} of ${ctx.documentKey}`;
}

function sourceLine(ctx: PreflightContext, lineKey: string): SourceRow | undefined {
  return ctx.sourceLines.find((r) => sourceKeyOf(ctx.lineTask, r) === lineKey);
}

function related(row: SourceRow | undefined, navigation: string, column: string): string | undefined {
  const target = row?.[navigation];
  return target && typeof target === 'object' ? text((target as Record<string, unknown>)[column]) : undefined;
}

/**
 * Rewrites the transform's failures of one document so each says what to change and where; failures of other
 * kinds keep their message.
 */
export function actionableFailures(failures: RowFailure[], ctx: PreflightContext): RowFailure[] {
  const file = ctx.projectFile ?? DEFAULT_PROJECT_FILE_LABEL;
  const company = ctx.partition.dataAreaId;
  return failures.map((failure) => {
    const isLine = failure.task === ctx.lineTask.name;
    const row = isLine ? sourceLine(ctx, failure.sourceKey) : undefined;
    const where = isLine ? lineLabel(ctx, failure.sourceKey) : ctx.documentKey;
    let message: string | undefined;
    if (isLine && failure.code === 'unmapped-unit') {
      const unit = related(row, 'uomid', 'name');
      message = unit
        ? `unit "${unit}" on ${where} is not mapped: add it to valueMaps.salesUnits in ${file} (F&O unit symbol → Sales unit name) or create the unit in F&O`
        : `${where} has no unit: pick a unit on the line in Sales`;
    } else if (isLine && failure.code === 'missing-product' && failure.field === 'productid') {
      const product = related(row, 'productid', 'productnumber');
      const fromSales = related(row, 'productid', 'msdynce_ismaintainedexternally') === 'false';
      if (product && fromSales) {
        message = `product "${product}" on ${where} was created in Sales, not synchronised from F&O: replace it with a product from F&O (products task)`;
      } else if (product) {
        message = `product "${product}" on ${where} is not a sellable released product of company ${company} in F&O: release it in F&O and run the products task, or replace the line's product in Sales`;
      }
    } else if (!isLine && failure.code === 'customer-not-synced') {
      message = `the customer of ${ctx.documentKey} is not a customer of company ${company} in F&O: run the accounts or contactsToCustomers task first and fix its failures (p2c failures), then run this task again`;
    }
    return message ? { ...failure, message: `${message} (${failure.message})` } : failure;
  });
}

/** The checks the transform does not make, on the mapped header and lines; pure. */
export function documentProblems(
  ctx: PreflightContext,
  header: TargetRow | undefined,
  lines: TargetRow[],
  facts: PreflightFacts,
): RowFailure[] {
  const file = ctx.projectFile ?? DEFAULT_PROJECT_FILE_LABEL;
  const { dataAreaId, businessUnit } = ctx.partition;
  const problems: RowFailure[] = [];
  const problem = (code: string, field: string, message: string, task = ctx.headerTask.name) =>
    problems.push({ task, sourceKey: ctx.documentKey, field, code, message });

  if (!facts.companies.has(dataAreaId.toLowerCase())) {
    problem(
      'company-not-mapped',
      'dataAreaId',
      `company ${dataAreaId} of the partition ${dataAreaId} ↔ ${businessUnit} does not exist in F&O: correct partitions in ${file} (legal entity ↔ business unit) or create the legal entity (DIPV1008)`,
    );
  }
  if (!facts.businessUnitExists) {
    problem(
      'company-not-mapped',
      'owningbusinessunit',
      `business unit "${businessUnit}" of the partition ${dataAreaId} ↔ ${businessUnit} does not exist in Sales: correct partitions in ${file} or restore the business unit (DIPV1008)`,
    );
  }

  const currency = text(header?.fields.CurrencyCode)?.toUpperCase();
  if (currency && !facts.fnoCurrencies.has(currency)) {
    problem(
      'unknown-currency',
      'transactioncurrencyid',
      `currency ${currency} of ${ctx.documentKey} does not exist in F&O: add it under General ledger > Currencies in F&O or change the document's currency in Sales`,
    );
  }
  if (currency && !facts.priceListCurrencies.has(currency)) {
    problem(
      'missing-price-list',
      'transactioncurrencyid',
      `no active price list in currency ${currency} for ${ctx.documentKey}: create one in Sales (one price list per F&O sales currency) and map it in valueMaps.priceListsByCurrency in ${file}`,
    );
  }

  const headerSite = text(header?.fields[HEADER_SITE]) ?? facts.customer?.siteId;
  const headerWarehouse = text(header?.fields[HEADER_WAREHOUSE]) ?? facts.customer?.warehouseId;
  for (const line of lines) {
    const product = text(line.fields.ProductNumber);
    const where = lineLabel(ctx, line.sourceKey);
    const site = text(line.fields[LINE_SITE]) ?? headerSite;
    const warehouse = text(line.fields[LINE_WAREHOUSE]) ?? headerWarehouse;
    if (site !== undefined && !facts.sites.has(site.toLowerCase())) {
      problem(
        'unknown-site',
        LINE_SITE,
        `site "${site}" used by ${where} does not exist in company ${dataAreaId}: create it in F&O or correct the site on the customer or in tasks.${ctx.lineTask.name}.fieldMap (${LINE_SITE}) in ${file}`,
        ctx.lineTask.name,
      );
    }
    if (warehouse !== undefined && !facts.warehouses.has(warehouse.toLowerCase())) {
      problem(
        'unknown-warehouse',
        LINE_WAREHOUSE,
        `warehouse "${warehouse}" used by ${where} does not exist in company ${dataAreaId}: create it in F&O or correct the warehouse on the customer or in tasks.${ctx.lineTask.name}.fieldMap (${LINE_WAREHOUSE}) in ${file}`,
        ctx.lineTask.name,
      );
    }
    if (
      product &&
      facts.stockedProducts.has(product.toLowerCase()) &&
      (site === undefined || warehouse === undefined)
    ) {
      const missing = [site === undefined ? 'site' : '', warehouse === undefined ? 'warehouse' : ''].filter(Boolean);
      const customer = facts.customer ? `customer ${facts.customer.account}` : 'the customer';
      problem(
        'missing-site-warehouse',
        site === undefined ? LINE_SITE : LINE_WAREHOUSE,
        `${where}: stocked item "${product}" needs a ${missing.join(' and ')} and neither the line, the header nor ${customer} supplies one: set SiteId/WarehouseId on ${customer} in F&O or add a default for ${LINE_SITE}/${LINE_WAREHOUSE} in tasks.${ctx.lineTask.name}.fieldMap in ${file}`,
        ctx.lineTask.name,
      );
    }
  }
  return problems;
}

async function readFno(
  fno: FnoClient,
  entitySet: string,
  select: string[],
  scope: { dataAreaId?: string; filter?: string },
): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const page of fno.readPages(entitySet, {
    select,
    filter: scope.filter,
    pageSize: PAGE_SIZE,
    dataAreaId: scope.dataAreaId,
    crossCompany: scope.dataAreaId === undefined ? true : undefined,
  })) {
    rows.push(...page.rows);
  }
  return rows;
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const lowerSet = (values: Array<string | undefined>) =>
  new Set(values.filter((v): v is string => v !== undefined).map((v) => v.toLowerCase()));

type PartitionFacts = Omit<PreflightFacts, 'stockedProducts' | 'customer'>;

/**
 * Company-wide reference tables per connector pair and partition. Documents of one run share them instead of
 * reading six tables each; after a minute they are read again, so a fix in F&O or Sales shows in the next run.
 */
const PARTITION_FACTS_TTL_MS = 60_000;
const partitionCaches = new WeakMap<PreflightClients, Map<string, { at: number; facts: Promise<PartitionFacts> }>>();

/**
 * Reads the tables the checks consult: the partition's reference tables (cached, see above), the document's products
 * and its customer.
 */
export class PreflightReader {
  constructor(
    private readonly clients: PreflightClients,
    /** Named in messages as the place to edit value maps and defaults. */
    readonly projectFile?: string,
  ) {}

  context(document: Omit<PreflightContext, 'projectFile'>): PreflightContext {
    return { ...document, projectFile: this.projectFile };
  }

  private partitionFacts(partition: Partition): Promise<PartitionFacts> {
    const cache =
      partitionCaches.get(this.clients) ?? new Map<string, { at: number; facts: Promise<PartitionFacts> }>();
    partitionCaches.set(this.clients, cache);
    const key = `${partition.dataAreaId}\u0000${partition.businessUnit}`;
    const cached = cache.get(key);
    if (cached && Date.now() - cached.at < PARTITION_FACTS_TTL_MS) return cached.facts;
    const facts = this.readPartitionFacts(partition);
    cache.set(key, { at: Date.now(), facts });
    // A failed read is not remembered: the activity's retry reads again.
    facts.catch(() => cache.delete(key));
    return facts;
  }

  private async readPartitionFacts(partition: Partition): Promise<PartitionFacts> {
    const { dataverse, fno } = this.clients;
    const [companies, sites, warehouses, currencies, businessUnits, priceLists] = await Promise.all([
      readFno(fno, FNO.companies, ['LegalEntityId'], {}),
      readFno(fno, FNO.sites, ['SiteId'], { dataAreaId: partition.dataAreaId }),
      readFno(fno, FNO.warehouses, ['WarehouseId'], { dataAreaId: partition.dataAreaId }),
      readFno(fno, FNO.currencies, ['CurrencyCode'], {}),
      dataverse.findKeys('businessunits', 'name', [partition.businessUnit]),
      (async () => {
        const rows: SourceRow[] = [];
        for await (const page of dataverse.readPages('pricelevels', {
          select: ['name'],
          expand: [{ navigation: 'transactioncurrencyid', select: ['isocurrencycode'] }],
          filter: 'statecode eq 0',
          pageSize: PAGE_SIZE,
        })) {
          rows.push(...page.rows);
        }
        return rows;
      })(),
    ]);
    return {
      companies: lowerSet(companies.map((r) => text(r.LegalEntityId))),
      sites: lowerSet(sites.map((r) => text(r.SiteId))),
      warehouses: lowerSet(warehouses.map((r) => text(r.WarehouseId))),
      fnoCurrencies: new Set(currencies.map((r) => text(r.CurrencyCode)?.toUpperCase() ?? '')),
      businessUnitExists: businessUnits.size > 0,
      priceListCurrencies: new Set(
        priceLists.map((r) => related(r, 'transactioncurrencyid', 'isocurrencycode')?.toUpperCase() ?? ''),
      ),
    };
  }

  async facts(ctx: PreflightContext, header: TargetRow | undefined, lines: TargetRow[]): Promise<PreflightFacts> {
    const { fno } = this.clients;
    const { dataAreaId } = ctx.partition;
    const products = [...new Set(lines.map((l) => text(l.fields.ProductNumber)).filter((p) => p !== undefined))];
    const stocked: string[] = [];
    for (const group of chunks(products, KEYS_PER_QUERY)) {
      const filter = group.map((p) => `ProductNumber eq ${odataString(p)}`).join(' or ');
      const rows = await readFno(fno, FNO.products, ['ProductNumber', 'ProductType'], { dataAreaId, filter });
      for (const row of rows) if (row.ProductType === STOCKED_PRODUCT_TYPE) stocked.push(String(row.ProductNumber));
    }
    const field = customerField(ctx.headerTask);
    const account = field ? text(header?.fields[field]) : undefined;
    const customerRow = account ? await fno.getByKey(FNO.customers, { dataAreaId, CustomerAccount: account }) : null;
    return {
      ...(await this.partitionFacts(ctx.partition)),
      stockedProducts: lowerSet(stocked),
      customer: customerRow
        ? { account: account!, siteId: text(customerRow.SiteId), warehouseId: text(customerRow.WarehouseId) }
        : undefined,
    };
  }

  /** The document's extra problems (none for tasks that do not write documents into F&O). */
  async check(ctx: PreflightContext, header: TargetRow | undefined, lines: TargetRow[]): Promise<RowFailure[]> {
    if (!needsPreflight(ctx.headerTask)) return [];
    return documentProblems(ctx, header, lines, await this.facts(ctx, header, lines));
  }
}
