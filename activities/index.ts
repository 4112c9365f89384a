import { createDocumentActivities } from './documents';
import { createSyncActivities, type SyncActivityDeps } from './sync';

export type ActivityDeps = SyncActivityDeps;

/** All activities of the worker, built once with their dependencies (connectors, checkpoint store). */
export function createActivities(deps: ActivityDeps) {
  return { ...createSyncActivities(deps), ...createDocumentActivities(deps) };
}

export type SyncActivities = ReturnType<typeof createActivities>;
