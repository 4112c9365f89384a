/**
 * Temporal cost of a project run: every workflow run it caused (the project workflow, its entitySync children,
 * their continue-as-new runs and document saga children), found by following the histories themselves.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export interface HistoryCost {
  workflowRuns: number;
  events: number;
  /** Bytes of every payload (arguments, results, heartbeat details, memo, …) in those histories. */
  payloadBytes: number;
  /** Bytes of the histories as the server stores them (protobuf encoded). */
  historyBytes: number;
  maxEventsPerRun: number;
  maxEventsWorkflowType: string;
}

const HISTORY_FETCH_CONCURRENCY = 8;
/** Events per history page, so a page of events carrying page payloads stays a moderate gRPC message. */
const HISTORY_PAGE_EVENTS = 100;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function isPayload(value: object): value is { data: Uint8Array; metadata?: Record<string, Uint8Array> } {
  return 'data' in value && value.data instanceof Uint8Array && 'metadata' in value;
}

/** Sums payload sizes anywhere inside an event (data plus metadata). */
function payloadBytesOf(value: unknown): number {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return 0;
  if (isPayload(value)) {
    let bytes = value.data.length;
    for (const [key, meta] of Object.entries(value.metadata ?? {})) bytes += key.length + meta.length;
    return bytes;
  }
  let total = 0;
  for (const child of Array.isArray(value) ? value : Object.values(value)) total += payloadBytesOf(child);
  return total;
}

/** Runs this history points at: children it started and the run it continued as. */
function followOns(workflowId: string, events: HistoryEvent[]): Array<{ workflowId: string; runId: string }> {
  const next: Array<{ workflowId: string; runId: string }> = [];
  for (const event of events) {
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (child?.workflowId && child.runId) next.push({ workflowId: child.workflowId, runId: child.runId });
    const continued = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (continued) next.push({ workflowId, runId: continued });
  }
  return next;
}

/** One run's events, page by page; also returns the encoded size of the pages. */
async function fetchRun(
  client: Client,
  run: { workflowId: string; runId: string },
): Promise<{ events: HistoryEvent[]; bytes: number }> {
  const events: HistoryEvent[] = [];
  let bytes = 0;
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: run,
      maximumPageSize: HISTORY_PAGE_EVENTS,
      nextPageToken,
    });
    const history = page.history ?? { events: [] };
    bytes += temporal.api.history.v1.History.encode(history).finish().length;
    events.push(...(history.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { events, bytes };
}

export async function measureHistories(client: Client, workflowId: string): Promise<HistoryCost> {
  const cost: HistoryCost = {
    workflowRuns: 0,
    events: 0,
    payloadBytes: 0,
    historyBytes: 0,
    maxEventsPerRun: 0,
    maxEventsWorkflowType: '',
  };
  const first = await client.workflow.getHandle(workflowId).describe();
  const queue = [{ workflowId, runId: first.runId }];
  const seen = new Set<string>();
  const visit = async (run: { workflowId: string; runId: string }) => {
    const { events, bytes } = await fetchRun(client, run);
    cost.workflowRuns += 1;
    cost.events += events.length;
    cost.historyBytes += bytes;
    for (const event of events) cost.payloadBytes += payloadBytesOf(event);
    if (events.length > cost.maxEventsPerRun) {
      cost.maxEventsPerRun = events.length;
      cost.maxEventsWorkflowType =
        events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown workflow type';
    }
    for (const next of followOns(run.workflowId, events)) queue.push(next);
  };
  // Breadth-first with a few fetches in flight; the queue grows as histories name their children.
  while (queue.length > 0) {
    const batch = queue.splice(0, HISTORY_FETCH_CONCURRENCY).filter((run) => {
      const key = `${run.workflowId}/${run.runId}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    await Promise.all(batch.map(visit));
  }
  return cost;
}
