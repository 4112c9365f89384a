/**
 * Rows deleted in the source, as Dataverse change tracking reports them (a GUID, nothing else): the task's delete
 * policy decides whether they are only listed or also deleted — or, where the target entity has a blocked
 * status, deactivated — in the target. GUIDs are traced back to business keys through the checkpoint store,
 * which learns them whenever a change-tracking read sees a row.
 */
import type { CheckpointStore, SourceIdEntry } from '../common/checkpoint-store';
import { emptyDeleteCounts, type DeleteCounts, type LookupEntries, type TaskRef } from '../common/sync-types';
import type { BusinessKey, SourceRow, TargetRow } from '../common/types';
import type { DataverseClient, FnoClient } from '../connectors';
import { createLookupIndex, sourceKeyOf, transform, type TaskDefinition } from '../mappings';
import { classified } from './failures';

export interface DeleteActivityDeps {
  dataverse: DataverseClient;
  fno: FnoClient;
  store: CheckpointStore;
  now?: () => Date;
}

/**
 * Target entities that keep a deleted source row as inactive instead of deleting it, and the fields that say so.
 * A customer has transactions, so F&O blocks it (OnHoldStatus = All) rather than losing its history.
 */
export const DEACTIVATION: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  CustomersV2: { OnHoldStatus: 'All' },
};

/** Stored as a deleted row's hash: no real hash equals it, so a row re-created with the same content is written. */
export const DELETED_ROW_HASH = 'deleted';

export interface ApplyDeletesInput {
  ref: TaskRef;
  task: TaskDefinition;
  workflowId: string;
  /** GUIDs the source reported deleted on one page. */
  sourceIds: string[];
}

export interface DeletesApplied extends DeleteCounts {
  /** Business keys of the deleted rows this task had synced, in the order the source reported them. */
  sourceKeys: string[];
}

/** Remembers GUID → business keys of the rows a change-tracking read returned, with their target keys. */
export async function recordSourceIds(
  store: CheckpointStore,
  ref: TaskRef,
  partitionKey: string,
  task: TaskDefinition,
  rows: SourceRow[],
  lookups: LookupEntries,
  /** The full re-read in progress, if any: stamps the rows it returned. */
  seenIn?: string,
): Promise<void> {
  const idField = task.source.idField;
  if (!idField || rows.length === 0) return;
  const context = { partition: ref.partition, lookups: createLookupIndex(lookups) };
  const mapped = transform(task, rows, context);
  const targetKeys = new Map<string, BusinessKey>();
  for (const row of mapped.rows) if (!targetKeys.has(row.sourceKey)) targetKeys.set(row.sourceKey, row.key);
  // Of several records with one business key the transform writes the first it does not filter out; the others
  // are failures, and deleting one of them must not remove the target row of the record that was written.
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const row of rows) {
    const sourceKey = sourceKeyOf(task, row);
    if (seen.has(sourceKey)) repeated.add(sourceKey);
    seen.add(sourceKey);
  }
  const writtenFor = new Map<string, string>();
  const entries: SourceIdEntry[] = [];
  for (const row of rows) {
    const sourceId = row[idField];
    if (typeof sourceId !== 'string') continue;
    const sourceKey = sourceKeyOf(task, row);
    // A row the mapping rejects gets no target key: there is nothing of it in the target to remove.
    let targetKey = targetKeys.get(sourceKey);
    if (targetKey && repeated.has(sourceKey)) {
      const id = sourceId.toLowerCase();
      if (!writtenFor.has(sourceKey) && transform(task, [row], context).filtered === 0) writtenFor.set(sourceKey, id);
      if (writtenFor.get(sourceKey) !== id) targetKey = undefined;
    }
    entries.push({ sourceId, sourceKey, targetKey, ...(seenIn ? { seenIn } : {}) });
  }
  await store.putSourceIds(ref.project, task.name, partitionKey, entries);
}

export function createDeleteActivities(deps: DeleteActivityDeps, partitionKey: (ref: TaskRef) => string) {
  const now = deps.now ?? (() => new Date());

  /** Removes or blocks one row in the target; the outcome names what happened for the trace. */
  async function removeInTarget(task: TaskDefinition, key: BusinessKey, sourceKey: string) {
    const { system, entitySet } = task.target;
    const deactivation = system === 'fno' ? DEACTIVATION[entitySet] : undefined;
    if (deactivation) {
      // An F&O PATCH never creates, but upsert would: check first so a vanished row stays vanished.
      if (!(await deps.fno.getByKey(entitySet, key))) return 'absent' as const;
      const row: TargetRow = { sourceKey, entitySet, key, fields: { ...deactivation } };
      const outcome = await deps.fno.upsert(row);
      if (outcome.status === 'failed') {
        throw new Error(`${entitySet} ${sourceKey}: could not deactivate: ${outcome.message ?? outcome.code ?? ''}`);
      }
      return 'deactivated' as const;
    }
    const client = system === 'fno' ? deps.fno : deps.dataverse;
    return (await client.deleteByKey(entitySet, key)) ? ('deleted' as const) : ('absent' as const);
  }

  async function applyDeletes(input: ApplyDeletesInput): Promise<DeletesApplied> {
    return classified(async () => {
      const { ref, task } = input;
      const policy = task.deletes ?? 'ignore';
      const result: DeletesApplied = { ...emptyDeleteCounts(), sourceKeys: [] };
      if (policy === 'ignore' || input.sourceIds.length === 0) return result;
      const partition = partitionKey(ref);
      const known = await deps.store.getSourceIds(ref.project, task.name, partition, input.sourceIds);
      const at = now().toISOString();
      const trace = (sourceKey: string, detail: string) => ({
        runId: ref.runId,
        workflowId: input.workflowId,
        task: task.name,
        sourceKey,
        outcome: 'deleted' as const,
        at,
        detail,
      });
      const traces = [];
      const removed: string[] = [];
      for (const sourceId of input.sourceIds) {
        const entry = known.get(sourceId.toLowerCase());
        if (!entry) {
          // Deleted rows this task never read (another task's rows, or outside its filter) are not its business.
          result.unknown += 1;
          continue;
        }
        result.sourceKeys.push(entry.sourceKey);
        if (policy === 'report' || !entry.targetKey) {
          result.reported += 1;
          const why = entry.targetKey ? 'target row kept (policy report)' : 'the row never mapped to a target row';
          traces.push(trace(entry.sourceKey, `deleted in source (${sourceId}); ${why}`));
          continue;
        }
        const outcome = await removeInTarget(task, entry.targetKey, entry.sourceKey);
        result[outcome] += 1;
        removed.push(entry.sourceKey);
        traces.push(trace(entry.sourceKey, `deleted in source (${sourceId}); ${outcome} in target`));
      }
      if (removed.length) {
        await deps.store.putHashes(
          ref.project,
          task.name,
          partition,
          removed.map((sourceKey) => ({ sourceKey, hash: DELETED_ROW_HASH })),
        );
      }
      if (traces.length) await deps.store.addTrace(traces);
      return result;
    });
  }

  return { applyDeletes };
}
