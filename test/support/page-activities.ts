/** In-memory page activities for workflow tests: the one-activity page step composed from a test's two stand-ins. */
import type { SyncActivities } from '../../activities';
import type { TargetRow } from '../../common/types';
import { transformThenWrite } from '../../activities/sync';
import type { EntitySyncInput } from '../../workflows/entitySync';

export function withTransformAndWrite<T extends Pick<SyncActivities, 'transformPage' | 'writePage'>>(
  activities: T,
): T & Pick<SyncActivities, 'transformAndWritePage'> {
  return { ...activities, transformAndWritePage: transformThenWrite(activities.transformPage, activities.writePage) };
}

/** The transform of the tests' id-only rows: each `{ id }` becomes one `Targets` row keyed by it. */
export async function transformIdRows(input: { rows: unknown[] }): Promise<{
  rows: TargetRow[];
  failures: [];
  filtered: number;
}> {
  const rows = (input.rows as Array<{ id: string }>).map((row): TargetRow => ({
    sourceKey: row.id,
    entitySet: 'Targets',
    key: { id: row.id },
    fields: {},
  }));
  return { rows, failures: [], filtered: 0 };
}

/** A task of the tests' id-only rows (Sales `accounts` to an F&O `Targets` set, keyed by `id`), with no field map. */
export function idTask(name: string, dependsOn: string[] = []): EntitySyncInput['task'] {
  return {
    name,
    title: name,
    direction: 'sales-to-fno',
    source: { system: 'sales', entitySet: 'accounts', keyFields: ['id'] },
    target: { system: 'fno', entitySet: 'Targets', keyFields: ['id'] },
    fieldMap: [],
    dependsOn,
  } as unknown as EntitySyncInput['task'];
}
