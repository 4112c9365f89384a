import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS, openCheckpointStore } from '../../../common/checkpoint-store';
import { PostgresDriver } from '../../../common/checkpoint-store/postgres-driver';
import { checkpointStoreContract } from './contract';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * A cluster of this test file's own, recorded in a state file of its own: the script's default state file is shared
 * by every run on the machine, so a second test run would reuse, then stop, a cluster another run is using.
 */
const ownCluster = {
  ...process.env,
  P2C_PG_STATE_FILE: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-pg-state-')), 'cluster.state'),
};

/**
 * The server under test: P2C_TEST_PG_URL when set (CI starts one), else a throw-away cluster started here with the
 * same script, so the PostgreSQL backend is always exercised and a missing server is a failure, never a skip.
 */
function serverUrl(): { url: string; startedHere: boolean } {
  if (process.env.P2C_TEST_PG_URL) return { url: process.env.P2C_TEST_PG_URL, startedHere: false };
  const output = execFileSync('bash', [path.join(ROOT, '.ci/install-postgres.sh')], {
    encoding: 'utf8',
    env: ownCluster,
  });
  const line = output.trim().split('\n').pop() ?? '';
  const match = line.match(/^P2C_TEST_PG_URL=(\S+)$/);
  if (!match) throw new Error(`.ci/install-postgres.sh did not print P2C_TEST_PG_URL=…; it printed:\n${output}`);
  return { url: match[1], startedHere: true };
}

const { url, startedHere } = serverUrl();

const uniqueName = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '')}`;

async function withClient<T>(connectionString: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const schemas: string[] = [];

// Each test gets its own schema in the shared database, so tests never see each other's rows.
checkpointStoreContract(
  'PostgreSQL checkpoint store',
  async () => {
    const schema = uniqueName('p2c_test');
    schemas.push(schema);
    return {
      open: (migrations) =>
        openCheckpointStore({ kind: 'postgres', connectionString: url, poolSize: 4, schema }, migrations),
      execute: async (sql) => {
        await withClient(url, async (client) => {
          await client.query(`SET search_path TO ${schema}`);
          await client.query(sql);
        });
      },
      driver: async () => {
        const own = uniqueName('p2c_test');
        schemas.push(own);
        const driver = new PostgresDriver({ kind: 'postgres', connectionString: url, poolSize: 1, schema: own });
        await driver.migrate(MIGRATIONS);
        return driver;
      },
    };
  },
  describe,
);

// One hook, so the throw-away server stops only after the schemas are dropped.
afterAll(async () => {
  if (schemas.length > 0) {
    await withClient(url, async (client) => {
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });
  }
  if (startedHere) {
    execFileSync('bash', [path.join(ROOT, '.ci/install-postgres.sh'), 'stop'], { stdio: 'ignore', env: ownCluster });
    fs.rmSync(path.dirname(ownCluster.P2C_PG_STATE_FILE), { recursive: true, force: true });
  }
});

describe('PostgreSQL checkpoint store without a schema option', () => {
  const database = uniqueName('p2c_test');
  const databaseUrl = (): string => {
    const address = new URL(url);
    address.pathname = `/${database}`;
    return address.href;
  };

  beforeAll(() => withClient(url, (client) => client.query(`CREATE DATABASE ${database}`)));
  afterAll(() => withClient(url, (client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)));

  test("creates its tables in the connection's default schema", async () => {
    const store = await openCheckpointStore({ kind: 'postgres', connectionString: databaseUrl() });
    try {
      await store.commitWatermark('contoso', 'accountsToCustomers', 'usmf', { kind: 'delta-link', value: 't' }, 'r1');
      expect(await store.getWatermark('contoso', 'accountsToCustomers', 'usmf')).toEqual({
        kind: 'delta-link',
        value: 't',
      });
    } finally {
      await store.close();
    }
    const { rows } = await withClient(databaseUrl(), (client) =>
      client.query("SELECT to_regclass('public.watermarks') IS NOT NULL AS present"),
    );
    expect(rows[0].present).toBe(true);
  });
});
