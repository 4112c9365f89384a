/** Reading a task's source: one page at a time for the page loop, or everything for a document's lines. */
import { randomUUID } from 'node:crypto';
import { ConnectorError, type DataverseClient, type FnoClient, type Page } from '../connectors';
import { andFilters, requiredLookups, sourceQuery, type LookupRequest, type TaskDefinition } from '../mappings';
import { relatedLookupKey } from '../mappings/lookup-index';
import type { LookupEntries, Partition } from '../common/sync-types';
import type { SourceRow } from '../common/types';

export interface SourceClients {
  dataverse: DataverseClient;
  fno: FnoClient;
}

export interface SourcePageRequest {
  pageSize: number;
  cursor?: string;
  /** ISO time: rows modified after it (the task's modifiedField). */
  modifiedSince?: string;
  /** Extra filter and-ed to the task's own (re-run keys, a document's lines). */
  filter?: string;
}

/** The connector read options of a task's source for one partition. */
export function sourceReadOptions(task: TaskDefinition, partition: Partition, request: SourcePageRequest) {
  const query = sourceQuery(task, partition);
  return {
    select: task.source.select,
    expand: task.source.expand,
    filter: andFilters(query.filter, request.filter),
    orderBy: query.orderBy ? [query.orderBy] : undefined,
    pageSize: request.pageSize,
    cursor: request.cursor,
  };
}

export async function readSourcePage(
  clients: SourceClients,
  task: TaskDefinition,
  partition: Partition,
  request: SourcePageRequest,
): Promise<Page> {
  const options = sourceReadOptions(task, partition, request);
  if (task.source.system === 'sales') {
    return clients.dataverse.readPage(task.source.entitySet, { ...options, modifiedSince: request.modifiedSince });
  }
  const modifiedSince =
    request.modifiedSince && task.source.modifiedField
      ? { field: task.source.modifiedField, value: request.modifiedSince }
      : undefined;
  return clients.fno.readPage(task.source.entitySet, {
    select: options.select,
    filter: options.filter,
    orderBy: options.orderBy,
    pageSize: options.pageSize,
    cursor: options.cursor,
    dataAreaId: partition.dataAreaId,
    modifiedSince,
  });
}

/** Tasks that report or propagate deletions read Dataverse change tracking instead of modified-on filters. */
export function readsChangeTracking(task: TaskDefinition): boolean {
  return task.source.system === 'sales' && !!task.source.idField && !!task.deletes && task.deletes !== 'ignore';
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SourceDeltaRequest {
  pageSize: number;
  /** Next link of the delta read in progress. */
  cursor?: string;
  /** Delta link committed by the last complete read; absent starts with a full read. */
  deltaLink?: string;
}

export interface SourceDeltaPage extends Page {
  /** GUIDs of rows deleted since the delta link. */
  deleted: string[];
  /** On the last page: where the next read starts. */
  deltaLink?: string;
  /**
   * Id of the full re-read in progress when the delta link was refused (expired change-tracking data, or a token
   * the service no longer knows). Its rows are stamped with it so that, on its last page, the ids it did not
   * return can be checked for deletion.
   */
  reread?: string;
}

/** Cursor prefix of a full re-read; the cursor is opaque to the workflow, so the re-read id travels in it. */
const REREAD_CURSOR = 'p2c-reread:';

function splitCursor(cursor: string | undefined): { reread?: string; link?: string } {
  if (!cursor?.startsWith(REREAD_CURSOR)) return { link: cursor };
  const rest = cursor.slice(REREAD_CURSOR.length);
  const space = rest.indexOf(' ');
  return { reread: rest.slice(0, space), link: rest.slice(space + 1) };
}

/** A delta link the service refuses with 400 cannot be repaired by retrying: only a full read gets a new one. */
function deltaLinkRefused(err: unknown): err is ConnectorError {
  return err instanceof ConnectorError && err.status === 400;
}

/**
 * One page of changes. Change tracking takes no `$expand` or `$filter`, so the delta names the changed rows by
 * GUID only and the rows themselves are read again with the task's full query (select, expand, filter,
 * partition): one extra request per page, and a changed row outside the task's filter simply does not return.
 */
export async function readSourceDelta(
  clients: SourceClients,
  task: TaskDefinition,
  partition: Partition,
  request: SourceDeltaRequest,
  warn?: (message: string) => void,
): Promise<SourceDeltaPage> {
  const idField = task.source.idField;
  if (!idField) throw new Error(`task ${task.name} has no source idField; change tracking names rows by GUID`);
  const { reread: rereadInProgress, link: cursor } = splitCursor(request.cursor);
  let reread = rereadInProgress;
  const readDelta = (deltaLink: string | undefined) =>
    clients.dataverse.readDelta(task.source.entitySet, {
      select: [idField],
      pageSize: request.pageSize,
      cursor,
      deltaLink,
    });
  let delta: Awaited<ReturnType<typeof readDelta>>;
  try {
    delta = await readDelta(cursor ? undefined : request.deltaLink);
  } catch (err) {
    if (cursor || !request.deltaLink || !deltaLinkRefused(err)) throw err;
    reread = `${Date.now().toString(36)}-${randomUUID()}`;
    warn?.(
      `${task.name}: the change-tracking delta link was refused (${err.serviceMessage}); reading ${task.source.entitySet} in full again (re-read ${reread}) and checking rows it no longer returns for deletion`,
    );
    delta = await readDelta(undefined);
  }
  const ids = delta.rows.map((row) => String(row[idField]));
  const notGuid = ids.find((id) => !GUID.test(id));
  if (notGuid !== undefined) throw new Error(`${task.source.entitySet}.${idField} '${notGuid}' is not a GUID`);
  const rows = ids.length ? await readAll(clients, task, partition, guidsFilter(idField, ids), ids.length) : [];
  return {
    rows,
    nextCursor: delta.nextCursor && reread ? `${REREAD_CURSOR}${reread} ${delta.nextCursor}` : delta.nextCursor,
    deleted: delta.deleted.map((entry) => entry.id),
    deltaLink: delta.deltaLink,
    ...(reread ? { reread } : {}),
  };
}

/**
 * Of the given GUIDs, those no longer in the source table at all. The task's own filter is left out on purpose:
 * a row that only stopped matching it still exists and is not a deletion.
 */
export async function missingFromSource(
  clients: SourceClients,
  task: TaskDefinition,
  sourceIds: string[],
): Promise<string[]> {
  const idField = task.source.idField;
  if (!idField) throw new Error(`task ${task.name} has no source idField; cannot check rows by GUID`);
  const present = new Set<string>();
  for (let i = 0; i < sourceIds.length; i += ID_CHECK_CHUNK) {
    const chunk = sourceIds.slice(i, i + ID_CHECK_CHUNK);
    const pages = clients.dataverse.readPages(task.source.entitySet, {
      select: [idField],
      filter: guidsFilter(idField, chunk),
      pageSize: ID_CHECK_CHUNK,
    });
    for await (const page of pages) for (const row of page.rows) present.add(String(row[idField]).toLowerCase());
  }
  return sourceIds.filter((id) => !present.has(id.toLowerCase()));
}

/** GUIDs per existence query: keeps the URL well under Dataverse's length limit. */
const ID_CHECK_CHUNK = 50;

/** Dataverse compares a GUID column with a bare GUID literal (a quoted one is refused). */
function guidsFilter(idField: string, ids: string[]): string {
  return ids.map((id) => `${idField} eq ${id}`).join(' or ');
}

/** Every source row matching the filter (documents have at most a few hundred lines). */
export async function readAll(
  clients: SourceClients,
  task: TaskDefinition,
  partition: Partition,
  filter: string,
  pageSize = 500,
): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await readSourcePage(clients, task, partition, { pageSize, cursor, filter });
    rows.push(...page.rows);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

/** Rows of a lookup table matching a request that plain key existence cannot answer (related paths, filters). */
async function readLookupRows(
  clients: SourceClients,
  system: 'sales' | 'fno',
  need: LookupRequest,
  partition: Partition,
): Promise<Array<{ key: unknown; returned?: unknown }>> {
  const [navigation, column] = need.keyField.includes('.') ? need.keyField.split('.', 2) : [undefined, need.keyField];
  const select = [...(navigation ? [] : [column]), ...(need.returnField ? [need.returnField] : [])];
  const rows: SourceRow[] = [];
  let cursor: string | undefined;
  do {
    const page =
      system === 'sales'
        ? await clients.dataverse.readPage(need.entitySet, {
            select,
            expand: navigation ? [{ navigation, select: [column] }] : undefined,
            filter: need.filter,
            pageSize: LOOKUP_PAGE_SIZE,
            cursor,
          })
        : await clients.fno.readPage(need.entitySet, {
            select,
            filter: need.filter,
            pageSize: LOOKUP_PAGE_SIZE,
            cursor,
            dataAreaId: need.companySpecific === false ? undefined : partition.dataAreaId,
            crossCompany: need.companySpecific === false ? true : undefined,
          });
    rows.push(...page.rows);
    cursor = page.nextCursor;
  } while (cursor);
  return rows.map((row) => ({
    key: navigation ? (row[navigation] as Record<string, unknown> | null)?.[column] : row[column],
    returned: need.returnField ? row[need.returnField] : undefined,
  }));
}

const LOOKUP_PAGE_SIZE = 5000;

/**
 * Business keys the transform will look up in the task's target system, pre-fetched so the transform stays pure.
 * Plain key checks use the connectors' keyed existence query; requests on a related column or with a return
 * field or filter (the first price list of a currency) read the small lookup table itself.
 */
export async function fetchLookups(
  clients: SourceClients,
  task: TaskDefinition,
  rows: SourceRow[],
  partition: Partition,
  into: LookupEntries = {},
): Promise<LookupEntries> {
  const system = task.target.system;
  for (const need of requiredLookups(task, rows, partition)) {
    if (need.values.length === 0) continue;
    const bySet = (into[need.entitySet] ??= {});
    const add = (field: string, values: Iterable<string>) => {
      bySet[field] = [...(bySet[field] ?? []), ...values];
    };
    if (
      need.keyField.includes('.') ||
      need.returnField ||
      need.filter ||
      (system === 'fno' && need.companySpecific === false)
    ) {
      const wanted = new Set(need.values.map((v) => v.toLowerCase()));
      for (const { key, returned } of await readLookupRows(clients, system, need, partition)) {
        if (key === null || key === undefined || !wanted.has(String(key).toLowerCase())) continue;
        add(need.keyField, [String(key)]);
        if (typeof returned === 'string') add(relatedLookupKey(need.keyField, String(key)), [returned]);
      }
      continue;
    }
    const found =
      system === 'sales'
        ? await clients.dataverse.findKeys(need.entitySet, need.keyField, need.values)
        : await clients.fno.findKeys(need.entitySet, need.keyField, need.values, partition.dataAreaId);
    add(need.keyField, found);
  }
  return into;
}
