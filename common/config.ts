/**
 * Runtime settings of the worker and the CLI, read from the environment once at start-up and validated by a schema,
 * so a wrong setting stops the process with one line naming the variable and the reason.
 */
import { z } from 'zod';
import { DEFAULT_SQLITE_FILE, type CheckpointStoreConfig } from './checkpoint-store';
import { DEFAULT_NAMESPACE } from './dev-server';

export const DEFAULT_TASK_QUEUE = 'p2c-sync';
export const DEFAULT_PROJECT_FILE = 'examples/project.yaml';

/** Environment variable → setting. The names are the user-facing contract (README, docker-compose.yml). */
export const ENV = {
  temporalAddress: 'P2C_TEMPORAL_ADDRESS',
  namespace: 'P2C_NAMESPACE',
  taskQueue: 'P2C_TASK_QUEUE',
  projectFile: 'P2C_PROJECT_FILE',
  checkpointStore: 'P2C_CHECKPOINT_STORE',
  uiUrl: 'P2C_UI_URL',
} as const;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The Temporal Web UI's address, which links are built on. An address without a scheme (`localhost:8233`) parses as
 * a URL of scheme `localhost:`, a link no browser opens.
 */
export const webUiUrlSchema = z.url({
  protocol: /^https?$/,
  error: 'must be an http:// or https:// address, e.g. http://localhost:8233',
});

const runtimeSchema = z.object({
  temporalAddress: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  namespace: z.string().min(1).default(DEFAULT_NAMESPACE),
  taskQueue: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be kebab-case')
    .default(DEFAULT_TASK_QUEUE),
  projectFile: z.string().min(1).default(DEFAULT_PROJECT_FILE),
  checkpointStore: z.string().min(1).default(DEFAULT_SQLITE_FILE),
  uiUrl: webUiUrlSchema.default('http://localhost:8233'),
});

export type RuntimeConfig = z.output<typeof runtimeSchema> & { store: CheckpointStoreConfig };

/** A postgres:// URL selects PostgreSQL; anything else is the path of the SQLite file. */
export function checkpointStoreFromSetting(value: string): CheckpointStoreConfig {
  return /^postgres(ql)?:\/\//.test(value)
    ? { kind: 'postgres', connectionString: value, schema: 'p2c' }
    : { kind: 'sqlite', file: value };
}

export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const raw = Object.fromEntries(
    Object.entries(ENV)
      .map(([key, name]) => [key, env[name]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = runtimeSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path[0] as keyof typeof ENV;
    throw new ConfigError(`${ENV[key]}=${String(raw[key])}: ${issue.message}`);
  }
  return { ...parsed.data, store: checkpointStoreFromSetting(parsed.data.checkpointStore) };
}
