/**
 * The `schedules:` of a project file: its Temporal Schedules kept with the project, as Data Integrator kept a
 * project's recurrence. `p2c schedule apply` makes the server's schedules match them; `p2c schedule set` makes one
 * from options. Both read the names, intervals and defaults from here.
 */
import { z } from 'zod';
import type { SyncMode } from '../common/sync-types';
import { unknownFieldsMessage } from './project-fields';

/** The name in `schedules:` of the project's own schedule, `p2c/<project>`; other names are `p2c/<project>/<name>`. */
export const DEFAULT_SCHEDULE_NAME = 'default';

/** A run missed while the server was down still starts if the server is back within this window. */
export const DEFAULT_CATCHUP_WINDOW = '10m';

/**
 * A schedule's name is one segment of the schedule id and of its runs' ids (`p2c/<project>/scheduled-<name>-<tick>`):
 * a slash would make those read as a task workflow's id, and an empty name would silently mean the project's own
 * schedule.
 */
const SCHEDULE_NAME_MAX_LENGTH = 63;
export const SCHEDULE_NAME = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{0,${SCHEDULE_NAME_MAX_LENGTH - 1}}$`);
const SCHEDULE_NAME_HINT = 'Give a name of letters, digits, dashes and underscores, e.g. master-data';

/** Why `name` cannot name a schedule, naming what is wrong with it; undefined when it can. */
export function scheduleNameProblem(name: string): string | undefined {
  // `Default` would silently be a second schedule, p2c/<project>/Default, beside the project's own.
  if (name !== DEFAULT_SCHEDULE_NAME && name.toLowerCase() === DEFAULT_SCHEDULE_NAME)
    return `${JSON.stringify(name)} is not the project's own schedule: names are case-sensitive; write "${DEFAULT_SCHEDULE_NAME}" for p2c/<project>`;
  if (SCHEDULE_NAME.test(name)) return undefined;
  if (name === '') return `name the schedule; "${DEFAULT_SCHEDULE_NAME}" is the project's own schedule p2c/<project>`;
  const quoted = JSON.stringify(name);
  const wrong = [...new Set(name.match(/[^A-Za-z0-9_-]/g) ?? [])];
  if (wrong.length > 0) {
    const characters = wrong.map((character) => JSON.stringify(character)).join(', ');
    return `${quoted} cannot name a schedule: it has ${characters}. ${SCHEDULE_NAME_HINT}`;
  }
  if (name.length > SCHEDULE_NAME_MAX_LENGTH)
    return `${quoted} cannot name a schedule: it has ${name.length} characters, at most ${SCHEDULE_NAME_MAX_LENGTH} fit`;
  return `${quoted} cannot name a schedule: it starts with ${JSON.stringify(name[0])}; start it with a letter or digit`;
}

export const SYNC_MODES = ['incremental', 'full'] as const satisfies readonly SyncMode[];

/** `15m`, `1h`, `30s`, `1h30m` → milliseconds; undefined when the text is not such a duration. */
export function parseInterval(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!match || !text.trim() || match.slice(1).every((part) => part === undefined)) return undefined;
  const [hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  const ms = ((hours * 60 + minutes) * 60 + seconds) * 1000;
  return ms > 0 ? ms : undefined;
}

/**
 * The server raises a shorter catch-up window to 10s, so a schedule asking for less would never match the server's
 * and `p2c schedule apply` would update it on every run.
 */
export const MIN_CATCHUP_WINDOW_MS = 10_000;

/** Why `text` is not a catch-up window the server keeps as given; undefined when it is one. */
export function catchupProblem(text: string): string | undefined {
  const ms = parseInterval(text);
  if (ms === undefined) return `"${text}" is not a duration; give one such as ${DEFAULT_CATCHUP_WINDOW}`;
  if (ms < MIN_CATCHUP_WINDOW_MS) {
    const least = `${MIN_CATCHUP_WINDOW_MS / 1000}s`;
    return `"${text}" is shorter than ${least}, the shortest catch-up window Temporal keeps; give ${least} or more`;
  }
  return undefined;
}

const interval = (example: string) =>
  z.string({ error: `expected a duration such as ${example}` }).refine((text) => parseInterval(text) !== undefined, {
    error: (issue) => `"${String(issue.input)}" is not a duration; give one such as ${example}`,
  });

const scheduleFields = {
  /** Interval between runs, e.g. 15m, 1h, 1h30m. */
  every: interval('15m, 1h or 30s'),
  /** Only these tasks (default: every task the project runs). */
  tasks: z.array(z.string()).min(1, 'list at least one task, or leave out tasks to run every task').optional(),
  /** incremental (default) or full runs. */
  mode: z.enum(SYNC_MODES, { error: `expected ${SYNC_MODES.join(' or ')}` }).optional(),
  /** How late a missed run may still start (default 10m). */
  catchup: z
    .string({ error: `expected a duration such as ${DEFAULT_CATCHUP_WINDOW}` })
    .superRefine((text, ctx) => {
      const problem = catchupProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** true pauses the schedule, false resumes it; left out, apply leaves its state as it is. */
  paused: z.boolean({ error: 'expected true or false' }).optional(),
  /** Shown with the schedule in `p2c schedule list`; left out, apply leaves the schedule's note as it is. */
  note: z.string().min(1, "write the note, or leave note out to keep the schedule's note as it is").optional(),
};
const SCHEDULE_FIELDS = Object.keys(scheduleFields);

/** An unknown field names the known ones (and the nearest); a schedule left empty says what it needs. */
function scheduleProblem(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'unrecognized_keys') {
    return unknownFieldsMessage(issue.keys, SCHEDULE_FIELDS, `a schedule has ${SCHEDULE_FIELDS.join(', ')}`);
  }
  if (issue.code === 'invalid_type') return 'give the schedule its settings, at least every, e.g. { every: 15m }';
  return undefined;
}

export const projectScheduleSchema = z.strictObject(scheduleFields, { error: scheduleProblem });
export type ProjectSchedule = z.infer<typeof projectScheduleSchema>;

export const projectSchedulesSchema = z.record(
  // The pattern also reaches the JSON schema for editors; the case of `default` is checked beside it.
  z
    .string()
    .regex(SCHEDULE_NAME, { error: (issue) => scheduleNameProblem(String(issue.input)) ?? issue.message })
    .superRefine((name, ctx) => {
      const problem = SCHEDULE_NAME.test(name) ? scheduleNameProblem(name) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  projectScheduleSchema,
  // A bad key is reported with its own reason rather than zod's "Invalid key in record".
  { error: (issue) => (issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined) },
);
