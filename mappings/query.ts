/**
 * Derives a Dataverse task's `$select` and `$expand` from what it reads, so the field map stays the single
 * source of truth: adding a field (in a template or a project file) selects its column automatically.
 */
import { filterPaths, parseFilter } from './odata-filter';
import { sourcePathsOf, type TaskDefinitionInput } from './schema';

type SourceShape = Pick<TaskDefinitionInput, 'fieldMap' | 'source' | 'checks' | 'priceListEntry'>;

function pathsRead(task: SourceShape): string[] {
  const normalized = {
    source: task.source,
    checks: task.checks ?? [],
    priceListEntry: task.priceListEntry,
    fieldMap: task.fieldMap.map((entry) => ({ ...entry, steps: entry.steps ?? [] })),
  } as Parameters<typeof sourcePathsOf>[0];
  const paths = sourcePathsOf(normalized);
  for (const filter of [task.source.filter, task.source.partitionFilter]) {
    if (!filter) continue;
    const probe = filter.replace(/\{dataAreaId\}|\{businessUnit\}/g, 'x');
    paths.push(...filterPaths(parseFilter(probe)).map((p) => p.replace(/\//g, '.')));
  }
  if (task.source.modifiedField) paths.push(task.source.modifiedField);
  return paths;
}

/** `select` and `expand` covering every column the task reads; sorted for stable output. */
export function deriveSalesQuery(task: SourceShape): {
  select: string[];
  expand?: Array<{ navigation: string; select: string[] }>;
} {
  const select = new Set<string>();
  const expand = new Map<string, Set<string>>();
  for (const path of pathsRead(task)) {
    const [head, tail] = path.split('.', 2);
    if (tail === undefined) {
      select.add(head);
      continue;
    }
    const columns = expand.get(head) ?? new Set<string>();
    columns.add(tail);
    expand.set(head, columns);
  }
  const expandList = [...expand.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([navigation, columns]) => ({ navigation, select: [...columns].sort() }));
  return { select: [...select].sort(), ...(expandList.length ? { expand: expandList } : {}) };
}

/** Applies deriveSalesQuery to a Sales-source task (other tasks are returned unchanged). */
export function withDerivedQuery<T extends SourceShape>(task: T): T {
  if (task.source.system !== 'sales') return task;
  return { ...task, source: { ...task.source, ...deriveSalesQuery(task) } };
}
