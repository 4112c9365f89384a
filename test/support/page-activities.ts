/** In-memory page activities for workflow tests: the one-activity page step composed from a test's two stand-ins. */
import type { SyncActivities } from '../../activities';
import { transformThenWrite } from '../../activities/sync';

export function withTransformAndWrite<T extends Pick<SyncActivities, 'transformPage' | 'writePage'>>(
  activities: T,
): T & Pick<SyncActivities, 'transformAndWritePage'> {
  return { ...activities, transformAndWritePage: transformThenWrite(activities.transformPage, activities.writePage) };
}
