/**
 * `p2c reset <run>`: resets a run to its last good workflow task (the last one completed before the first failed or
 * timed-out workflow task, or before the run failed, timed out, was cancelled or terminated) with Temporal's reset
 * API; `--to first` re-runs it from the start with the same input. The reset run keeps the workflow id.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { temporal } from '@temporalio/proto';
import type { CliContext, CommandRunner } from './context';
import { EXIT, UsageError } from './errors';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

export const RESET_TARGETS = ['last-good', 'first'] as const;
export type ResetTarget = (typeof RESET_TARGETS)[number];

const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;

/** Ends of a run after which nothing it did is to be trusted. */
const RUN_ENDS = new Set<temporal.api.enums.v1.EventType>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
]);

/**
 * Workflow task failures the server causes in normal operation (a new event arrived meanwhile, the sticky queue was
 * reset, an earlier reset marked its point); they say nothing about the workflow code.
 */
const ROUTINE_TASK_FAILURES = new Set<temporal.api.enums.v1.WorkflowTaskFailedCause>([
  Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
  Cause.WORKFLOW_TASK_FAILED_CAUSE_RESET_STICKY_TASK_QUEUE,
  Cause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
  Cause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
  Cause.WORKFLOW_TASK_FAILED_CAUSE_FAILOVER_CLOSE_COMMAND,
  Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_UPDATE,
]);

/** What went wrong at this event, or undefined when it is a normal part of a run's life. */
function troubleOf(event: HistoryEvent): string | undefined {
  if (event.eventType && RUN_ENDS.has(event.eventType)) return eventName(event.eventType);
  // A reset run keeps the events before its reset point: one after the cancel request would be cancelled again.
  if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED) return eventName(event.eventType);
  const failed = event.workflowTaskFailedEventAttributes;
  if (failed && !(failed.cause && ROUTINE_TASK_FAILURES.has(failed.cause)))
    return `${eventName(event.eventType)} (${(Cause[failed.cause ?? 0] ?? 'unknown').replace(/^WORKFLOW_TASK_FAILED_CAUSE_/, '')})`;
  const timedOut = event.workflowTaskTimedOutEventAttributes;
  // A sticky task that waited too long for its worker is simply handed to another worker; a task that ran too long is not.
  if (timedOut && timedOut.timeoutType !== temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START)
    return eventName(event.eventType);
  return undefined;
}

export interface ResetPoint {
  eventId: number;
  /** The history's own id value (a protobuf Long), passed back to the reset API as it came. */
  rawEventId: HistoryEvent['eventId'];
  /** The event that made the run need a reset (absent for --to first). */
  trouble?: string;
  /** Children open at the trouble, which the reset run starts again. */
  restartedChildren?: number;
}

function eventName(type: temporal.api.enums.v1.EventType | null | undefined): string {
  return (EventType[type ?? 0] ?? 'unknown').replace(/^EVENT_TYPE_/, '');
}

/** The WorkflowTaskCompleted event to reset to, or a one-line reason why there is none. */
export function findResetPoint(events: HistoryEvent[], to: ResetTarget): ResetPoint | string {
  const completed = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  if (completed.length === 0)
    return 'no workflow task of this run ever completed (is a worker polling its task queue?)';
  if (to === 'first') return { eventId: Number(completed[0].eventId), rawEventId: completed[0].eventId };
  const trouble = events.find((e) => troubleOf(e) !== undefined);
  if (!trouble) return 'the run has no failed workflow task and did not fail; nothing to reset (--to first re-runs it)';
  const what = `${troubleOf(trouble)} at event ${Number(trouble.eventId)}`;
  // A child still open at the trouble is ended with the old run (parent close policy) and would never report to the
  // reset run; going back to before its start makes the reset run start it again.
  const openChildren = childrenOpenAt(events, Number(trouble.eventId));
  const limit = Math.min(Number(trouble.eventId), ...openChildren);
  const good = completed.filter((e) => Number(e.eventId) < limit).pop();
  if (!good) return `the first workflow task already failed (${what}); use --to first`;
  return {
    eventId: Number(good.eventId),
    rawEventId: good.eventId,
    trouble: what,
    restartedChildren: openChildren.length,
  };
}

/** Initiated-event ids of the children started before `eventId` that had not closed by then. */
export function childrenOpenAt(events: HistoryEvent[], eventId: number): number[] {
  const before = events.filter((e) => Number(e.eventId) < eventId);
  const closed = new Set(
    before.flatMap((e) => {
      const ended =
        e.childWorkflowExecutionCompletedEventAttributes ??
        e.childWorkflowExecutionFailedEventAttributes ??
        e.childWorkflowExecutionCanceledEventAttributes ??
        e.childWorkflowExecutionTimedOutEventAttributes ??
        e.childWorkflowExecutionTerminatedEventAttributes ??
        e.startChildWorkflowExecutionFailedEventAttributes;
      return ended ? [Number(ended.initiatedEventId)] : [];
    }),
  );
  return before
    .filter(
      (e) =>
        e.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED && !closed.has(Number(e.eventId)),
    )
    .map((e) => Number(e.eventId));
}

export interface ResetOptions {
  to?: string;
  reason?: string;
  json?: boolean;
}

export async function reset(ctx: CliContext, run: string, options: ResetOptions): Promise<number> {
  const to = (options.to ?? 'last-good') as ResetTarget;
  if (!RESET_TARGETS.includes(to)) throw new UsageError(`--to ${options.to}: give ${RESET_TARGETS.join(' or ')}`);
  const client = await ctx.client();
  const handle = client.workflow.getHandle(run);
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError')
      throw new UsageError(`no run ${run}; list runs with p2c status`);
    throw error;
  }
  const history = await client.workflow.getHandle(run, description.runId).fetchHistory();
  const point = findResetPoint(history.events ?? [], to);
  if (typeof point === 'string') throw new UsageError(`cannot reset ${run}: ${point}`);
  const response: temporal.api.workflowservice.v1.IResetWorkflowExecutionResponse =
    await client.workflowService.resetWorkflowExecution({
      namespace: ctx.config.namespace,
      workflowExecution: { workflowId: run, runId: description.runId },
      workflowTaskFinishEventId: point.rawEventId,
      reason: options.reason ?? `p2c reset --to ${to}${point.trouble ? ` (${point.trouble})` : ''}`,
      requestId: randomUUID(),
    });
  const result = {
    workflowId: run,
    previousRunId: description.runId,
    runId: response.runId,
    resetToEvent: point.eventId,
    trouble: point.trouble,
    restartedChildren: point.restartedChildren ?? 0,
    url: ctx.workflowUrl(run, response.runId ?? undefined),
  };
  if (options.json) ctx.printJson(result);
  else {
    ctx.print(
      `reset ${run} to event ${point.eventId}${point.trouble ? ` (last good workflow task before ${point.trouble})` : ''}`,
    );
    if (point.restartedChildren)
      ctx.print(`${point.restartedChildren} task workflow(s) open at that point start again in the new run`);
    ctx.print(`new run: ${response.runId}`);
    ctx.print(`Web UI: ${result.url}`);
  }
  return EXIT.completed;
}

export function registerReset(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('reset')
    .description('reset a failed run to its last good workflow task (or --to first)')
    .argument('<run>', 'workflow id (a project run or one of its task workflows)')
    .option('--to <point>', `where to reset to: ${RESET_TARGETS.join(' | ')}`, 'last-good')
    .option('--reason <text>', 'reason recorded in the history')
    .option('--json', 'print JSON')
    .action((runId: string, options: ResetOptions) => run(() => reset(ctx, runId, options)));
}
