/**
 * Reading a document's lines. Documents prepared at about the same moment (a page's sagas on one worker, the
 * baseline's documents in flight) each ask Dataverse for their lines by their header's GUID; those requests are
 * gathered into one query (`_quoteid_value eq a or _quoteid_value eq b …`) and the answer is split by header. Every
 * caller gets the rows its own query would have returned, in the same order: the combined query keeps the line
 * task's filter, partition and order, and a row belongs to exactly one header. Fewer requests count against
 * Dataverse's service-protection budget of 6,000 per five minutes; under load a few dozen documents share one.
 */
import type { LookupEntries, Partition } from '../common/sync-types';
import type { SourceRow } from '../common/types';
import { odataString, type TaskDefinition } from '../mappings';
import { fetchLookups, readAll, type SourceClients } from './source';

/** Headers per query: keeps the URL (about 60 characters per GUID) well under Dataverse's length limit. */
export const DOCUMENTS_PER_LINE_QUERY = 50;
/** Queries of one line task in flight at once; documents asking meanwhile wait for the next one. */
const QUERIES_IN_FLIGHT = 2;
/** A combined read asks for up to this many rows a page, as a one-document read does. */
const LINES_PAGE_SIZE = 500;

/**
 * How long lines read ahead stay usable. A page's documents start within seconds of its read; lines older than
 * this are read again, so a document never uses lines much older than its header row.
 */
const PREFETCH_TTL_MS = 60_000;
/** Documents whose lines may wait at once: a few pages' worth, whatever the pages' documents do. */
const MAX_PREFETCHED_DOCUMENTS = 2_000;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The header lookup a Sales line points at through its first key field (`quoteid` of `quoteid.quotenumber`), whose
 * GUID column is `_quoteid_value`; undefined for lines selected by key values they share with their header.
 */
export function lineNavigationOf(lineTask: TaskDefinition): string | undefined {
  const firstLineKey = lineTask.source.keyFields[0];
  return lineTask.source.system === 'sales' && firstLineKey.includes('.') ? firstLineKey.split('.')[0] : undefined;
}

/** OData filter selecting the source lines of one header. */
export function linesFilterFor(headerTask: TaskDefinition, lineTask: TaskDefinition, header: SourceRow): string {
  const navigation = lineNavigationOf(lineTask);
  if (navigation !== undefined) {
    const id = header[navigation];
    if (typeof id !== 'string') throw new Error(`header row has no ${navigation} id to select its lines by`);
    return `_${navigation}_value eq ${id}`;
  }
  const shared = headerTask.source.keyFields.filter((k) => lineTask.source.keyFields.includes(k));
  if (shared.length === 0) {
    throw new Error(`${lineTask.name} shares no key field with ${headerTask.name}; cannot select a document's lines`);
  }
  return shared.map((k) => `${k} eq ${odataString(String(header[k]))}`).join(' and ');
}

/** The header's lower-cased GUID the lines point at, when its lines can be read with other documents'. */
function documentId(lineTask: TaskDefinition, header: SourceRow): { navigation: string; id: string } | undefined {
  const navigation = lineNavigationOf(lineTask);
  const id = navigation === undefined ? undefined : header[navigation];
  return navigation !== undefined && typeof id === 'string' && GUID.test(id)
    ? { navigation, id: id.toLowerCase() }
    : undefined;
}

interface Waiter {
  resolve(rows: SourceRow[]): void;
  reject(err: unknown): void;
}

/** The documents of one line task (and partition) waiting for their lines, and the queries in flight for them. */
interface Queue {
  key: string;
  lineTask: TaskDefinition;
  partition: Partition;
  /** The header lookup the lines point at (`quoteid`); its GUID column is `_quoteid_value`. */
  navigation: string;
  waiting: Map<string, Waiter[]>;
  inFlight: number;
  scheduled: boolean;
}

/** A document's lines read ahead with its page, and that page's look-ups when they were read too. */
interface Prefetched {
  at: number;
  rows: SourceRow[];
  /** Shared by the page's documents: read, never changed. */
  lookups?: LookupEntries;
}

function prefetchKey(queue: Queue, id: string): string {
  return `${queue.key}\u0000${id}`;
}

/** Gathers concurrent line reads of the same line task into combined queries. One per Dataverse client. */
export class DocumentLinesReader {
  readonly #queues = new Map<string, Queue>();
  /** Lines read ahead by `prefetch`, by queue and header GUID, in the order they were read. */
  readonly #prefetched = new Map<string, Prefetched>();
  readonly #stats = { queries: 0, documents: 0 };

  constructor(private readonly clients: SourceClients) {}

  /** Queries sent and documents they answered, for tests and the benchmark. */
  stats(): { queries: number; documents: number } {
    return { ...this.#stats };
  }

  /**
   * What was read ahead for `header`'s document with its page, taken once: its lines and, when they were read too,
   * the page's look-ups (its headers' and all its lines': a superset of the document's, as fresh as the page read).
   * Undefined when nothing usable is waiting; `read` then reads the lines.
   */
  takeReadAhead(
    lineTask: TaskDefinition,
    header: SourceRow,
    partition: Partition,
  ): { lines: SourceRow[]; lookups?: LookupEntries } | undefined {
    const document = documentId(lineTask, header);
    if (!document) return undefined;
    const entry = this.#takePrefetched(this.#queueFor(lineTask, partition, document.navigation), document.id);
    return entry && { lines: entry.rows, lookups: entry.lookups };
  }

  /** The source lines of `header`'s document, as `readAll` with `linesFilterFor` returns them. */
  async read(
    headerTask: TaskDefinition,
    lineTask: TaskDefinition,
    header: SourceRow,
    partition: Partition,
  ): Promise<SourceRow[]> {
    const document = documentId(lineTask, header);
    if (!document) {
      // Lines selected by shared key values (F&O sources), or a header that cannot be combined: read on their own,
      // which also gives a missing or malformed id its own error.
      return readAll(this.clients, lineTask, partition, linesFilterFor(headerTask, lineTask, header));
    }
    const queue = this.#queueFor(lineTask, partition, document.navigation);
    const readAhead = this.#takePrefetched(queue, document.id);
    if (readAhead) return readAhead.rows;
    return new Promise<SourceRow[]>((resolve, reject) => {
      const waiters = queue.waiting.get(document.id) ?? [];
      waiters.push({ resolve, reject });
      queue.waiting.set(document.id, waiters);
      this.#schedule(queue);
    });
  }

  /**
   * Reads the lines of a page of headers ahead of their documents, which then take them instead of querying. Each
   * document's lines are taken once (a retried attempt reads again) and only within `PREFETCH_TTL_MS`. A read that
   * fails leaves nothing behind: each document then reads its own lines, with its own errors. Resolves to the number
   * of documents whose lines are waiting.
   */
  async prefetch(
    lineTask: TaskDefinition,
    headers: SourceRow[],
    partition: Partition,
    /** The page's header look-ups, when the caller has them: kept with the lines, merged with the lines' own. */
    headerLookups?: LookupEntries,
  ): Promise<number> {
    const navigation = lineNavigationOf(lineTask);
    if (navigation === undefined) return 0;
    const queue = this.#queueFor(lineTask, partition, navigation);
    const ids = [...new Set(headers.flatMap((header) => documentId(lineTask, header)?.id ?? []))];
    const byHeader = new Map<string, SourceRow[]>();
    for (let start = 0; start < ids.length; start += DOCUMENTS_PER_LINE_QUERY) {
      try {
        for (const [id, rows] of await this.#readLines(queue, ids.slice(start, start + DOCUMENTS_PER_LINE_QUERY))) {
          byHeader.set(id, rows);
        }
      } catch {
        break;
      }
    }
    let lookups: LookupEntries | undefined;
    if (headerLookups) {
      try {
        // Added to a copy: the caller's header look-ups go on into its page's result.
        const lines = [...byHeader.values()].flat();
        lookups = await fetchLookups(this.clients, lineTask, lines, partition, structuredClone(headerLookups));
      } catch {
        // Each document then looks up what it needs itself.
      }
    }
    const at = Date.now();
    for (const [id, rows] of byHeader) {
      // Re-inserted, so the map stays in the order of reading.
      this.#prefetched.delete(prefetchKey(queue, id));
      this.#prefetched.set(prefetchKey(queue, id), { at, rows, lookups });
    }
    // Oldest first: a page whose documents never ran (another worker took them) ages out here.
    for (const key of this.#prefetched.keys()) {
      if (this.#prefetched.size <= MAX_PREFETCHED_DOCUMENTS) break;
      this.#prefetched.delete(key);
    }
    return byHeader.size;
  }

  #takePrefetched(queue: Queue, id: string): Prefetched | undefined {
    const key = prefetchKey(queue, id);
    const entry = this.#prefetched.get(key);
    if (!entry) return undefined;
    this.#prefetched.delete(key);
    return Date.now() - entry.at <= PREFETCH_TTL_MS ? entry : undefined;
  }

  #queueFor(lineTask: TaskDefinition, partition: Partition, navigation: string): Queue {
    // Two projects on one worker may name a task alike with different sources: the source is part of the key.
    const key = JSON.stringify([lineTask.name, lineTask.source, partition]);
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = { key, lineTask, partition, navigation, waiting: new Map(), inFlight: 0, scheduled: false };
      this.#queues.set(key, queue);
    }
    return queue;
  }

  /** Sends on the next turn of the event loop, so the documents that ask in this one share the query. */
  #schedule(queue: Queue): void {
    if (queue.scheduled || queue.inFlight >= QUERIES_IN_FLIGHT || queue.waiting.size === 0) return;
    queue.scheduled = true;
    setImmediate(() => {
      queue.scheduled = false;
      while (queue.waiting.size > 0 && queue.inFlight < QUERIES_IN_FLIGHT) {
        const batch = [...queue.waiting].slice(0, DOCUMENTS_PER_LINE_QUERY);
        for (const [id] of batch) queue.waiting.delete(id);
        queue.inFlight += 1;
        void this.#query(queue, new Map(batch)).finally(() => {
          queue.inFlight -= 1;
          this.#schedule(queue);
        });
      }
    });
  }

  async #query(queue: Queue, batch: Map<string, Waiter[]>): Promise<void> {
    let byHeader: Map<string, SourceRow[]>;
    try {
      byHeader = await this.#readLines(queue, [...batch.keys()]);
    } catch (err) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(err);
      return;
    }
    for (const [id, waiters] of batch) {
      const lines = byHeader.get(id)!;
      // A document asked for twice at once (a retried attempt beside the first) gets rows of its own each time.
      waiters.forEach((waiter, i) => waiter.resolve(i === 0 ? lines : lines.map((row) => ({ ...row }))));
    }
  }

  /** One query for the lines of up to `DOCUMENTS_PER_LINE_QUERY` headers (lower-cased GUIDs), split by header. */
  async #readLines(queue: Queue, ids: string[]): Promise<Map<string, SourceRow[]>> {
    const { lineTask, partition, navigation } = queue;
    const column = `_${navigation}_value`;
    const select = lineTask.source.select;
    // The header's GUID says which document a row belongs to; it leaves the row again unless the task selects it.
    const extraColumn = select !== undefined && !select.includes(column);
    const task = extraColumn ? { ...lineTask, source: { ...lineTask.source, select: [...select, column] } } : lineTask;
    const filter = ids.map((id) => `${column} eq ${id}`).join(' or ');
    this.#stats.queries += 1;
    this.#stats.documents += ids.length;
    const rows = await readAll(this.clients, task, partition, filter, LINES_PAGE_SIZE);
    const byHeader = new Map<string, SourceRow[]>(ids.map((id) => [id, []]));
    for (const row of rows) {
      const owner = row[column];
      const lines = typeof owner === 'string' ? byHeader.get(owner.toLowerCase()) : undefined;
      if (!lines) continue;
      if (extraColumn) {
        const { [column]: _owner, ...own } = row;
        lines.push(own);
      } else {
        lines.push(row);
      }
    }
    return byHeader;
  }
}

const readers = new WeakMap<SourceClients['dataverse'], DocumentLinesReader>();

/** The lines reader shared by everything that reads through these clients' Dataverse connection. */
export function documentLinesReader(clients: SourceClients): DocumentLinesReader {
  let reader = readers.get(clients.dataverse);
  if (!reader) {
    reader = new DocumentLinesReader(clients);
    readers.set(clients.dataverse, reader);
  }
  return reader;
}
