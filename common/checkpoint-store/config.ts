import { z } from 'zod';

/** Embedded store used when nothing is configured, relative to the working directory. */
export const DEFAULT_SQLITE_FILE = '.p2c/checkpoints.sqlite';
/** Execution history (runs, failures, traces) is kept at least this long unless configured otherwise. */
export const DEFAULT_RETENTION_DAYS = 90;
export const DEFAULT_POSTGRES_POOL_SIZE = 10;
/** listRuns returns at most this many runs when the filter sets no limit. */
export const DEFAULT_RUN_LIST_LIMIT = 100;
export const MAX_RUN_LIST_LIMIT = 10_000;
/** A task run's reason is kept to this many characters: enough for any real error, bounded for a runaway one. */
export const MAX_RUN_REASON_LENGTH = 2_000;
/** How long a SQLite writer waits for another process's lock before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

// A schema name is spliced into SQL (search_path), so only plain identifiers are accepted.
const POSTGRES_SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export const checkpointStoreConfigSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('sqlite'),
    file: z.string().min(1, 'the SQLite checkpoint file must be a non-empty path').default(DEFAULT_SQLITE_FILE),
  }),
  z.object({
    kind: z.literal('postgres'),
    connectionString: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'the checkpoint connectionString must be a postgres:// or postgresql:// URL'),
    poolSize: z.number().int().min(1).max(1000).default(DEFAULT_POSTGRES_POOL_SIZE),
    /** Keeps the tables apart from other users of the same database (e.g. Temporal's own schema). */
    schema: z
      .string()
      .regex(POSTGRES_SCHEMA_PATTERN, 'the checkpoint schema must be a lower-case SQL identifier (a-z, 0-9, _)')
      .optional(),
  }),
]);

export type CheckpointStoreConfig = z.input<typeof checkpointStoreConfigSchema>;
export type ResolvedCheckpointStoreConfig = z.output<typeof checkpointStoreConfigSchema>;
export type SqliteConfig = Extract<ResolvedCheckpointStoreConfig, { kind: 'sqlite' }>;
export type PostgresConfig = Extract<ResolvedCheckpointStoreConfig, { kind: 'postgres' }>;

/** The cut-off date for purge(): now minus the retention period. */
export function retentionCutoff(retentionDays: number = DEFAULT_RETENTION_DAYS, now: Date = new Date()): Date {
  if (!Number.isFinite(retentionDays) || retentionDays < 0) {
    throw new RangeError(`retentionDays must be a non-negative number, got ${retentionDays}`);
  }
  return new Date(now.getTime() - retentionDays * 24 * 60 * 60 * 1000);
}
