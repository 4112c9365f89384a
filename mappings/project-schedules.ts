/**
 * The `schedules:` of a project file: its Temporal Schedules kept with the project, as Data Integrator kept a
 * project's recurrence. `p2c schedule apply` makes the server's schedules match them; `p2c schedule set` makes one
 * from options. Both read the names, intervals and defaults from here.
 */
import { z } from 'zod';
import type { SyncMode } from '../common/sync-types';

/** The name in `schedules:` of the project's own schedule, `p2c/<project>`; other names are `p2c/<project>/<name>`. */
export const DEFAULT_SCHEDULE_NAME = 'default';

/** A run missed while the server was down still starts if the server is back within this window. */
export const DEFAULT_CATCHUP_WINDOW = '10m';

/**
 * A schedule's name is one segment of the schedule id and of its runs' ids (`p2c/<project>/scheduled-<name>-<tick>`):
 * a slash would make those read as a task workflow's id, and an empty name would silently mean the project's own
 * schedule.
 */
export const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
export const SCHEDULE_NAME_HINT = 'Give a name of letters, digits, dashes and underscores, e.g. master-data';

export const SYNC_MODES = ['incremental', 'full'] as const satisfies readonly SyncMode[];

/** `15m`, `1h`, `30s`, `1h30m` → milliseconds; undefined when the text is not such a duration. */
export function parseInterval(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!match || !text.trim() || match.slice(1).every((part) => part === undefined)) return undefined;
  const [hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  const ms = ((hours * 60 + minutes) * 60 + seconds) * 1000;
  return ms > 0 ? ms : undefined;
}

const interval = (example: string) =>
  z.string({ error: `expected a duration such as ${example}` }).refine((text) => parseInterval(text) !== undefined, {
    error: (issue) => `"${String(issue.input)}" is not a duration; give one such as ${example}`,
  });

export const projectScheduleSchema = z
  .object({
    /** Interval between runs, e.g. 15m, 1h, 1h30m. */
    every: interval('15m, 1h or 30s'),
    /** Only these tasks (default: every task the project runs). */
    tasks: z.array(z.string()).min(1, 'list at least one task, or leave out tasks to run every task').optional(),
    /** incremental (default) or full runs. */
    mode: z.enum(SYNC_MODES, { error: `expected ${SYNC_MODES.join(' or ')}` }).optional(),
    /** How late a missed run may still start (default 10m). */
    catchup: interval('10m').optional(),
    /** true pauses the schedule, false resumes it; left out, apply leaves its state as it is. */
    paused: z.boolean().optional(),
    /** Shown with the schedule in `p2c schedule list`; left out, apply leaves the schedule's note as it is. */
    note: z.string().min(1).optional(),
  })
  .strict();
export type ProjectSchedule = z.infer<typeof projectScheduleSchema>;

/** Why a key of `schedules:` cannot name a schedule. */
function scheduleNameProblem(name: string): string {
  if (name === '') return `name the schedule; "${DEFAULT_SCHEDULE_NAME}" is the project's own schedule p2c/<project>`;
  return `"${name}" cannot name a schedule. ${SCHEDULE_NAME_HINT}`;
}

export const projectSchedulesSchema = z.record(
  z.string().regex(SCHEDULE_NAME, { error: (issue) => scheduleNameProblem(String(issue.input)) }),
  projectScheduleSchema,
  // A bad key is reported with its own reason rather than zod's "Invalid key in record".
  { error: (issue) => (issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined) },
);
