/** Finding project runs in Temporal visibility and reading their summary or progress. */
import {
  CancelledFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import type { ProjectRunSummary, RecordedStatus, TaskOutcome } from '../../common/sync-types';
import { PROJECT_ATTRIBUTE } from '../../workflows/search-attributes';
import { projectProgressQuery, prospectToCash } from '../../workflows';
import type { ProjectProgress } from '../../workflows/prospectToCash';
import { UsageError } from './errors';
import { withArticle } from './format';

const PROJECT_WORKFLOW_TYPE = prospectToCash.name;
/** Visibility pages are newest first only roughly (running runs lead); scan this many executions at most. */
const MAX_SCANNED_RUNS = 1000;

/**
 * How a project run ended: its summary's outcome, or Canceled — the name the checkpoint store and the task
 * workflows' P2COutcome give a cancelled task — when it was cancelled before it made one.
 */
export type RunOutcome = TaskOutcome | Extract<RecordedStatus, 'Canceled'>;

/** Visibility query for the project runs of one project. */
export function projectRunsQuery(project: string, status?: 'Running'): string {
  const clauses = [
    `WorkflowType = '${PROJECT_WORKFLOW_TYPE}'`,
    `${PROJECT_ATTRIBUTE} = '${project.replace(/'/g, "\\'")}'`,
  ];
  if (status) clauses.push(`ExecutionStatus = '${status}'`);
  return clauses.join(' AND ');
}

/** Newest first; a workflow id reset or continued shows once, with its newest execution. */
export async function listProjectRuns(
  client: Client,
  project: string,
  limit: number,
  status?: 'Running',
): Promise<WorkflowExecutionInfo[]> {
  const byId = new Map<string, WorkflowExecutionInfo>();
  let scanned = 0;
  for await (const info of client.workflow.list({ query: projectRunsQuery(project, status), pageSize: 100 })) {
    if (++scanned > MAX_SCANNED_RUNS) break;
    const seen = byId.get(info.workflowId);
    if (!seen || seen.startTime < info.startTime) byId.set(info.workflowId, info);
  }
  return [...byId.values()].sort((a, b) => b.startTime.getTime() - a.startTime.getTime()).slice(0, limit);
}

export interface RunState {
  workflowId: string;
  runId: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
  memo: Record<string, unknown>;
  /** Present once the run completed. */
  summary?: ProjectRunSummary;
  /** Present while the run is going and a worker answers queries. */
  progress?: ProjectProgress;
  /** Why a running run's progress could not be read (no worker polling its task queue, for instance). */
  progressError?: string;
  /** Outcome of a finished run: the summary's, Canceled when it was cancelled, else Failed (terminated, timed out). */
  outcome?: RunOutcome;
}

/**
 * The run's description, once it is known to exist and to be a project run; a task or saga workflow given instead is
 * named with the run that started it.
 */
export async function describeProjectRun(client: Client, workflowId: string): Promise<WorkflowExecutionDescription> {
  let description: WorkflowExecutionDescription;
  try {
    description = await client.workflow.getHandle(workflowId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new UsageError(`no run ${workflowId}; list runs with p2c status`);
    throw error;
  }
  if (description.type !== PROJECT_WORKFLOW_TYPE) {
    const parent = description.parentExecution?.workflowId;
    throw new UsageError(
      `${workflowId} is ${withArticle(description.type)} workflow${parent ? ` started by ${parent}` : ''}, ` +
        `not a project run (${PROJECT_WORKFLOW_TYPE})`,
    );
  }
  return description;
}

export async function describeRun(client: Client, workflowId: string): Promise<RunState> {
  const handle = client.workflow.getHandle<typeof prospectToCash>(workflowId);
  const description = await describeProjectRun(client, workflowId);
  const state: RunState = {
    workflowId,
    runId: description.runId,
    status: description.status.name,
    startTime: description.startTime,
    closeTime: description.closeTime,
    memo: description.memo ?? {},
  };
  if (state.status === 'COMPLETED') {
    state.summary = await handle.result();
    state.outcome = state.summary.outcome;
  } else if (state.status === 'RUNNING') {
    try {
      state.progress = await handle.query(projectProgressQuery);
    } catch (error) {
      state.progressError = (error as Error).message;
    }
  } else {
    state.outcome = state.status === 'CANCELLED' ? 'Canceled' : 'Failed';
  }
  return state;
}

/** The run to follow when none is named: the newest running one, else the newest of all. */
export async function defaultRun(client: Client, project: string): Promise<{ workflowId: string; running: boolean }> {
  const [running] = await listProjectRuns(client, project, 1, 'Running');
  if (running) return { workflowId: running.workflowId, running: true };
  const [latest] = await listProjectRuns(client, project, 1);
  if (latest) return { workflowId: latest.workflowId, running: false };
  throw new UsageError(`project ${project} has no runs yet; start one with p2c sync`);
}

export interface FinishedRun {
  workflowId: string;
  outcome: RunOutcome;
  summary?: ProjectRunSummary;
  /** Why the workflow itself ended without a summary (terminated, timed out, failed); a cancelled run has none. */
  reason?: string;
}

/**
 * Waits for the run (following resets and continue-as-new): a cancelled run ends Canceled, any other abnormal end
 * Failed.
 */
export async function waitForRun(client: Client, workflowId: string): Promise<FinishedRun> {
  try {
    const summary = await client.workflow.getHandle<typeof prospectToCash>(workflowId).result();
    return { workflowId, outcome: summary.outcome, summary };
  } catch (error) {
    if (error instanceof WorkflowFailedError) {
      // The client raises a cancelled execution as this error with a CancelledFailure cause.
      if (error.cause instanceof CancelledFailure) return { workflowId, outcome: 'Canceled' };
      const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return { workflowId, outcome: 'Failed', reason: `${error.message}${cause}` };
    }
    throw error;
  }
}
