/** The per-task table of a project run, shared by `sync --wait`, `watch`, `status` and `retry-failed`. */
import { COUNTER_NAMES, type Counters, type TaskResult } from '../../common/sync-types';
import { duration, table } from './format';

/** The counters a task's row shows, in their order: all but deletedSeen (deletions read from a change feed). */
const SHOWN_COUNTERS = COUNTER_NAMES.filter((name) => name !== 'deletedSeen');

export const TASK_TABLE_HEADER = ['task', 'outcome', ...SHOWN_COUNTERS, 'duration', 'reason'];

export function taskLabel(task: string, dataAreaId: string): string {
  return `${task}@${dataAreaId}`;
}

/** What a row shows: a task's result, or the record of its run in the checkpoint store. */
export interface TaskRowSource {
  task: string;
  partition: { dataAreaId: string };
  outcome: string;
  counters: Partial<Counters>;
  startedAt: string;
  endedAt?: string;
  reason?: string;
}

export function taskRow(result: TaskRowSource): string[] {
  const c = result.counters;
  return [
    taskLabel(result.task, result.partition.dataAreaId),
    result.outcome,
    // Results recorded before a counter existed (warnings) lack it.
    ...SHOWN_COUNTERS.map((name) => String(c[name] ?? 0)),
    result.endedAt ? duration(Date.parse(result.endedAt) - Date.parse(result.startedAt)) : '',
    result.reason ?? '',
  ];
}

export function taskTable(results: TaskResult[]): string {
  return table(TASK_TABLE_HEADER, results.map(taskRow));
}
