/**
 * Activities of the document saga (a quote, order or invoice: one header and its lines). Nothing reaches the target
 * but upserts by business key, deletes of target lines the source document no longer has, and undos that bring rows
 * back to a snapshot, so every activity may run twice; the checkpoint store keeps each document's hash (to skip
 * unchanged ones) and its trace entries.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  ConnectorError,
  DATAVERSE_MAX_PAGE_SIZE,
  FNO_MAX_PAGE_SIZE,
  type DataverseClient,
  type FnoClient,
} from '../connectors';
import type { ExpandSpec } from '../connectors/dataverse/client';
import { literal } from '../connectors/odata/keys';
import {
  canonicalJson,
  createLookupIndex,
  keyIdentity,
  rowHash,
  sourceKeyOf,
  transform,
  type TaskDefinition,
} from '../mappings';
import { fnv1a64Hex } from '../mappings/hash';
import type { CheckpointStore, TraceEntry, TraceOutcome } from '../common/checkpoint-store';
import { documentOutcomeOf, type TaskRef } from '../common/sync-types';
import type { BusinessKey, KeyValue, LookupRef, RowFailure, SourceRow, TargetRow, WriteOutcome } from '../common/types';
import { RETRYABLE } from '../workflows/activity-options';
import { classified, longestRetryAfterMs, retryableWriteFailure } from './failures';
import { documentLinesReader } from './document-lines';
import { fetchLookups } from './source';
import { actionableFailures, PreflightReader } from './preflight';
import { partitionKey, warningDetail } from './sync';

export interface DocumentActivityDeps {
  dataverse: DataverseClient;
  fno: FnoClient;
}

export interface PrepareDocumentInput {
  ref: TaskRef;
  headerTask: TaskDefinition;
  lineTask: TaskDefinition;
  header: SourceRow;
}

export interface PreparedDocument {
  documentKey: string;
  header?: TargetRow;
  lines: TargetRow[];
  /** Problems found before any write: the document is not written at all. */
  failures: RowFailure[];
  /**
   * Notes on the header and lines that mapped anyway (a value truncated, …), under the document's key; kept only
   * when the document is written. Absent when the header was filtered.
   */
  warnings?: RowFailure[];
  /** The header was dropped by the task's own rules (not an error). */
  filtered: boolean;
  sourceLines: number;
}

export interface RowSnapshot {
  entitySet: string;
  key: BusinessKey;
  /** Values of the written columns before this attempt; absent when the row did not exist. */
  before?: Record<string, unknown>;
  /** Dataverse lookups of a removed line before this attempt, by business key: an undo binds them again. */
  lookupsBefore?: Record<string, LookupRef>;
  /**
   * A line of the target document that the source document no longer has (removed, or renumbered away): the
   * write deletes it, and an undo creates it again from `before`.
   */
  removed?: true;
}

export interface DocumentSnapshot {
  header: RowSnapshot;
  lines: RowSnapshot[];
}

type System = 'sales' | 'fno';

/** The saga activities also keep document hashes and trace entries in the checkpoint store. */
export interface DocumentSagaDeps extends DocumentActivityDeps {
  store: CheckpointStore;
  now?: () => Date;
}

export interface PlanDocumentInput extends PrepareDocumentInput {
  /** The saga's workflow id, recorded with the document's trace entries. */
  workflowId: string;
}

interface PlannedBase {
  documentKey: string;
  /** Target lines the document maps to. */
  lines: number;
}

/**
 * What the saga has to do with one document, decided before any write: nothing (filtered, unchanged since its
 * last complete write), report it (pre-flight failures), or write it over the snapshot of the target's rows.
 */
export type DocumentPlan =
  | (PlannedBase & { kind: 'filtered' })
  | (PlannedBase & { kind: 'unchanged'; warnings?: RowFailure[] })
  | (PlannedBase & { kind: 'failed'; failures: RowFailure[] })
  | (PlannedBase & {
      kind: 'write';
      header: TargetRow;
      lineRows: TargetRow[];
      snapshot: DocumentSnapshot;
      /** Stored once the document landed complete, so an identical re-run writes nothing. */
      hash: string;
      /** Recorded by the write once the document landed complete. */
      warnings?: RowFailure[];
    });

interface DocumentRef {
  ref: TaskRef;
  workflowId: string;
  system: System;
  /** Header task: the document's hashes and trace entries are kept under its name. */
  task: string;
  documentKey: string;
}

export interface WriteDocumentInput extends DocumentRef {
  lineTask: string;
  header: TargetRow;
  lines: TargetRow[];
  hash: string;
  /** What the header's snapshot says the write does to the document. */
  outcome: 'created' | 'updated';
  /**
   * The plan's snapshot, journaled under the calling saga run before anything is written. Given by sagas that plan
   * and write in local activities, whose plan is not in history until the write ends: re-planned after a crash,
   * such a saga would otherwise snapshot its own half write.
   */
  snapshot?: DocumentSnapshot;
  /** The plan's warnings, recorded with the document's hash once it landed complete. */
  warnings?: RowFailure[];
}

export type DocumentWritten =
  | { status: 'written'; outcome?: 'created' | 'updated' }
  | { status: 'rejected'; failure: RowFailure; outcome?: 'created' | 'updated' };

export interface CompensateDocumentInput extends DocumentRef {
  snapshot: DocumentSnapshot;
  /** Why the document is being undone, for its trace entry. */
  reason: string;
}

export interface DocumentCompensated {
  /** Rows deleted or restored. */
  undone: number;
  /** Undo steps that could not be completed, one message per row. */
  compensationFailures: string[];
}

export interface DocumentTraceInput extends Omit<DocumentRef, 'system'> {
  outcome: TraceOutcome;
  detail?: string;
}

/** A document trace entry's detail, followed by the document's warnings when it has any. */
function withWarnings(detail: string, warnings: RowFailure[]): string {
  const noted = warningDetail(warnings);
  return noted ? `${detail}; ${noted}` : detail;
}

/** The run of the saga calling a document activity: its journaled snapshot is kept under this id. */
function sagaRun(): string | undefined {
  return Context.current().info.workflowExecution?.runId;
}

/**
 * Content hash of a mapped document: its header and lines as they would be written. Line order does not count
 * (the source may list lines in any order); every written column does.
 */
export function documentHash(header: TargetRow, lines: TargetRow[]): string {
  return fnv1a64Hex(canonicalJson({ header: rowHash(header), lines: lines.map(rowHash).sort() }));
}

/**
 * The key fields every line shares with its header (F&O `dataAreaId` + `SalesQuotationNumber`, Dataverse
 * `msdynce_ordernumber`): equalities that select the document's lines with one query. Undefined when the lines
 * share no key value with the header, so one query could not be scoped to this document.
 */
export function documentLineKey(header: TargetRow, lines: TargetRow[]): BusinessKey | undefined {
  if (lines.length === 0) return undefined;
  const shared: BusinessKey = {};
  for (const [field, value] of Object.entries(lines[0].key)) {
    if (lines.every((line) => sameKeyValue(line.key[field], value))) shared[field] = value;
  }
  const headerValues = Object.values(header.key);
  const scoped = Object.entries(shared).some(
    ([field, value]) => field !== 'dataAreaId' && headerValues.some((h) => sameKeyValue(h, value)),
  );
  return scoped ? shared : undefined;
}

/** Both services compare keys case-insensitively. */
function sameKeyValue(a: KeyValue | undefined, b: KeyValue | undefined): boolean {
  return a !== undefined && b !== undefined && String(a).toLowerCase() === String(b).toLowerCase();
}

/**
 * The key values that select every line of a document in the target, also when the source document has no lines
 * left: a line's key is its header's key plus a sequence number (`dataAreaId`, `SalesQuotationNumber`,
 * `LineCreationSequenceNumber` under `dataAreaId`, `SalesQuotationNumber`; `msdynce_ordernumber`, `sequencenumber`
 * under `ordernumber`), so the line key's leading fields take the header key's values in order.
 */
export function documentScope(
  headerTask: TaskDefinition,
  lineTask: TaskDefinition,
  header: TargetRow,
  lines: TargetRow[],
): BusinessKey | undefined {
  const shared = documentLineKey(header, lines);
  if (shared) return shared;
  const headerFields = headerTask.target.keyFields;
  const lineFields = lineTask.target.keyFields;
  if (lineFields.length !== headerFields.length + 1) return undefined;
  const scope: BusinessKey = {};
  headerFields.forEach((field, i) => (scope[lineFields[i]] = header.key[field]));
  return scope;
}

/** A Dataverse lookup a line task writes, as the target row names it and the undo of a removed line binds it. */
interface LineLookup {
  navigation: string;
  entitySet: string;
  keyField: string;
}

/** The columns and Dataverse lookups a line task writes: what the undo of a removed line puts back. */
export function lineShape(lineTask: TaskDefinition): { columns: string[]; lookups: LineLookup[] } {
  const sales = lineTask.target.system === 'sales';
  const columns = sales ? [] : ['dataAreaId'];
  const lookups: LineLookup[] = [];
  for (const entry of lineTask.fieldMap) {
    if (sales && entry.lookup) {
      const [candidate, ...others] = entry.lookup.candidates;
      if (others.length === 0) {
        const navigation = candidate.navigation ?? entry.target;
        lookups.push({ navigation, entitySet: candidate.entitySet, keyField: candidate.keyField });
      }
    } else if (!columns.includes(entry.target)) {
      columns.push(entry.target);
    }
  }
  return { columns, lookups };
}

/**
 * Target lines that are not the integration's to remove: the "Freight Tax" line the P2C plug-in keeps on a Sales
 * order for F&O's header tax (spec §7.3) belongs to the order, not to any F&O line.
 */
function keptInTarget(row: SourceRow): boolean {
  return row.msdynce_ismisctax === true;
}

/** The snapshot of a target line the write removes: its key, written columns and lookups as they are now. */
function removedLineSnapshot(
  row: SourceRow,
  entitySet: string,
  keyFields: string[],
  shape: ReturnType<typeof lineShape>,
): RowSnapshot {
  const key: BusinessKey = {};
  for (const field of keyFields) key[field] = row[field] as KeyValue;
  const before: Record<string, unknown> = {};
  for (const column of shape.columns) before[column] = row[column] ?? null;
  return { entitySet, key, before, ...lookupsOf(row, shape.lookups), removed: true };
}

/** A Dataverse line's lookups as read with `$expand`, by the business keys the line task binds them by. */
function lookupsOf(row: SourceRow, lookups: LineLookup[]): { lookupsBefore?: Record<string, LookupRef> } {
  const lookupsBefore: Record<string, LookupRef> = {};
  for (const lookup of lookups) {
    const related = row[lookup.navigation] as SourceRow | null | undefined;
    const value = related?.[lookup.keyField];
    if (value !== undefined && value !== null) {
      lookupsBefore[lookup.navigation] = { entitySet: lookup.entitySet, key: { [lookup.keyField]: value as KeyValue } };
    }
  }
  return Object.keys(lookupsBefore).length ? { lookupsBefore } : {};
}

const displayKey = (key: BusinessKey): string =>
  Object.entries(key)
    .filter(([field]) => field !== 'dataAreaId')
    .map(([, value]) => String(value))
    .join('/');

/**
 * What brings a row back to its snapshot: delete a row that did not exist, restore one whose written columns
 * differ from their values before (or that is gone), nothing when it already matches.
 */
function undoOf(snapshot: RowSnapshot, current: SourceRow | null): 'delete' | 'restore' | undefined {
  if (!snapshot.before) return current ? 'delete' : undefined;
  if (!current) return 'restore';
  const changed = Object.entries(snapshot.before).some(
    ([column, value]) => canonicalJson(current[column] ?? null) !== canonicalJson(value),
  );
  const rebound = Object.entries(snapshot.lookupsBefore ?? {}).some(([navigation, ref]) =>
    Object.entries(ref.key).some(
      ([field, value]) => !sameKeyValue((current[navigation] as SourceRow | null)?.[field] as KeyValue, value),
    ),
  );
  return changed || rebound ? 'restore' : undefined;
}

/** `$expand` that reads the lookups of the snapshots' lines by the business keys they were bound by. */
function expansionsOf(lines: RowSnapshot[]): ExpandSpec[] {
  const select = new Map<string, Set<string>>();
  for (const line of lines) {
    for (const [navigation, ref] of Object.entries(line.lookupsBefore ?? {})) {
      const fields = select.get(navigation) ?? new Set<string>();
      for (const field of Object.keys(ref.key)) fields.add(field);
      select.set(navigation, fields);
    }
  }
  return [...select].map(([navigation, fields]) => ({ navigation, select: [...fields] }));
}

/** A line failure of the lookup that binds the line to its header (`salesorderid`, `invoiceid`). */
function pointsAtHeader(headerTask: TaskDefinition, lineTask: TaskDefinition, failure: RowFailure): boolean {
  return lineTask.fieldMap.some(
    (entry) =>
      entry.lookup !== undefined &&
      entry.lookup.code === failure.code &&
      entry.lookup.candidates.some((c) => c.entitySet === headerTask.target.entitySet) &&
      [entry.source].flat().includes(failure.field),
  );
}

/**
 * Reads a document's lines and maps header and lines, without writing anything. Outside an activity too: the
 * benchmark's direct-copy baseline prepares documents the same way.
 */
export async function readAndMapDocument(
  deps: DocumentActivityDeps,
  input: PrepareDocumentInput,
  /** Pre-flight reader; `p2c check` passes one that names the project file in its messages. */
  reader?: PreflightReader,
): Promise<PreparedDocument> {
  const { ref, headerTask, lineTask, header } = input;
  const documentKey = sourceKeyOf(headerTask, header);
  const linesReader = documentLinesReader(deps);
  // Read with the document's page when that ran on this worker: its lines, and usually the page's look-ups.
  const readAhead = linesReader.takeReadAhead(lineTask, header, ref.partition);
  const headerLookups = readAhead?.lookups ?? (await fetchLookups(deps, headerTask, [header], ref.partition));
  const headerResult = transform(headerTask, [header], {
    partition: ref.partition,
    lookups: createLookupIndex(headerLookups),
  });
  if (headerResult.filtered > 0) return { documentKey, lines: [], failures: [], filtered: true, sourceLines: 0 };

  const sourceLines = readAhead?.lines ?? (await linesReader.read(headerTask, lineTask, header, ref.partition));
  // A copy: the header's key is added below, and a page's look-ups are shared by its documents.
  const lineLookups = readAhead?.lookups
    ? structuredClone(readAhead.lookups)
    : await fetchLookups(deps, lineTask, sourceLines, ref.partition);
  const targetHeader = headerResult.rows[0];
  if (targetHeader) {
    // Lines point at their header, which the saga writes first.
    for (const [field, value] of Object.entries(targetHeader.key)) {
      const bySet = (lineLookups[targetHeader.entitySet] ??= {});
      bySet[field] = [...(bySet[field] ?? []), String(value)];
    }
  }
  const linesResult = transform(lineTask, sourceLines, {
    partition: ref.partition,
    lookups: createLookupIndex(lineLookups),
  });
  // Pre-flight: the transform's refusals say what to fix, and the checks it cannot make run before any write.
  const checker = reader ?? new PreflightReader(deps);
  const preflight = checker.context({ documentKey, headerTask, lineTask, partition: ref.partition, sourceLines });
  // A header that did not map says why; its lines' "header not found" would only send the reader the wrong way.
  const lineErrors = targetHeader
    ? linesResult.errors
    : linesResult.errors.filter((f) => !pointsAtHeader(headerTask, lineTask, f));
  const found = [
    ...actionableFailures([...headerResult.errors, ...lineErrors], preflight),
    ...(await checker.check(preflight, targetHeader, linesResult.rows)),
  ];
  // Line problems are the document's: it is written or refused whole.
  const asDocuments = (notes: RowFailure[]) =>
    notes.map((f) => ({
      ...f,
      message: f.sourceKey === documentKey ? f.message : `line ${f.sourceKey}: ${f.message}`,
      sourceKey: documentKey,
    }));
  const failures = asDocuments(found);
  if (linesResult.filtered > 0) {
    failures.push({
      task: headerTask.name,
      sourceKey: documentKey,
      code: 'lines-filtered',
      message: `${linesResult.filtered} of ${sourceLines.length} lines are excluded by ${lineTask.name}'s rules; the document is kept whole and not written`,
    });
  }
  return {
    documentKey,
    header: targetHeader,
    lines: linesResult.rows,
    failures,
    warnings: asDocuments([...headerResult.warnings, ...linesResult.warnings]),
    filtered: false,
    sourceLines: sourceLines.length,
  };
}

export function createDocumentActivities(deps: DocumentSagaDeps) {
  const now = deps.now ?? (() => new Date());
  async function prepareDocument(input: PrepareDocumentInput): Promise<PreparedDocument> {
    return classified(() => readAndMapDocument(deps, input));
  }

  async function readTarget(system: System, entitySet: string, key: BusinessKey): Promise<SourceRow | null> {
    return system === 'sales' ? deps.dataverse.getByKey(entitySet, key) : deps.fno.getByKey(entitySet, key);
  }

  function snapshotOf(row: TargetRow, current: SourceRow | null): RowSnapshot {
    if (!current) return { entitySet: row.entitySet, key: row.key };
    const before: Record<string, unknown> = {};
    for (const column of Object.keys(row.fields)) before[column] = current[column] ?? null;
    return { entitySet: row.entitySet, key: row.key, before };
  }

  async function snapshotDocument(input: {
    system: System;
    header: TargetRow;
    lines: TargetRow[];
  }): Promise<DocumentSnapshot> {
    return classified(async () => {
      const header = snapshotOf(input.header, await readTarget(input.system, input.header.entitySet, input.header.key));
      const lines: RowSnapshot[] = [];
      for (const line of input.lines)
        lines.push(snapshotOf(line, await readTarget(input.system, line.entitySet, line.key)));
      return { header, lines };
    });
  }

  /** One upsert. Transient failures are retried by Temporal; a final rejection comes back as the outcome. */
  async function upsertRow(input: { system: System; row: TargetRow }): Promise<WriteOutcome> {
    return classified(async () => {
      const [outcome] =
        input.system === 'sales'
          ? await deps.dataverse.upsertBatch([input.row], { continueOnError: true })
          : [await deps.fno.upsert(input.row)];
      if (outcome.status === 'failed' && outcome.retryable) throw retryableWriteFailure([outcome]);
      return outcome;
    });
  }

  /** Undo of one write: delete what the saga created (already gone is fine), restore what it changed. */
  async function compensateRow(input: {
    system: System;
    snapshot: RowSnapshot;
    sourceKey: string;
  }): Promise<'deleted' | 'restored'> {
    return classified(async () => {
      const { system, snapshot } = input;
      if (!snapshot.before) {
        if (system === 'sales') await deps.dataverse.deleteByKey(snapshot.entitySet, snapshot.key);
        else await deps.fno.deleteByKey(snapshot.entitySet, snapshot.key);
        return 'deleted';
      }
      const row: TargetRow = {
        sourceKey: input.sourceKey,
        entitySet: snapshot.entitySet,
        key: snapshot.key,
        fields: snapshot.before,
      };
      const [outcome] =
        system === 'sales'
          ? await deps.dataverse.upsertBatch([row], { continueOnError: true })
          : [await deps.fno.upsert(row)];
      if (outcome.status === 'failed') {
        const message = `restoring ${snapshot.entitySet} ${JSON.stringify(snapshot.key)} failed: ${outcome.message ?? outcome.code}`;
        if (outcome.retryable) throw retryableWriteFailure([outcome], message);
        throw ApplicationFailure.create({ type: 'CompensationFailed', nonRetryable: true, message });
      }
      return 'restored';
    });
  }

  function traceEntryOf(input: DocumentTraceInput): TraceEntry {
    return {
      runId: input.ref.runId,
      workflowId: input.workflowId,
      task: input.task,
      sourceKey: input.documentKey,
      outcome: input.outcome,
      at: now().toISOString(),
      ...(input.detail ? { detail: input.detail } : {}),
    };
  }

  async function addTrace(input: DocumentTraceInput): Promise<void> {
    await deps.store.addTrace([traceEntryOf(input)]);
  }

  /**
   * Upserts rows of one entity set in one request: Dataverse `$batch`, F&O `$batch` with a change set per row.
   * `expectNew` (the snapshot found no header, so no lines either) lets F&O create without a PATCH that misses first.
   */
  function upsertRows(system: System, rows: TargetRow[], expectNew = false): Promise<WriteOutcome[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return system === 'sales'
      ? deps.dataverse.upsertBatch(rows, { continueOnError: true })
      : deps.fno.upsertBatch(rows, { continueOnError: true, expectNew });
  }

  async function readRows(
    system: System,
    entitySet: string,
    key: BusinessKey,
    expand?: ExpandSpec[],
  ): Promise<SourceRow[]> {
    const { dataAreaId, ...rest } = key;
    const filter = Object.entries(rest)
      .map(([field, value]) => `${field} eq ${literal(value)}`)
      .join(' and ');
    const pages =
      system === 'sales'
        ? deps.dataverse.readPages(entitySet, {
            filter,
            pageSize: DATAVERSE_MAX_PAGE_SIZE,
            ...(expand?.length ? { expand } : {}),
          })
        : deps.fno.readPages(entitySet, {
            filter,
            pageSize: FNO_MAX_PAGE_SIZE,
            ...(dataAreaId === undefined ? { crossCompany: true } : { dataAreaId: String(dataAreaId) }),
          });
    const rows: SourceRow[] = [];
    for await (const page of pages) rows.push(...page.rows);
    return rows;
  }

  /**
   * The target's current header and lines: one keyed read for the header and one query for all lines (selected
   * by the key they share with the header); per-line reads only when the lines share no key with it. Given the
   * document's line set and scope, it also returns the target's other lines of the document (`others`: lines the
   * source no longer has), with their lookups expanded as `expand` says.
   */
  async function readDocument(
    system: System,
    header: RowSnapshot,
    lines: RowSnapshot[],
    all?: { entitySet: string; keyFields: string[]; scope: BusinessKey; expand?: ExpandSpec[] },
  ): Promise<{ header: SourceRow | null; lines: Array<SourceRow | null>; others: SourceRow[] }> {
    const asRow = (s: RowSnapshot): TargetRow => ({ sourceKey: '', entitySet: s.entitySet, key: s.key, fields: {} });
    const shared = documentLineKey(asRow(header), lines.map(asRow));
    const readLines = async (): Promise<{ lines: Array<SourceRow | null>; others: SourceRow[] }> => {
      const query = all ?? (shared && { entitySet: lines[0].entitySet, keyFields: Object.keys(lines[0].key) });
      if (!query) {
        const one: Array<SourceRow | null> = [];
        for (const line of lines) one.push(await readTarget(system, line.entitySet, line.key));
        return { lines: one, others: [] };
      }
      const fields = query.keyFields;
      const found = new Map<string, SourceRow>();
      const expand = all?.expand ?? expansionsOf(lines);
      for (const row of await readRows(system, query.entitySet, all?.scope ?? shared!, expand)) {
        found.set(
          keyIdentity(fields, (f) => row[f]),
          row,
        );
      }
      const current = lines.map((line) => {
        const identity = keyIdentity(fields, (f) => line.key[f]);
        const row = found.get(identity) ?? null;
        found.delete(identity);
        return row;
      });
      return { lines: current, others: all ? [...found.values()] : [] };
    };
    const [current, currentLines] = await Promise.all([readTarget(system, header.entitySet, header.key), readLines()]);
    return { header: current, ...currentLines };
  }

  /**
   * Reads, maps and checks a document, then decides: unchanged since its last complete write (its hash), failed
   * pre-flight, filtered, or to be written — with the snapshot of the target's rows taken before any write.
   */
  async function planDocument(input: PlanDocumentInput): Promise<DocumentPlan> {
    return classified(async () => {
      const { ref, headerTask } = input;
      const prepared = await readAndMapDocument(deps, input);
      const { documentKey } = prepared;
      const traced = { ref, workflowId: input.workflowId, task: headerTask.name, documentKey };
      const base = { documentKey, lines: prepared.lines.length };
      if (prepared.filtered) {
        await addTrace({ ...traced, outcome: 'filtered', detail: `excluded by ${headerTask.name}'s rules` });
        return { ...base, kind: 'filtered' };
      }
      const header = prepared.header;
      if (prepared.failures.length > 0 || !header) {
        const failures: RowFailure[] = prepared.failures.length
          ? prepared.failures
          : [
              {
                task: headerTask.name,
                sourceKey: documentKey,
                code: 'header-unmapped',
                message: `the header maps to no ${headerTask.target.entitySet} row; the document is not written`,
              },
            ];
        await addTrace({
          ...traced,
          outcome: 'failed',
          detail: failures.map((f) => `${f.code}: ${f.message}`).join('; '),
        });
        return { ...base, kind: 'failed', failures };
      }
      const hash = documentHash(header, prepared.lines);
      const known = await deps.store.getHashes(ref.project, headerTask.name, partitionKey(ref), [documentKey]);
      const warnings = prepared.warnings ?? [];
      const warned = warnings.length ? { warnings } : {};
      if (known.get(documentKey) === hash) {
        const at = now().toISOString();
        if (warnings.length)
          await deps.store.addWarnings(
            ref.runId,
            warnings.map((w) => ({ ...w, at })),
          );
        await addTrace({
          ...traced,
          outcome: 'unchanged',
          detail: withWarnings(`${prepared.lines.length} lines as last written`, warnings),
        });
        return { ...base, kind: 'unchanged', ...warned };
      }
      const system = headerTask.target.system;
      const { lineTask } = input;
      const scope = documentScope(headerTask, lineTask, header, prepared.lines);
      const shape = lineShape(lineTask);
      const lineSet = lineTask.target.entitySet;
      const current = await readDocument(
        system,
        { entitySet: header.entitySet, key: header.key },
        prepared.lines.map((line) => ({ entitySet: line.entitySet, key: line.key })),
        scope && {
          entitySet: lineSet,
          keyFields: lineTask.target.keyFields,
          scope,
          expand: shape.lookups.map((l) => ({ navigation: l.navigation, select: [l.keyField] })),
        },
      );
      // Lines the target document has and the source no longer has go, so the target holds the source's lines.
      const removed = current.others
        .filter((row) => !keptInTarget(row))
        .map((row) => removedLineSnapshot(row, lineSet, lineTask.target.keyFields, shape));
      const snapshot: DocumentSnapshot = {
        header: snapshotOf(header, current.header),
        lines: [
          ...prepared.lines.map((line, i) => {
            const before = snapshotOf(line, current.lines[i]);
            // A line whose product or unit the write changes gets them back from an undo, with its columns.
            return before.before ? { ...before, ...lookupsOf(current.lines[i]!, shape.lookups) } : before;
          }),
          ...removed,
        ],
      };
      return { ...base, kind: 'write', header, lineRows: prepared.lines, snapshot, hash, ...warned };
    });
  }

  function rejection(input: WriteDocumentInput, row: TargetRow, rejected: WriteOutcome[]): RowFailure {
    const isHeader = row === input.header;
    const [first] = rejected;
    return {
      task: isHeader ? input.task : input.lineTask,
      sourceKey: input.documentKey,
      field: first.field,
      code: first.code ?? 'write-failed',
      message: rejected
        .map((o) => `${isHeader ? 'header' : `line ${o.sourceKey}`}: ${o.message ?? 'rejected by the target'}`)
        .join('; '),
    };
  }

  /**
   * Writes the header, then all lines in one batch, each line with its own outcome. A transient failure fails
   * the activity so Temporal retries it (every write is an upsert by key: a retry duplicates nothing); a line
   * rejected for good is returned for the saga to compensate. The hash and trace entry are stored only when the
   * whole document landed.
   */
  async function writeDocument(input: WriteDocumentInput): Promise<DocumentWritten> {
    return classified(async () => {
      const saga = sagaRun();
      const journaled =
        input.snapshot && saga
          ? ((await deps.store.claimSnapshot(saga, input.snapshot, now().toISOString())) as DocumentSnapshot)
          : undefined;
      const outcome = journaled ? documentOutcomeOf(journaled) : input.outcome;
      // Lines belong to their header: when the snapshot found no header, none of its lines exist either.
      const expectNew = outcome === 'created';
      const [header] = await upsertRows(input.system, [input.header], expectNew);
      if (header.status === 'failed') {
        if (header.retryable) throw retryableWriteFailure([header]);
        return { status: 'rejected', failure: rejection(input, input.header, [header]), outcome };
      }
      const lines = await upsertRows(input.system, input.lines, expectNew);
      const failed = lines.filter((o) => o.status === 'failed');
      const rejected = failed.filter((o) => !o.retryable);
      // A line refused for good dooms the document: retrying its transient neighbours would only delay the undo.
      if (rejected.length > 0) {
        const row = input.lines.find((l) => l.sourceKey === rejected[0].sourceKey) ?? input.lines[0];
        return { status: 'rejected', failure: rejection(input, row, rejected), outcome };
      }
      if (failed.length > 0) throw retryableWriteFailure(failed);
      // Lines the source document no longer has go last, once every line it has is in place.
      const removals = (journaled ?? input.snapshot)?.lines.filter((line) => line.removed) ?? [];
      for (const line of removals) {
        try {
          if (input.system === 'sales') await deps.dataverse.deleteByKey(line.entitySet, line.key);
          else await deps.fno.deleteByKey(line.entitySet, line.key);
        } catch (err) {
          if (!(err instanceof ConnectorError) || err.retryable) throw err;
          const failure: RowFailure = {
            task: input.lineTask,
            sourceKey: input.documentKey,
            code: 'line-not-removed',
            message: `line ${displayKey(line.key)}: no longer in the source document, but deleting it from ${line.entitySet} failed: ${err.message}`,
          };
          return { status: 'rejected', failure, outcome };
        }
      }
      const { ref } = input;
      const removed = removals.length ? `, ${removals.length} removed` : '';
      const warnings = input.warnings ?? [];
      const trace = traceEntryOf({
        ...input,
        outcome,
        detail: withWarnings(`header and ${input.lines.length} lines${removed}`, warnings),
      });
      await deps.store.documentWritten({
        project: ref.project,
        task: input.task,
        partition: partitionKey(ref),
        hash: { sourceKey: input.documentKey, hash: input.hash },
        trace,
        ...(saga && journaled ? { sagaRunId: saga } : {}),
        ...(warnings.length ? { warnings: warnings.map((w) => ({ ...w, at: trace.at })) } : {}),
      });
      return { status: 'written', outcome };
    });
  }

  /**
   * Brings every row of the document back to its snapshot: rows that did not exist are deleted, rows that differ
   * are restored; lines first, the header last. Reads the target first, so it undoes whatever any attempt of the
   * write wrote and is itself safe to repeat. A row whose undo is refused is reported, and the others still run;
   * transient failures retry the activity, and on its last attempt are reported too.
   */
  async function compensateDocument(input: CompensateDocumentInput): Promise<DocumentCompensated> {
    return classified(async () => {
      const { system } = input;
      const saga = sagaRun();
      const journaled = saga ? ((await deps.store.journaledSnapshot(saga)) as DocumentSnapshot | undefined) : undefined;
      const snapshot = journaled ?? input.snapshot;
      const current = await readDocument(system, snapshot.header, snapshot.lines);
      const describe = (s: RowSnapshot) => `${s.entitySet} ${JSON.stringify(s.key)}`;
      const problems: Array<{ row: string; message: string; retryable: boolean; retryAfterMs?: number }> = [];
      let undone = 0;
      const restoreRows = async (rows: RowSnapshot[]) => {
        const outcomes = await upsertRows(
          system,
          rows.map((s) => ({
            sourceKey: input.documentKey,
            entitySet: s.entitySet,
            key: s.key,
            fields: s.before!,
            ...(s.lookupsBefore ? { lookups: s.lookupsBefore } : {}),
          })),
        );
        outcomes.forEach((outcome, i) => {
          if (outcome.status !== 'failed') undone += 1;
          else
            problems.push({
              row: describe(rows[i]),
              message: `restoring failed: ${outcome.message ?? outcome.code}`,
              retryable: outcome.retryable === true,
              retryAfterMs: outcome.retryAfterMs,
            });
        });
      };
      const deleteRow = async (s: RowSnapshot) => {
        try {
          if (system === 'sales') await deps.dataverse.deleteByKey(s.entitySet, s.key);
          else await deps.fno.deleteByKey(s.entitySet, s.key);
          undone += 1;
        } catch (err) {
          if (!(err instanceof ConnectorError)) throw err;
          problems.push({
            row: describe(s),
            message: `deleting failed: ${err.message}`,
            retryable: err.retryable,
            retryAfterMs: err.retryAfterMs,
          });
        }
      };
      const lines = snapshot.lines.map((s, i) => ({ snapshot: s, undo: undoOf(s, current.lines[i]) }));
      await restoreRows(lines.filter((l) => l.undo === 'restore').map((l) => l.snapshot));
      for (const line of lines.reverse()) if (line.undo === 'delete') await deleteRow(line.snapshot);
      const headerUndo = undoOf(snapshot.header, current.header);
      if (headerUndo === 'restore') await restoreRows([snapshot.header]);
      else if (headerUndo === 'delete') await deleteRow(snapshot.header);

      const info = Context.current().info;
      const lastAttempt = info.attempt >= (info.retryPolicy?.maximumAttempts ?? Number.POSITIVE_INFINITY);
      const transient = problems.filter((p) => p.retryable);
      if (transient.length > 0 && !lastAttempt) {
        // The retry reads the target again and redoes only what still differs from the snapshot.
        throw ApplicationFailure.create({
          type: RETRYABLE,
          message: transient.map((p) => `${p.row}: ${p.message}`).join('; '),
          nextRetryDelay: longestRetryAfterMs(transient),
        });
      }
      const compensationFailures = problems.map((p) => `${p.row}: ${p.message}`);
      const outcome = compensationFailures.length
        ? `compensation failed, the target may need attention: ${compensationFailures.join('; ')}`
        : `compensated: ${undone} rows deleted or restored to their state before the run`;
      await addTrace({ ...input, outcome: 'failed', detail: `${input.reason}; ${outcome}` });
      if (saga && journaled) await deps.store.releaseSnapshot(saga);
      return { undone, compensationFailures };
    });
  }

  /** A trace entry for a document the other saga activities could not record (the saga's rare failure paths). */
  async function traceDocument(input: DocumentTraceInput): Promise<void> {
    return classified(() => addTrace(input));
  }

  return {
    prepareDocument,
    snapshotDocument,
    upsertRow,
    compensateRow,
    planDocument,
    writeDocument,
    compensateDocument,
    traceDocument,
  };
}
