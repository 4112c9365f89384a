/** The per-task table of a project run, shared by `sync --wait`, `watch`, `status` and `retry-failed`. */
import type { TaskResult } from '../../common/sync-types';
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
  'duration',
  'reason',
];

export function taskLabel(task: string, dataAreaId: string): string {
  return `${task}@${dataAreaId}`;
}

export function taskRow(result: TaskResult): string[] {
  const c = result.counters;
  return [
    taskLabel(result.task, result.partition.dataAreaId),
    result.outcome,
    ...[c.read, c.created, c.updated, c.unchanged, c.filtered, c.failed].map(String),
    duration(Date.parse(result.endedAt) - Date.parse(result.startedAt)),
    result.reason ?? '',
  ];
}

export function taskTable(results: TaskResult[]): string {
  return table(TASK_TABLE_HEADER, results.map(taskRow));
}
