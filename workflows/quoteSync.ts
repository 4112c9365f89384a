/**
 * One document — a sales quote, or an order or invoice built the same way — as a saga: the header and its lines
 * land in the target together or not at all. A local activity reads, maps and checks the document and snapshots the
 * target's rows; a second one journals that snapshot in the checkpoint store and writes the header and then all
 * lines in one batch; when a line fails for good an activity brings every row back to the journaled snapshot. A
 * document identical to its last complete write is not written again.
 */
import {
  ActivityFailure,
  CancellationScope,
  CancelledFailure,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { sourceKeyOf } from '../mappings/source-key';
import type { TaskDefinition } from '../mappings';
import type { SyncActivities } from '../activities';
import type { RowSnapshot } from '../activities/documents';
import { documentOutcomeOf, type TaskRef } from '../common/sync-types';
import type { RowFailure, SourceRow, TargetRow, WriteOutcome } from '../common/types';
import { activityOptions, localActivityOptions } from './activity-options';

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
  /** Warnings recorded for the header and lines of a document that was written or found unchanged. */
  warnings?: number;
}

const { prepareDocument, snapshotDocument, planDocument } = proxyActivities<SyncActivities>(activityOptions.read);
const { planDocument: planDocumentLocally } = proxyLocalActivities<SyncActivities>(localActivityOptions.read);
const { upsertRow, writeDocument } = proxyActivities<SyncActivities>(activityOptions.write);
const { writeDocument: writeDocumentLocally } = proxyLocalActivities<SyncActivities>(localActivityOptions.write);
// Undoing writes to the services as the write does, so it gets the write's time and retries (throttling included).
const { compensateRow, compensateDocument } = proxyActivities<SyncActivities>(activityOptions.write);
const { traceDocument } = proxyActivities<SyncActivities>(activityOptions.bookkeeping);

/** Marks sagas that write in batches; histories recorded without it replay the row-by-row path (an activity per row). */
export const BATCHED_DOCUMENT_WRITES = 'batched-document-writes';
/**
 * Marks sagas that plan in a local activity. Planning only reads, and the plan's marker is recorded by the same
 * workflow task completion that schedules the write, so a snapshot is always taken before anything is written.
 */
export const LOCAL_DOCUMENT_PLAN = 'local-document-plan';
/** Marks document tasks that start `quoteSyncV2` sagas; task runs recorded before it start `quoteSync`. */
export const QUOTE_SYNC_V2 = 'quote-sync-v2';
/** Marks document tasks that start `quoteSyncV3` sagas; task runs recorded before it start `quoteSyncV2`. */
export const QUOTE_SYNC_V3 = 'quote-sync-v3';

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

/**
 * The saga as `quoteSync` runs it: kept for the runs (and recorded histories) of that workflow type, which take the
 * path their patch markers say. New documents run as `quoteSyncV2`.
 */
export async function quoteSync(input: QuoteSyncInput): Promise<QuoteSyncResult> {
  if (!patched(BATCHED_DOCUMENT_WRITES)) return rowByRowQuoteSync(input);
  return batchedQuoteSync(input, patched(LOCAL_DOCUMENT_PLAN) ? planDocumentLocally : planDocument, writeDocument);
}

/**
 * The saga as `quoteSyncV2` runs it: a local plan, then the write as an activity, whose scheduling records the plan
 * (and its snapshot) in history before anything is written. Kept for the runs and recorded histories of that type.
 * Each saga type has no patch markers of its own: a marker costs a document two history events and a visibility
 * update (the SDK records `TemporalChangeVersion` with it), and a run has one saga per document. The parent picks
 * the type behind its own patches (`QUOTE_SYNC_V2`, `QUOTE_SYNC_V3`), once per task run.
 */
export async function quoteSyncV2(input: QuoteSyncInput): Promise<QuoteSyncResult> {
  return batchedQuoteSync(input, planDocumentLocally, writeDocument);
}

/**
 * Today's saga: plan and write are both local activities, so a document that lands whole costs its saga one
 * workflow task and no activity task. The plan's marker reaches history only with the write's, so the write first
 * journals the plan's snapshot in the checkpoint store under this run; a saga re-planned after its worker died
 * mid-write keeps the first snapshot, and its undo (if any) goes back to what the target held before the saga.
 */
export async function quoteSyncV3(input: QuoteSyncInput): Promise<QuoteSyncResult> {
  return batchedQuoteSync(input, planDocumentLocally, writeDocumentLocally, { journal: true });
}

function failedResult(documentKey: string, failure: RowFailure): QuoteSyncResult {
  return {
    documentKey,
    outcome: 'failed',
    lines: 0,
    compensationFailures: [],
    compensated: false,
    failures: [failure],
  };
}

type Planner = typeof planDocument | typeof planDocumentLocally;
type Writer = typeof writeDocument | typeof writeDocumentLocally;

/**
 * A cancelled saga still plans and writes its document and acts on what the write really did (a half-written
 * document is undone), then ends cancelled. Cancelling an activity does not stop the write it is doing, and a
 * cancel that arrives while local activities run discards the workflow task that would record them, so the saga
 * plans and writes again after they wrote: only a plan and write that always run to their end leave it whole.
 */
async function batchedQuoteSync(
  input: QuoteSyncInput,
  planner: Planner,
  writer: Writer,
  options: { journal?: boolean } = {},
): Promise<QuoteSyncResult> {
  const saga = CancellationScope.current();
  const result = await CancellationScope.nonCancellable(() => writeDocumentSaga(input, planner, writer, options));
  if (saga.consideredCancelled) throw new CancelledFailure('document saga cancelled');
  return result;
}

async function writeDocumentSaga(
  input: QuoteSyncInput,
  planner: Planner,
  writer: Writer,
  options: { journal?: boolean },
): Promise<QuoteSyncResult> {
  const { ref, headerTask, lineTask } = input;
  const workflowId = workflowInfo().workflowId;
  const documentKey = sourceKeyOf(headerTask, input.header);
  const traced = { ref, workflowId, task: headerTask.name, documentKey };
  /** Trace entries of the rare paths where no saga activity could record one; losing one fails nothing. */
  const traceFailure = async (detail: string) => {
    try {
      await traceDocument({ ...traced, outcome: 'failed', detail });
    } catch (err) {
      log.warn('document trace entry not recorded', { document: documentKey, reason: reasonOf(err) });
    }
  };

  let plan: Awaited<ReturnType<typeof planDocument>>;
  try {
    plan = await planner({ ref, headerTask, lineTask, header: input.header, workflowId });
  } catch (err) {
    // Reading or resolving the document failed for good; nothing was written.
    const failure: RowFailure = {
      task: headerTask.name,
      sourceKey: documentKey,
      code: 'document-unreadable',
      message: reasonOf(err),
    };
    await traceFailure(`${failure.code}: ${failure.message}`);
    return failedResult(documentKey, failure);
  }
  const base = { documentKey, lines: plan.lines, compensationFailures: [], compensated: false };
  // Nothing was written: a document with a bad line never reaches the target half done.
  if (plan.kind === 'failed') return { ...base, outcome: 'failed', failures: plan.failures };
  // Plans recorded before warnings were kept carry none.
  const warned = plan.kind !== 'filtered' && plan.warnings?.length ? { warnings: plan.warnings.length } : {};
  if (plan.kind !== 'write') return { ...base, outcome: plan.kind, failures: [], ...warned };

  const system = headerTask.target.system;
  let outcome = documentOutcomeOf(plan.snapshot);
  let failure: RowFailure;
  try {
    const written = await writer({
      ...traced,
      system,
      lineTask: lineTask.name,
      header: plan.header,
      lines: plan.lineRows,
      hash: plan.hash,
      outcome,
      ...(options.journal ? { snapshot: plan.snapshot } : {}),
      ...(plan.warnings?.length ? { warnings: plan.warnings } : {}),
    });
    // The journaled snapshot decides when it differs from this plan's (a plan repeated after a crash).
    outcome = written.outcome ?? outcome;
    if (written.status === 'written') return { ...base, outcome, failures: [], ...warned };
    failure = written.failure;
  } catch (err) {
    // Retries ran out with the document possibly half written.
    failure = { task: headerTask.name, sourceKey: documentKey, code: 'write-failed', message: reasonOf(err) };
  }
  const reason = `${failure.code}: ${failure.message}`;
  // Undo runs even when the saga is being cancelled (the caller's scope is non-cancellable): a half-written
  // document is the one outcome we never leave.
  let compensationFailures: string[];
  try {
    const undone = await compensateDocument({ ...traced, system, snapshot: plan.snapshot, reason });
    compensationFailures = undone.compensationFailures;
  } catch (err) {
    const message = `undoing ${documentKey} did not finish: ${reasonOf(err)}`;
    await traceFailure(`${reason}; ${message}`);
    compensationFailures = [message];
  }
  for (const message of compensationFailures) {
    log.error('compensation failed', { document: documentKey, message });
  }
  return {
    ...base,
    outcome: 'failed',
    failures: [failure],
    compensationFailures,
    compensated: compensationFailures.length === 0,
  };
}

/** The saga as it ran before batched writes: snapshot, then one upsert activity per header and per line. */
async function rowByRowQuoteSync(input: QuoteSyncInput): Promise<QuoteSyncResult> {
  const { ref, headerTask, lineTask } = input;
  let prepared: Awaited<ReturnType<typeof prepareDocument>>;
  try {
    prepared = await prepareDocument({ ref, headerTask, lineTask, header: input.header });
  } catch (err) {
    // Reading or resolving the document failed for good; nothing was written.
    const documentKey = sourceKeyOf(headerTask, input.header);
    return failedResult(documentKey, {
      task: headerTask.name,
      sourceKey: documentKey,
      code: 'document-unreadable',
      message: reasonOf(err),
    });
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
