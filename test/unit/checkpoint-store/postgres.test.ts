import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { openCheckpointStore } from '../../../common/checkpoint-store';
import { checkpointStoreContract } from './contract';

const url = process.env.P2C_TEST_PG_URL;
const NOT_CONFIGURED =
  'PostgreSQL not configured: set P2C_TEST_PG_URL (start a throw-away server with `.ci/install-postgres.sh`, ' +
  'export its last line, and `.ci/install-postgres.sh stop` afterwards)';

if (!url && process.env.CI === 'true') {
  // CI must exercise both backends; a missing server there is a broken pipeline, not a reason to skip.
  test('PostgreSQL checkpoint store runs in CI', () => {
    throw new Error(NOT_CONFIGURED);
  });
} else {
  if (!url) console.warn(`Skipping the PostgreSQL checkpoint store contract. ${NOT_CONFIGURED}`);
  const schemas: string[] = [];

  // Each test gets its own schema in the shared database, so tests never see each other's rows.
  checkpointStoreContract(
    url ? 'PostgreSQL checkpoint store' : NOT_CONFIGURED,
    async () => {
      const schema = `p2c_test_${randomUUID().replace(/-/g, '')}`;
      schemas.push(schema);
      return {
        open: (migrations) =>
          openCheckpointStore({ kind: 'postgres', connectionString: url!, poolSize: 4, schema }, migrations),
      };
    },
    url ? describe : describe.skip,
  );

  (url ? describe : describe.skip)(`${url ? 'PostgreSQL' : NOT_CONFIGURED}: without a schema option`, () => {
    const database = `p2c_test_${randomUUID().replace(/-/g, '')}`;
    const admin = () => new Client({ connectionString: url });

    beforeAll(async () => {
      const client = admin();
      await client.connect();
      await client.query(`CREATE DATABASE ${database}`);
      await client.end();
    });

    afterAll(async () => {
      const client = admin();
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.end();
    });

    test("the tables go to the connection's default schema", async () => {
      const connectionString = new URL(url!);
      connectionString.pathname = `/${database}`;
      const store = await openCheckpointStore({ kind: 'postgres', connectionString: connectionString.href });
      try {
        await store.recordRun({
          runId: 'r1',
          workflowId: 'entity-sync:contoso:accountsToCustomers',
          project: 'contoso',
          task: 'accountsToCustomers',
          status: 'Running',
          startedAt: '2026-03-01T10:00:00Z',
          counters: {},
        });
        expect((await store.getRun('r1'))?.status).toBe('Running');
      } finally {
        await store.close();
      }
      const client = new Client({ connectionString: connectionString.href });
      await client.connect();
      const { rows } = await client.query("SELECT to_regclass('public.runs') IS NOT NULL AS present");
      await client.end();
      expect(rows[0].present).toBe(true);
    });
  });

  afterAll(async () => {
    if (!url || schemas.length === 0) return;
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await client.end();
    }
  });
}
