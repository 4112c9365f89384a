/**
 * Activities of the document saga (a quote, order or invoice: one header and its lines). Reads and transforms are
 * pure of side effects; every write is an upsert by business key and every compensation is idempotent.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { DataverseClient, FnoClient } from '../connectors';
import { createLookupIndex, odataString, sourceKeyOf, transform, type TaskDefinition } from '../mappings';
import type { TaskRef } from '../common/sync-types';
import type { BusinessKey, RowFailure, SourceRow, TargetRow, WriteOutcome } from '../common/types';
import { RETRYABLE } from '../workflows/activity-options';
import { classified } from './failures';
import { fetchLookups, readAll } from './source';
import { actionableFailures, PreflightReader } from './preflight';

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
  /** The header was dropped by the task's own rules (not an error). */
  filtered: boolean;
  sourceLines: number;
}

export interface RowSnapshot {
  entitySet: string;
  key: BusinessKey;
  /** Values of the written columns before this attempt; absent when the row did not exist. */
  before?: Record<string, unknown>;
}

export interface DocumentSnapshot {
  header: RowSnapshot;
  lines: RowSnapshot[];
}

type System = 'sales' | 'fno';

/** OData filter selecting the source lines of one header. */
export function linesFilterFor(headerTask: TaskDefinition, lineTask: TaskDefinition, header: SourceRow): string {
  const firstLineKey = lineTask.source.keyFields[0];
  if (lineTask.source.system === 'sales' && firstLineKey.includes('.')) {
    // quotedetails → quoteid.quotenumber: lines point at the header's primary id through the `quoteid` lookup.
    const navigation = firstLineKey.split('.')[0];
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
  const headerLookups = await fetchLookups(deps, headerTask, [header], ref.partition);
  const headerResult = transform(headerTask, [header], {
    partition: ref.partition,
    lookups: createLookupIndex(headerLookups),
  });
  if (headerResult.filtered > 0) return { documentKey, lines: [], failures: [], filtered: true, sourceLines: 0 };

  const filter = linesFilterFor(headerTask, lineTask, header);
  const sourceLines = await readAll(deps, lineTask, ref.partition, filter);
  const lineLookups = await fetchLookups(deps, lineTask, sourceLines, ref.partition);
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
  const found = [
    ...actionableFailures([...headerResult.errors, ...linesResult.errors], preflight),
    ...(await checker.check(preflight, targetHeader, linesResult.rows)),
  ];
  const failures = found.map((f) => ({
    ...f,
    message: f.sourceKey === documentKey ? f.message : `line ${f.sourceKey}: ${f.message}`,
    sourceKey: documentKey,
  }));
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
    filtered: false,
    sourceLines: sourceLines.length,
  };
}

export function createDocumentActivities(deps: DocumentActivityDeps) {
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
      if (outcome.status === 'failed' && outcome.retryable) {
        throw ApplicationFailure.create({
          type: RETRYABLE,
          message: `${outcome.sourceKey}: ${outcome.message ?? 'transient failure'}`,
        });
      }
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
        throw ApplicationFailure.create({
          type: outcome.retryable ? RETRYABLE : 'CompensationFailed',
          nonRetryable: !outcome.retryable,
          message: `restoring ${snapshot.entitySet} ${JSON.stringify(snapshot.key)} failed: ${outcome.message ?? outcome.code}`,
        });
      }
      return 'restored';
    });
  }

  return { prepareDocument, snapshotDocument, upsertRow, compensateRow };
}
