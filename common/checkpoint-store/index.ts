import { checkpointStoreConfigSchema, type CheckpointStoreConfig } from './config';
import type { SqlDriver } from './driver';
import { MIGRATIONS, type Migration } from './migrations';
import { PostgresDriver } from './postgres-driver';
import { SqlCheckpointStore } from './sql-store';
import { SqliteDriver } from './sqlite-driver';
import type { CheckpointStore } from './types';

export * from './types';
export {
  checkpointStoreConfigSchema,
  DEFAULT_POSTGRES_POOL_SIZE,
  DEFAULT_RETENTION_DAYS,
  DEFAULT_RUN_LIST_LIMIT,
  DEFAULT_SQLITE_FILE,
  MAX_RUN_LIST_LIMIT,
  MAX_RUN_REASON_LENGTH,
  retentionCutoff,
  type CheckpointStoreConfig,
  type ResolvedCheckpointStoreConfig,
} from './config';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations';
export { CheckpointStoreInputError } from './sql-store';

/**
 * Opens the configured store and brings its schema up to date. `migrations` exists for tests that need a database
 * at an older schema version; production callers leave it out.
 */
export async function openCheckpointStore(
  config: CheckpointStoreConfig,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<CheckpointStore> {
  const parsed = checkpointStoreConfigSchema.safeParse(config);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`);
    throw new Error(`invalid checkpoint store configuration: ${problems.join('; ')}`);
  }
  const resolved = parsed.data;
  const driver: SqlDriver = resolved.kind === 'sqlite' ? new SqliteDriver(resolved.file) : new PostgresDriver(resolved);
  const store = new SqlCheckpointStore(driver, migrations);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
