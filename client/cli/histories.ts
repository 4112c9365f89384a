/** Every history of a project run: the run itself, its task children, their continue-as-new runs and sagas. */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

export interface RunHistory {
  workflowId: string;
  runId?: string;
  workflowType: string;
  history: History;
}

/**
 * Walks from the run to its children by the ChildWorkflowExecutionStarted events and along continue-as-new by the
 * new run id, so only this run's executions are collected even when ids repeat across scheduled runs.
 */
export async function* runHistories(client: Client, workflowId: string, runId?: string): AsyncGenerator<RunHistory> {
  const pending: Array<{ workflowId: string; runId?: string }> = [{ workflowId, runId }];
  const seen = new Set<string>();
  while (pending.length) {
    const next = pending.shift()!;
    const key = `${next.workflowId}#${next.runId ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const history = await client.workflow.getHandle(next.workflowId, next.runId).fetchHistory();
    let workflowType = '';
    let firstRunId = next.runId;
    for (const event of history.events ?? []) {
      const started = event.workflowExecutionStartedEventAttributes;
      if (started) {
        workflowType = started.workflowType?.name ?? '';
        firstRunId ??= started.originalExecutionRunId ?? undefined;
      }
      const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId) pending.push({ workflowId: child.workflowId, runId: child.runId ?? undefined });
      const continued = event.workflowExecutionContinuedAsNewEventAttributes;
      if (continued?.newExecutionRunId)
        pending.push({ workflowId: next.workflowId, runId: continued.newExecutionRunId });
    }
    yield { workflowId: next.workflowId, runId: firstRunId, workflowType, history };
  }
}
