/**
 * One document — a sales quote, or an order or invoice built the same way — as a saga: the header and its lines
 * land in the target together or not at all. Before writing, the target's current rows are snapshotted; after each
 * write its undo is put first in the compensation list; when a line fails for good every undo runs, newest first.
 */
import { ActivityFailure, CancellationScope, log, proxyActivities } from '@temporalio/workflow';
import { sourceKeyOf, type TaskDefinition } from '../mappings';
import type { SyncActivities } from '../activities';
import type { RowSnapshot } from '../activities/documents';
import type { TaskRef } from '../common/sync-types';
import type { RowFailure, SourceRow, TargetRow, WriteOutcome } from '../common/types';
import { activityOptions } from './activity-options';

export interface QuoteSyncInput {
  ref: TaskRef;
  headerTask: TaskDefinition;
  lineTask: TaskDefinition;
  /** The header's source row as the page read it. */
  header: SourceRow;
}

export type DocumentOutcome = 'created' | 'updated' | 'unchanged' | 'filtered' | 'failed';

export interface QuoteSyncResult {
  documentKey: string;
  outcome: DocumentOutcome;
  lines: number;
  failures: RowFailure[];
  /** Undo steps that could not be completed: the document may need manual attention. */
  compensationFailures: string[];
  compensated: boolean;
}

const { prepareDocument, snapshotDocument } = proxyActivities<SyncActivities>(activityOptions.read);
const { upsertRow } = proxyActivities<SyncActivities>(activityOptions.write);
const { compensateRow } = proxyActivities<SyncActivities>(activityOptions.bookkeeping);

class LineRejected extends Error {
  constructor(
    readonly row: TargetRow,
    readonly outcome: WriteOutcome,
  ) {
    super(`${row.sourceKey}: ${outcome.message ?? outcome.code ?? 'rejected'}`);
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

export async function quoteSync(input: QuoteSyncInput): Promise<QuoteSyncResult> {
  const { ref, headerTask, lineTask } = input;
  let prepared: Awaited<ReturnType<typeof prepareDocument>>;
  try {
    prepared = await prepareDocument({ ref, headerTask, lineTask, header: input.header });
  } catch (err) {
    // Reading or resolving the document failed for good; nothing was written.
    const documentKey = sourceKeyOf(headerTask, input.header);
    return {
      documentKey,
      outcome: 'failed',
      lines: 0,
      compensationFailures: [],
      compensated: false,
      failures: [
        { task: headerTask.name, sourceKey: documentKey, code: 'document-unreadable', message: reasonOf(err) },
      ],
    };
  }
  const base = {
    documentKey: prepared.documentKey,
    lines: prepared.lines.length,
    compensationFailures: [],
    compensated: false,
  };
  if (prepared.filtered) return { ...base, outcome: 'filtered', failures: [] };
  if (prepared.failures.length > 0 || !prepared.header) {
    // Nothing was written: a document with a bad line never reaches the target half done.
    return { ...base, outcome: 'failed', failures: prepared.failures };
  }

  const system = headerTask.target.system;
  const header = prepared.header;
  const snapshot = await snapshotDocument({ system, header, lines: prepared.lines });
  const compensations: Array<{ snapshot: RowSnapshot; sourceKey: string }> = [];
  const outcomes: WriteOutcome[] = [];
  try {
    const written = await upsertRow({ system, row: header });
    if (written.status === 'failed') throw new LineRejected(header, written);
    compensations.unshift({ snapshot: snapshot.header, sourceKey: header.sourceKey });
    outcomes.push(written);
    for (const [i, line] of prepared.lines.entries()) {
      const result = await upsertRow({ system, row: line });
      if (result.status === 'failed') throw new LineRejected(line, result);
      compensations.unshift({ snapshot: snapshot.lines[i], sourceKey: line.sourceKey });
      outcomes.push(result);
    }
  } catch (err) {
    const failure: RowFailure =
      err instanceof LineRejected
        ? {
            task: err.row === header ? headerTask.name : lineTask.name,
            sourceKey: prepared.documentKey,
            field: err.outcome.field,
            code: err.outcome.code ?? 'write-failed',
            message: `${err.row === header ? 'header' : `line ${err.row.sourceKey}`}: ${err.outcome.message ?? 'rejected by the target'}`,
          }
        : { task: headerTask.name, sourceKey: prepared.documentKey, code: 'write-failed', message: reasonOf(err) };
    const compensationFailures: string[] = [];
    // Undo runs even when the saga is being cancelled: a half-written document is the one outcome we never leave.
    await CancellationScope.nonCancellable(async () => {
      for (const step of compensations) {
        try {
          await compensateRow({ system, snapshot: step.snapshot, sourceKey: step.sourceKey });
        } catch (compensationError) {
          const message = `${step.snapshot.entitySet} ${JSON.stringify(step.snapshot.key)}: ${reasonOf(compensationError)}`;
          log.error('compensation failed', { document: prepared.documentKey, message });
          compensationFailures.push(message);
        }
      }
    });
    return {
      ...base,
      outcome: 'failed',
      failures: [failure],
      compensationFailures,
      compensated: compensationFailures.length === 0,
    };
  }
  // The document counts as created or updated by what happened to its header.
  return { ...base, outcome: outcomes[0].status as DocumentOutcome, failures: [] };
}
