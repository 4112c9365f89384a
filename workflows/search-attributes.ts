/** Search attribute names (registered on the dev server by common/dev-server.ts, SEARCH_ATTRIBUTES). */
export const PROJECT_ATTRIBUTE = 'P2CProject';
export const TASK_ATTRIBUTE = 'P2CTask';
export const DIRECTION_ATTRIBUTE = 'P2CDirection';
/** How a run or task ended: Completed, CompletedWithWarnings, Failed, or Canceled for a cancelled task. */
export const OUTCOME_ATTRIBUTE = 'P2COutcome';
