/** Business workflow ids, readable in the Web UI: `p2c/<project>/<time>` and `p2c/<project>/<task>/<time>`. */
export function projectWorkflowId(project: string, runTime: string): string {
  return `p2c/${project}/${runTime}`;
}

export function taskWorkflowId(project: string, task: string, runTime: string, dataAreaId?: string): string {
  return dataAreaId ? `p2c/${project}/${task}@${dataAreaId}/${runTime}` : `p2c/${project}/${task}/${runTime}`;
}

/** Compact UTC time stamp for ids, e.g. 20261125T224100Z. */
export function runTimeStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '');
}

/** Run time a schedule's fixed action carries; the run then names itself after its own start time. */
export const SCHEDULED_RUN_TIME = 'scheduled';
