/** Reading what a workflow history did: the activities it ran (local ones included), their attempts, its patches. */
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The first payload of a list, parsed as JSON (how core and the default converter write plain values). */
function firstJson<T>(payloads: temporal.api.common.v1.IPayloads | null | undefined): T | undefined {
  const data = payloads?.payloads?.[0]?.data;
  return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as T) : undefined;
}

/** A marker's first payload under `detail`, parsed as the JSON core writes there. */
function markerData<T>(event: HistoryEvent, markerName: string, detail: string): T | undefined {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== markerName) return undefined;
  return firstJson<T>(marker.details?.[detail]);
}

/** Activity type by the id of the event that scheduled it (remote activities). */
function scheduledTypes(events: HistoryEvent[]): Map<number, string> {
  return new Map(
    events.flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [[Number(e.eventId), name] as const] : [];
    }),
  );
}

/** What a local activity's marker records about it: its type and the attempt that completed it. */
function localActivityOf(event: HistoryEvent): { name: string; attempt: number } | undefined {
  const data = markerData<{ activity_type: string; attempt: number }>(event, 'core_local_activity', 'data');
  return data ? { name: data.activity_type, attempt: data.attempt } : undefined;
}

/** The activities a history ran, local ones included, in order. */
export function activitiesOf(history: History): string[] {
  return (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? localActivityOf(e)?.name;
    return name ? [name] : [];
  });
}

/** Only the activities that went through the server as activity tasks (not local ones), in order. */
export function remoteActivitiesOf(history: History): string[] {
  return (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

/** For each activity of a history (local ones included), the attempt that completed or last ran it. */
export function activityAttempts(history: History): Record<string, number> {
  const events = history.events ?? [];
  const names = scheduledTypes(events);
  return Object.fromEntries(
    events.flatMap((e) => {
      const started = e.activityTaskStartedEventAttributes;
      if (started) return [[names.get(Number(started.scheduledEventId)), started.attempt ?? 0]];
      const local = localActivityOf(e);
      return local ? [[local.name, local.attempt]] : [];
    }),
  );
}

/** The patch ids a history's workflow code marked, in order. */
export function patchesOf(history: History): string[] {
  return (history.events ?? []).flatMap((e) => {
    const data = markerData<{ id: string }>(e, 'core_patch', 'patch-data');
    return data ? [data.id] : [];
  });
}

/** The results of the remote activities of one type, in order, parsed from their JSON payloads. */
export function activityResults(history: History, activityType: string): unknown[] {
  const events = history.events ?? [];
  const names = scheduledTypes(events);
  return events.flatMap((e) => {
    const completed = e.activityTaskCompletedEventAttributes;
    if (!completed || names.get(Number(completed.scheduledEventId)) !== activityType) return [];
    const result = firstJson<unknown>(completed.result);
    return result === undefined ? [] : [result];
  });
}

/** Workflow types of the children a history started, in order. */
export function childTypesOf(history: History): string[] {
  return (history.events ?? []).flatMap((e) => {
    const name = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name;
    return name ? [name] : [];
  });
}

/** Search-attribute upserts in a history (the SDK adds one with every patch marker). */
export function searchAttributeUpserts(history: History): number {
  return (history.events ?? []).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length;
}

/** A history as `historyToJSON` writes it: events with string ids and `…EventId` references. */
export interface HistoryJson {
  events: Array<Record<string, unknown> & { eventId: string; eventType: string }>;
}

/**
 * The same history, except that the commands which followed the first local activity's result in its workflow
 * task are recorded in a workflow task of their own, as the SDK sometimes records them live (seen after a worker
 * restart: the result marker closes one workflow task, the code after it fills the next). Events after the cut
 * are renumbered, and so is every `…EventId` reference to them.
 */
export function splitAfterFirstLocalActivity(history: HistoryJson): HistoryJson {
  const events = history.events;
  const at = events.findIndex(
    (e) =>
      (e.markerRecordedEventAttributes as { markerName?: string } | undefined)?.markerName === 'core_local_activity',
  );
  if (at < 0) throw new Error('the history has no local activity marker');
  const next = events[at + 1];
  if (!next || next.eventType.startsWith('EVENT_TYPE_WORKFLOW_TASK_')) {
    throw new Error('no command follows the first local activity marker in its workflow task');
  }
  const template = (type: string) => {
    const found = events.find((e) => e.eventType === `EVENT_TYPE_WORKFLOW_TASK_${type}`);
    if (!found) throw new Error(`the history has no workflow task ${type.toLowerCase()} event`);
    return structuredClone(found);
  };
  const first = Number(events[at].eventId) + 1;
  const shift = (id: number) => (id >= first ? id + 3 : id);
  const renumber = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(renumber);
    if (!value || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) =>
        key.endsWith('EventId') && typeof inner === 'string'
          ? [key, String(shift(Number(inner)))]
          : [key, renumber(inner)],
      ),
    );
  };
  const [scheduled, started, completed] = [template('SCHEDULED'), template('STARTED'), template('COMPLETED')];
  scheduled.eventId = String(first);
  started.eventId = String(first + 1);
  started.workflowTaskStartedEventAttributes = {
    ...(started.workflowTaskStartedEventAttributes as object),
    scheduledEventId: String(first),
  };
  completed.eventId = String(first + 2);
  completed.workflowTaskCompletedEventAttributes = {
    ...(completed.workflowTaskCompletedEventAttributes as object),
    scheduledEventId: String(first),
    startedEventId: String(first + 1),
  };
  const rest = events.slice(at + 1).map((e) => {
    const moved = renumber(e) as HistoryJson['events'][number];
    moved.eventId = String(shift(Number(e.eventId)));
    return moved;
  });
  // The commands that follow now belong to the new workflow task.
  for (const event of rest.slice(0, commandsUntilNextTask(rest))) {
    for (const attributes of Object.values(event)) {
      if (attributes && typeof attributes === 'object' && 'workflowTaskCompletedEventId' in attributes) {
        (attributes as Record<string, unknown>).workflowTaskCompletedEventId = String(first + 2);
      }
    }
  }
  return { ...history, events: [...events.slice(0, at + 1), scheduled, started, completed, ...rest] };
}

/** How many of `events` come before the next workflow task event: the commands of the task they follow, and more. */
function commandsUntilNextTask(events: HistoryJson['events']): number {
  const index = events.findIndex((e) => e.eventType.startsWith('EVENT_TYPE_WORKFLOW_TASK_'));
  return index < 0 ? events.length : index;
}
