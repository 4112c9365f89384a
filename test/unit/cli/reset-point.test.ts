import { temporal } from '@temporalio/proto';
import { childrenOpenAt, findResetPoint } from '../../../client/cli/reset';

const T = temporal.api.enums.v1.EventType;

const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;
type Step = temporal.api.enums.v1.EventType | Record<string, unknown>;

/** A history from event types (or partial events); ids count from 1 like the server's. */
function history(...steps: Step[]): temporal.api.history.v1.IHistoryEvent[] {
  return steps.map((step, i) =>
    temporal.api.history.v1.HistoryEvent.fromObject({
      ...(typeof step === 'number' ? { eventType: step } : step),
      eventId: i + 1,
    }),
  );
}

const taskFailed = (cause: temporal.api.enums.v1.WorkflowTaskFailedCause): Step => ({
  eventType: T.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  workflowTaskFailedEventAttributes: { cause },
});

const START = [
  T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
  T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, // 4
];
const CHILD_ROUND = [
  T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
  T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
  T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
];

const ACTIVITY_ROUND = [
  T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
  T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
];

describe('reset point', () => {
  test('last-good is the last completed workflow task before the first failed one', () => {
    const events = history(
      ...START,
      ...ACTIVITY_ROUND, // completed at 9
      T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      taskFailed(Cause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR), // 12
      T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, // 15: after the failure, not trusted
      T.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    );
    expect(findResetPoint(events, 'last-good')).toMatchObject({
      eventId: 9,
      trouble: 'WORKFLOW_TASK_FAILED (NON_DETERMINISTIC_ERROR) at event 12',
    });
  });

  test('routine workflow task failures and sticky timeouts are not trouble', () => {
    const events = history(
      ...START,
      T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      taskFailed(Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND), // 7
      T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      {
        eventType: T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
        workflowTaskTimedOutEventAttributes: {
          timeoutType: temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
        },
      },
      T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, // 12
      {
        eventType: T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
        workflowTaskTimedOutEventAttributes: {
          timeoutType: temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
        },
      },
    );
    expect(findResetPoint(events, 'last-good')).toMatchObject({
      eventId: 12,
      trouble: 'WORKFLOW_TASK_TIMED_OUT at event 13',
    });
    expect(findResetPoint(events.slice(0, 12), 'last-good')).toMatch(/nothing to reset/);
  });

  test('a terminated run resets to its last completed workflow task when no child was open', () => {
    const events = history(
      ...START,
      ...CHILD_ROUND, // child initiated at 5, completed task at 9
      {
        eventType: T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
        childWorkflowExecutionCompletedEventAttributes: { initiatedEventId: 5 },
      },
      T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, // 13
      T.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    );
    expect(findResetPoint(events, 'last-good')).toEqual(
      expect.objectContaining({
        eventId: 13,
        trouble: 'WORKFLOW_EXECUTION_TERMINATED at event 14',
        restartedChildren: 0,
      }),
    );
  });

  test('a cancelled run resets to before the cancel request, so the reset run is not cancelled again', () => {
    const events = history(
      ...START,
      ...ACTIVITY_ROUND, // completed task at 9
      T.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED, // 10
      T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, // 13
      T.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    );
    expect(findResetPoint(events, 'last-good')).toEqual(
      expect.objectContaining({ eventId: 9, trouble: 'WORKFLOW_EXECUTION_CANCEL_REQUESTED at event 10' }),
    );
  });

  test('a child still open at the trouble moves the reset point before its start', () => {
    const events = history(
      ...START,
      ...CHILD_ROUND, // first child initiated at 5, still open
      ...CHILD_ROUND, // second child initiated at 10, closes at 15
      {
        eventType: T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
        childWorkflowExecutionFailedEventAttributes: { initiatedEventId: 10 },
      },
      T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, // 18
      T.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, // 19
    );
    expect(childrenOpenAt(events, 19)).toEqual([5]);
    expect(findResetPoint(events, 'last-good')).toMatchObject({ eventId: 4, restartedChildren: 1 });
  });

  test('first is the first completed workflow task, for any run', () => {
    const events = history(...START, ...CHILD_ROUND, T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    expect(findResetPoint(events, 'first')).toMatchObject({ eventId: 4 });
  });

  test('runs with nothing to reset, or nothing to reset to, say why', () => {
    const healthy = history(...START, T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    expect(findResetPoint(healthy, 'last-good')).toMatch(/nothing to reset/);
    const neverRan = history(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    expect(findResetPoint(neverRan, 'first')).toMatch(/no workflow task of this run ever completed/);
    const failedAtOnce = history(
      T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      taskFailed(Cause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE),
      T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      T.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    );
    expect(findResetPoint(failedAtOnce, 'last-good')).toMatch(/first workflow task already failed/);
  });
});
