/** What the target must hold after a sync, computed with the pure engine from the source as it is now. */
import { fetchLookups, readSourcePage, type SourceClients } from '../../activities/source';
import { RelatedKeyResolver, hasRelatedKey } from '../../activities/related-keys';
import { createLookupIndex, transform, type TaskDefinition } from '../../mappings';
import type { Partition } from '../../common/sync-types';
import type { SourceRow, TargetRow } from '../../common/types';

export async function readAllSource(
  clients: SourceClients,
  task: TaskDefinition,
  partition: Partition,
): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await readSourcePage(clients, task, partition, { pageSize: 500, cursor });
    rows.push(...page.rows);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

export async function expectedRows(
  clients: SourceClients,
  task: TaskDefinition,
  partition: Partition,
): Promise<TargetRow[]> {
  const source = await readAllSource(clients, task, partition);
  const lookups = await fetchLookups(clients, task, source, partition);
  return transform(task, source, { partition, lookups: createLookupIndex(lookups) }).rows;
}

export async function targetRow(clients: SourceClients, row: TargetRow): Promise<SourceRow | null> {
  if (/^[A-Z]/.test(row.entitySet)) return clients.fno.getByKey(row.entitySet, row.key);
  if (!hasRelatedKey(row)) return clients.dataverse.getByKey(row.entitySet, row.key);
  const resolved = await new RelatedKeyResolver(clients.dataverse).resolve(row);
  return 'row' in resolved ? clients.dataverse.getByKey(row.entitySet, resolved.row.key) : null;
}

/** Dates are compared by day: F&O stores dates, Dataverse date-times. */
function comparable(value: unknown): unknown {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return value.slice(0, 10);
  return value ?? null;
}

/** Field-by-field differences between what the template expects and what the target holds (empty = equal). */
export async function differences(clients: SourceClients, rows: TargetRow[]): Promise<string[]> {
  const problems: string[] = [];
  for (const row of rows) {
    const actual = await targetRow(clients, row);
    if (!actual) {
      problems.push(`${row.entitySet} ${row.sourceKey}: missing`);
      continue;
    }
    for (const [field, value] of Object.entries(row.fields)) {
      if (JSON.stringify(comparable(actual[field])) !== JSON.stringify(comparable(value))) {
        problems.push(
          `${row.entitySet} ${row.sourceKey}.${field}: expected ${JSON.stringify(value)}, found ${JSON.stringify(actual[field])}`,
        );
      }
    }
  }
  return problems;
}
