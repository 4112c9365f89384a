/**
 * The dry run behind `p2c check`: every source row of the chosen tasks is read and mapped, and every document
 * goes through the same pre-flight as the saga, but nothing is written. Rows and documents that a run would refuse
 * are reported with the reason and what to fix.
 */
import { readAndMapDocument } from '../activities/documents';
import { PreflightReader, type PreflightClients } from '../activities/preflight';
import { fetchLookups, readSourcePage } from '../activities/source';
import {
  createLookupIndex,
  resolveTasks,
  sourceKeyOf,
  transform,
  type Project,
  type TaskDefinition,
} from '../mappings';
import type { Partition } from '../common/sync-types';
import type { RowFailure } from '../common/types';

/** Short names accepted by `--task` besides the task names themselves. */
export const TASK_ALIASES: Record<string, string> = {
  quotes: 'quoteHeaders',
  orders: 'salesOrdersToFno',
  products: 'products',
  customers: 'accounts',
};

const CHECK_PAGE_SIZE = 500;

export interface CheckedRecord {
  task: string;
  dataAreaId: string;
  /** Business key of the row or document. */
  key: string;
  problems: RowFailure[];
}

export interface CheckTaskReport {
  task: string;
  dataAreaId: string;
  /** Rows (or documents) read and checked. */
  checked: number;
  withProblems: CheckedRecord[];
}

export interface CheckReport {
  project: string;
  tasks: CheckTaskReport[];
  problemCount: number;
}

export interface CheckOptions {
  /** Task names or aliases; default: every enabled task. A line task stands for its header task. */
  tasks?: string[];
  projectFile?: string;
}

/** The tasks to check, each document task once (its lines are checked inside each document). */
export function tasksToCheck(project: Project, wanted?: string[]): TaskDefinition[] {
  const all = resolveTasks(project);
  const byName = new Map(all.map((t) => [t.name, t]));
  const standalone = all.filter((t) => !(t.parent && byName.has(t.parent)));
  if (!wanted?.length) return standalone;
  const names = new Set<string>();
  for (const raw of wanted) {
    const name = TASK_ALIASES[raw] ?? raw;
    const task = byName.get(name);
    if (!task) {
      const known = [...all.map((t) => t.name), ...Object.keys(TASK_ALIASES)].join(', ');
      throw new Error(`unknown task "${raw}" in project ${project.name}; choose from ${known}`);
    }
    names.add(task.parent && byName.has(task.parent) ? task.parent : task.name);
  }
  return standalone.filter((t) => names.has(t.name));
}

async function checkTask(
  clients: PreflightClients,
  reader: PreflightReader,
  task: TaskDefinition,
  lineTask: TaskDefinition | undefined,
  partition: Partition,
  project: string,
  runId: string,
): Promise<CheckTaskReport> {
  const report: CheckTaskReport = { task: task.name, dataAreaId: partition.dataAreaId, checked: 0, withProblems: [] };
  const add = (key: string, problems: RowFailure[]) => {
    if (problems.length) report.withProblems.push({ task: task.name, dataAreaId: partition.dataAreaId, key, problems });
  };
  let cursor: string | undefined;
  do {
    const page = await readSourcePage(clients, task, partition, { pageSize: CHECK_PAGE_SIZE, cursor });
    cursor = page.nextCursor;
    if (lineTask) {
      for (const header of page.rows) {
        const ref = { project, task: task.name, partition, runId };
        const prepared = await readAndMapDocument(clients, { ref, headerTask: task, lineTask, header }, reader);
        if (prepared.filtered) continue;
        report.checked += 1;
        add(prepared.documentKey, prepared.failures);
      }
      continue;
    }
    const lookups = await fetchLookups(clients, task, page.rows, partition);
    const result = transform(task, page.rows, { partition, lookups: createLookupIndex(lookups) });
    report.checked += page.rows.length - result.filtered;
    const byKey = new Map<string, RowFailure[]>();
    for (const failure of result.errors)
      byKey.set(failure.sourceKey, [...(byKey.get(failure.sourceKey) ?? []), failure]);
    for (const row of page.rows) {
      const key = sourceKeyOf(task, row);
      add(key, byKey.get(key) ?? []);
      byKey.delete(key);
    }
    for (const [key, problems] of byKey) add(key, problems);
  } while (cursor);
  return report;
}

/** Reads and checks without writing; the report lists only rows and documents with problems. */
export async function checkProject(
  clients: PreflightClients,
  project: Project,
  options: CheckOptions = {},
): Promise<CheckReport> {
  const all = resolveTasks(project);
  const reader = new PreflightReader(clients, options.projectFile);
  const tasks: CheckTaskReport[] = [];
  const runId = `p2c-check/${project.name}`;
  for (const task of tasksToCheck(project, options.tasks)) {
    const lineTask = task.children ? all.find((t) => t.name === task.children) : undefined;
    for (const partition of project.partitions) {
      tasks.push(await checkTask(clients, reader, task, lineTask, partition, project.name, runId));
    }
  }
  const problemCount = tasks.reduce((sum, t) => sum + t.withProblems.reduce((n, r) => n + r.problems.length, 0), 0);
  return { project: project.name, tasks, problemCount };
}
