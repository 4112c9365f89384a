import type { TargetRow } from '../../../common/types';
import { DataverseClient, FnoClient } from '../../../connectors';
import { answerToken, startFakeAuthority, startFakeService, type FakeHandler } from './fake-authority';
import { answerBatch, operationsIn, serviceError, type FakePart } from './fake-batch';
import { range, RecordingMetrics } from './support';
import { backoffMs } from '../../../connectors/target';

const SECRET_ENV = 'P2C_TEST_BATCH_PART_SECRET';
const CLIENT_ID = '00000000-0000-0000-0000-0000000000b2';
const MATCHING_KEY_EXISTS = 'A record with matching key values already exists.';

function customerRow(i: number): TargetRow {
  const key = { dataAreaId: 'usmf', CustomerAccount: `RETRY-${i}` };
  return { sourceKey: `C-${i}`, entitySet: 'CustomersV3', key, fields: { ...key, OrganizationName: `Customer ${i}` } };
}

function accountRow(i: number): TargetRow {
  const key = { accountnumber: `RACE-${i}` };
  return { sourceKey: `C-${i}`, entitySet: 'accounts', key, fields: { ...key, name: `Account ${i}` } };
}

describe('batch parts that fail', () => {
  let authority: Awaited<ReturnType<typeof startFakeAuthority>>;
  const opened: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    process.env[SECRET_ENV] = 'batch-part-test-secret';
    authority = await startFakeAuthority((res) => answerToken(res));
  });
  afterEach(async () => {
    for (const resource of opened.splice(0).reverse()) await resource.close();
  });
  afterAll(async () => {
    delete process.env[SECRET_ENV];
    await authority.close();
  });

  /** A service whose n-th `$batch` (from 1) is answered part by part by `answer`. */
  const service = async <C>(
    connect: (connection: Record<string, unknown>, metrics: RecordingMetrics) => C & { close(): Promise<void> },
    answer: (n: number, operation: number) => FakePart,
    changeSets: boolean,
  ) => {
    const batches: number[] = [];
    const handler: FakeHandler = (res, n, _req, body) => {
      batches.push(Date.now());
      answerBatch(
        res,
        range(operationsIn(body)).map((operation) => answer(n, operation)),
        { changeSets },
      );
    };
    const server = await startFakeService(handler);
    opened.push(server);
    const metrics = new RecordingMetrics();
    const client = connect(
      {
        url: server.url,
        authority: authority.authority,
        clientId: CLIENT_ID,
        clientSecretEnv: SECRET_ENV,
        caCertPem: authority.caCertPem,
      },
      metrics,
    );
    opened.push(client);
    return { client, metrics, batches };
  };
  const dataverse = (answer: (n: number, operation: number) => FakePart) =>
    service((connection, metrics) => new DataverseClient(connection as never, { metrics }), answer, false);
  const fno = (answer: (n: number, operation: number) => FakePart) =>
    service((connection, metrics) => new FnoClient(connection as never, { metrics }), answer, true);

  describe('Dataverse upsert that loses the insert race (412)', () => {
    it.each(['0x80040237', '0x80060892', ''])(
      'retries once whatever the code (%p) and updates the row',
      async (code) => {
        const { client, batches } = await dataverse((n) =>
          n === 1
            ? { status: 412, body: serviceError(code, MATCHING_KEY_EXISTS) }
            : { status: 200, body: { accountnumber: 'RACE-1' } },
        );
        const outcomes = await client.upsertBatch([accountRow(1)], { continueOnError: true });
        expect(outcomes).toEqual([{ sourceKey: 'C-1', status: 'updated' }]);
        expect(batches).toHaveLength(2);
      },
    );

    it.each(['0x80060892', ''])('reports a second 412 (code %p) as a conflict, not retried again', async (code) => {
      const { client, batches } = await dataverse(() => ({
        status: 412,
        body: serviceError(code, MATCHING_KEY_EXISTS),
      }));
      const [outcome] = await client.upsertBatch([accountRow(2)], { continueOnError: true });
      expect(outcome).toMatchObject({ status: 'failed', retryable: false });
      expect(outcome.message).toContain(MATCHING_KEY_EXISTS);
      expect(batches).toHaveLength(2);
    });
  });

  describe('inline retries of parts that failed transiently', () => {
    const unavailable = (headers: Record<string, string> = {}): FakePart => ({
      status: 503,
      headers,
      body: serviceError('0x80040216', 'The service is temporarily unavailable.'),
    });
    const gapsBetween = (batches: number[]) => batches.slice(1).map((at, i) => at - batches[i]);

    it("Dataverse waits out a 503 part's Retry-After before sending the rows again", async () => {
      const { client, batches } = await dataverse((n) =>
        n === 1 ? unavailable({ 'Retry-After': '2' }) : { status: 201, body: { accountnumber: 'x' } },
      );
      const outcomes = await client.upsertBatch([accountRow(10), accountRow(11)], { continueOnError: true });
      expect(outcomes.map((o) => o.status)).toEqual(['created', 'created']);
      expect(gapsBetween(batches)).toEqual([expect.any(Number)]);
      expect(gapsBetween(batches)[0]).toBeGreaterThanOrEqual(1995);
    });

    it('Dataverse waits for a 429 part only as long as its Retry-After, not that plus a 5xx pause', async () => {
      const { client, batches, metrics } = await dataverse((n) =>
        n === 1
          ? { status: 429, headers: { 'Retry-After': '1' }, body: serviceError('0x80072322', 'Too many.') }
          : { status: 201, body: { accountnumber: 'x' } },
      );
      const outcomes = await client.upsertBatch([accountRow(12)], { continueOnError: true });
      expect(outcomes.map((o) => o.status)).toEqual(['created']);
      expect(metrics.throttles.map((t) => t.retryAfterMs)).toEqual([1000]);
      const [gap] = gapsBetween(batches);
      expect(gap).toBeGreaterThanOrEqual(995);
      expect(gap).toBeLessThan(1800);
    });

    it("F&O waits out a 503 part's Retry-After before sending the rows again", async () => {
      const { client, batches } = await fno((n) => (n === 1 ? unavailable({ 'Retry-After': '2' }) : { status: 204 }));
      const outcomes = await client.upsertBatch([customerRow(1), customerRow(2)], { continueOnError: true });
      expect(outcomes.map((o) => o.status)).toEqual(['updated', 'updated']);
      expect(gapsBetween(batches)).toHaveLength(1);
      expect(gapsBetween(batches)[0]).toBeGreaterThanOrEqual(1995);
    });

    it('F&O backs off before retrying a 503 part that named no wait', async () => {
      const { client, batches } = await fno((n) => (n <= 2 ? unavailable() : { status: 204 }));
      const outcomes = await client.upsertBatch([customerRow(3)], { continueOnError: true });
      expect(outcomes.map((o) => o.status)).toEqual(['updated']);
      const gaps = gapsBetween(batches);
      expect(gaps).toHaveLength(2);
      expect(gaps[0]).toBeGreaterThanOrEqual(backoffMs(1) - 5);
      expect(gaps[1]).toBeGreaterThanOrEqual(backoffMs(2) - 5);
    });
  });

  describe('parts that ask for a longer wait than a call waits inline', () => {
    const unavailableFor = (seconds: number): FakePart => ({
      status: 503,
      headers: { 'Retry-After': String(seconds) },
      body: serviceError('0x80040216', 'The service is temporarily unavailable.'),
    });

    it.each([
      ['Dataverse', () => dataverse((_n, op) => unavailableFor(op === 0 ? 120 : 90)), accountRow],
      ['F&O', () => fno((_n, op) => unavailableFor(op === 0 ? 120 : 90)), customerRow],
    ] as const)('%s reports the rows retryable with the wait each part asked for', async (_system, start, row) => {
      const { client, batches } = await start();
      const outcomes = await client.upsertBatch([row(20), row(21)], { continueOnError: true });
      expect(outcomes).toMatchObject([
        { status: 'failed', retryable: true, retryAfterMs: 120_000 },
        { status: 'failed', retryable: true, retryAfterMs: 90_000 },
      ]);
      expect(batches).toHaveLength(1);
    });
  });
});
