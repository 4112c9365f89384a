/** The per-task table of a project run, shared by `sync --wait`, `watch`, `status` and `retry-failed`. */
import type { Counters, TaskResult } from '../../common/sync-types';
import { duration, table } from './format';

export const TASK_TABLE_HEADER = [
  'task',
  'outcome',
  'read',
  'created',
  'updated',
  'unchanged',
  'filtered',
  'failed',
  'warnings',
  'duration',
  'reason',
];

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
    // Results recorded before warnings were counted have none.
    ...[c.read, c.created, c.updated, c.unchanged, c.filtered, c.failed, c.warnings].map((count) => String(count ?? 0)),
    result.endedAt ? duration(Date.parse(result.endedAt) - Date.parse(result.startedAt)) : '',
    result.reason ?? '',
  ];
}

export function taskTable(results: TaskResult[]): string {
  return table(TASK_TABLE_HEADER, results.map(taskRow));
}
