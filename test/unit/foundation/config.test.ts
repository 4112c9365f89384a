import { ConfigError, loadRuntimeConfig } from '../../../common/config';

describe('loadRuntimeConfig', () => {
  test('defaults run against a local dev server with the embedded SQLite store', () => {
    const config = loadRuntimeConfig({});
    expect(config.temporalAddress).toBe('127.0.0.1:7233');
    expect(config.taskQueue).toBe('p2c-sync');
    expect(config.store).toEqual({ kind: 'sqlite', file: '.p2c/checkpoints.sqlite' });
  });

  test('a postgres URL selects the PostgreSQL store', () => {
    const config = loadRuntimeConfig({ P2C_CHECKPOINT_STORE: 'postgres://u:p@db:5432/p2c' });
    expect(config.store).toMatchObject({ kind: 'postgres', connectionString: 'postgres://u:p@db:5432/p2c' });
  });

  test('a bad value fails with the variable name and the reason', () => {
    expect(() => loadRuntimeConfig({ P2C_TEMPORAL_ADDRESS: 'temporal' })).toThrow(ConfigError);
    expect(() => loadRuntimeConfig({ P2C_TEMPORAL_ADDRESS: 'temporal' })).toThrow(
      'P2C_TEMPORAL_ADDRESS=temporal: must be host:port, e.g. 127.0.0.1:7233',
    );
    expect(() => loadRuntimeConfig({ P2C_TASK_QUEUE: 'P2C Queue' })).toThrow(
      'P2C_TASK_QUEUE=P2C Queue: must be kebab-case',
    );
  });
});
