/**
 * Malformed answers over real HTTP: an HTML error page, a JSON body cut off mid-value and an empty 200 body, for
 * reads and `$batch` writes on both services. Each is retried by the connector or surfaces as a retryable error
 * naming the request (which Temporal retries); either way the data lands on the next attempt.
 */
import { connectionToEmulators } from '../../../client/local-stack';
import { startEmulators, type Emulators } from '../../../emulators';
import { MALFORMED_KINDS } from '../../../emulators/common/faults';
import { ConnectorError } from '../../../connectors';
import { createClients, type Clients } from '../../../worker/connections';

jest.setTimeout(60_000);

/** Temporal's activity retry in miniature: a retryable error gets one more attempt, anything else fails the test. */
async function withActivityRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    expect({ retryable: (error as ConnectorError).retryable, status: (error as ConnectorError).status }).toEqual({
      retryable: true,
      status: 502,
    });
    return attempt();
  }
}

describe.each(MALFORMED_KINDS)('one %s answer', (kind) => {
  let emulators: Emulators;
  let clients: Clients;
  beforeAll(async () => {
    emulators = await startEmulators({ seed: { accounts: 5, contacts: 0, products: 2, quotes: 0, orders: 0 } });
    clients = createClients(connectionToEmulators(emulators.connection));
  });
  beforeEach(() => {
    emulators.dataverse.faults.reset();
    emulators.fno.faults.reset();
  });
  afterAll(async () => {
    await clients?.close();
    await emulators?.close();
  });

  test('Dataverse: a $batch upsert answered broken once is retried and the row lands', async () => {
    emulators.dataverse.faults.configure({ malformedNext: { count: 1, kind } });
    const outcomes = await withActivityRetry(() =>
      clients.dataverse.upsertBatch(
        [
          {
            sourceKey: 'MAL-1',
            entitySet: 'accounts',
            key: { accountnumber: 'MAL-1' },
            fields: { name: `Malformed ${kind}` },
          },
        ],
        { continueOnError: true },
      ),
    );
    expect(emulators.dataverse.faults.stats().malformed).toBe(1);
    expect(outcomes.map((o) => o.status)).toEqual([expect.stringMatching(/^(created|updated)$/)]);
    expect((await clients.dataverse.getByKey('accounts', { accountnumber: 'MAL-1' }))?.name).toBe(`Malformed ${kind}`);
  });

  test('F&O: a $batch upsert answered broken once is retried and the row lands', async () => {
    emulators.fno.faults.configure({ malformedNext: { count: 1, kind } });
    const key = { dataAreaId: 'usmf', CustomerAccount: 'MAL-1' };
    const outcomes = await withActivityRetry(() =>
      clients.fno.upsertBatch(
        [
          {
            sourceKey: 'MAL-1',
            entitySet: 'CustomersV2',
            key,
            fields: { ...key, OrganizationName: `Malformed ${kind}`, CustomerGroupId: '10' },
          },
        ],
        { continueOnError: true },
      ),
    );
    expect(emulators.fno.faults.stats().malformed).toBe(1);
    // Whether the broken answer came before or after the write, the retry's upsert by key leaves one row.
    expect(outcomes.map((o) => o.status)).toEqual([expect.stringMatching(/^(created|updated)$/)]);
    expect((await clients.fno.getByKey('CustomersV2', key))?.OrganizationName).toBe(`Malformed ${kind}`);
  });

  test('F&O: a read answered broken once is retried and returns the row', async () => {
    const key = { dataAreaId: 'usmf', CustomerAccount: 'MAL-2' };
    const fields = { ...key, OrganizationName: `Read ${kind}`, CustomerGroupId: '10' };
    await clients.fno.upsertBatch([{ sourceKey: 'MAL-2', entitySet: 'CustomersV2', key, fields }], {
      continueOnError: true,
    });
    emulators.fno.faults.configure({ malformedNext: { count: 1, kind } });
    const row = await withActivityRetry(() => clients.fno.getByKey('CustomersV2', key));
    expect(emulators.fno.faults.stats().malformed).toBe(1);
    expect(row).toMatchObject({ CustomerAccount: 'MAL-2', OrganizationName: `Read ${kind}` });
  });

  test('paged reads: a broken page is retried, never taken for the last one', async () => {
    const seeded = await collect(() =>
      clients.dataverse.readPages('accounts', { select: ['accountnumber'], pageSize: 2 }),
    );
    const products = await collect(() =>
      clients.fno.readPages('SellableReleasedProducts', { select: ['ProductNumber'], pageSize: 1, crossCompany: true }),
    );
    emulators.dataverse.faults.configure({ malformedNext: { count: 1, kind } });
    emulators.fno.faults.configure({ malformedNext: { count: 1, kind } });
    expect(
      await withActivityRetry(() =>
        collect(() => clients.dataverse.readPages('accounts', { select: ['accountnumber'], pageSize: 2 })),
      ),
    ).toEqual(seeded);
    expect(
      await withActivityRetry(() =>
        collect(() =>
          clients.fno.readPages('SellableReleasedProducts', {
            select: ['ProductNumber'],
            pageSize: 1,
            crossCompany: true,
          }),
        ),
      ),
    ).toEqual(products);
    expect(emulators.dataverse.faults.stats().malformed + emulators.fno.faults.stats().malformed).toBe(2);
    expect(seeded.length).toBeGreaterThan(2);
  });
});

async function collect(pages: () => AsyncIterable<{ rows: Array<Record<string, unknown>> }>): Promise<unknown[]> {
  const rows: unknown[] = [];
  for await (const page of pages()) rows.push(...page.rows.map((r) => JSON.stringify(r)));
  return rows;
}
