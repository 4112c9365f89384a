import { createRunEndActivities, type RunEndActivityDeps } from './alerts';
import { createDocumentActivities } from './documents';
import { createDeleteActivities } from './deletes';
import { createSyncActivities, partitionKey, type SyncActivityDeps } from './sync';

export type ActivityDeps = SyncActivityDeps & Pick<RunEndActivityDeps, 'runEnd'>;

/** All activities of the worker, built once with their dependencies (connectors, checkpoint store). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSyncActivities(deps),
    ...createDocumentActivities(deps),
    ...createRunEndActivities(deps),
    ...createDeleteActivities(deps, partitionKey),
  };
}

export type SyncActivities = ReturnType<typeof createActivities>;
