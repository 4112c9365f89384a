import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { openCheckpointStore } from '../../../common/checkpoint-store';
import { checkpointStoreContract } from './contract';

const url = process.env.P2C_TEST_PG_URL;
const NOT_CONFIGURED =
  'PostgreSQL not configured: set P2C_TEST_PG_URL (start a throw-away server with `.ci/install-postgres.sh`, ' +
  'export its last line, and `.ci/install-postgres.sh stop` afterwards)';

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

if (!url && process.env.CI === 'true') {
  // CI must exercise both backends; a missing server there is a broken pipeline, not a reason to skip.
  test('PostgreSQL checkpoint store runs in CI', () => {
    throw new Error(NOT_CONFIGURED);
  });
} else {
  if (!url) console.warn(`Skipping the PostgreSQL checkpoint store tests. ${NOT_CONFIGURED}`);
  const describeIfConfigured = url ? describe : describe.skip;
  const title = (name: string) => (url ? name : `${NOT_CONFIGURED} — ${name}`);
  const schemas: string[] = [];

  // Each test gets its own schema in the shared database, so tests never see each other's rows.
  checkpointStoreContract(
    title('PostgreSQL checkpoint store'),
    async () => {
      const schema = uniqueName('p2c_test');
      schemas.push(schema);
      return {
        open: (migrations) =>
          openCheckpointStore({ kind: 'postgres', connectionString: url!, poolSize: 4, schema }, migrations),
      };
    },
    describeIfConfigured,
  );

  afterAll(async () => {
    if (!url || schemas.length === 0) return;
    await withClient(url, async (client) => {
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });
  });

  describeIfConfigured(title('PostgreSQL checkpoint store without a schema option'), () => {
    const database = uniqueName('p2c_test');
    const databaseUrl = (): string => {
      const address = new URL(url!);
      address.pathname = `/${database}`;
      return address.href;
    };

    beforeAll(() => withClient(url!, (client) => client.query(`CREATE DATABASE ${database}`)));
    afterAll(() => withClient(url!, (client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)));

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
}
