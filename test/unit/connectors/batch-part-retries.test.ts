import type { TargetRow } from '../../../common/types';
import { DataverseClient } from '../../../connectors';
import { answerToken, startFakeAuthority, startFakeService, type FakeHandler } from './fake-authority';
import { answerBatch, operationsIn, serviceError, type FakePart } from './fake-batch';
import { range, RecordingMetrics } from './support';

const SECRET_ENV = 'P2C_TEST_BATCH_PART_SECRET';
const CLIENT_ID = '00000000-0000-0000-0000-0000000000b2';
const MATCHING_KEY_EXISTS = 'A record with matching key values already exists.';

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

  /** A Dataverse whose n-th `$batch` (from 1) is answered part by part by `answer`. */
  const dataverse = async (answer: (n: number, operation: number) => FakePart, extra: Record<string, unknown> = {}) => {
    const batches: number[] = [];
    const handler: FakeHandler = (res, n, _req, body) => {
      batches.push(Date.now());
      answerBatch(
        res,
        range(operationsIn(body)).map((operation) => answer(n, operation)),
      );
    };
    const service = await startFakeService(handler);
    opened.push(service);
    const metrics = new RecordingMetrics();
    const client = new DataverseClient(
      {
        url: service.url,
        authority: authority.authority,
        clientId: CLIENT_ID,
        clientSecretEnv: SECRET_ENV,
        caCertPem: authority.caCertPem,
        ...extra,
      },
      { metrics },
    );
    opened.push(client);
    return { client, metrics, batches };
  };

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
});
