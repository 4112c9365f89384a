/**
 * A 2xx answer whose body is not what the protocol promises — JSON cut off mid-value, an empty 200 — must reject
 * the caller's promise with a retryable ConnectorError naming the request, on every read and keyed write path of
 * both clients: never hang, never pass for success, never escape as an uncaught exception.
 */
import type { TargetRow } from '../../../common/types';
import { ConnectorError, DataverseClient, FnoClient } from '../../../connectors';
import { startIdentityServer, type IdentityServer } from '../../../emulators/common/identity';
import { startDataverseEmulator, type DataverseEmulator } from '../../../emulators/dataverse';
import { startFnoEmulator, type FnoEmulator } from '../../../emulators/fno';
import { emulatorConnection, range, RecordingMetrics } from './support';

jest.setTimeout(30_000);

const BROKEN_2XX = ['truncated-json', 'empty'] as const;
const guid = (n: number) => `6f1c2a10-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** The rejection every broken answer must produce: a retryable 502-class ConnectorError for this operation. */
async function expectBrokenAnswer(promise: Promise<unknown>, operation: string, text: RegExp): Promise<void> {
  const error = await promise.then(
    (value) => new Error(`resolved with ${JSON.stringify(value)}`),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  const { retryable, status, kind } = error as ConnectorError;
  expect({ retryable, status, kind, operation: (error as ConnectorError).operation }).toEqual({
    retryable: true,
    status: 502,
    kind: 'transient',
    operation,
  });
  expect((error as ConnectorError).message).toMatch(text);
}

const BODY_PROBLEM = /not valid JSON|empty (response|body)/;

describe('broken 2xx answers', () => {
  let identity: IdentityServer;
  let dataverseEmulator: DataverseEmulator;
  let fnoEmulator: FnoEmulator;
  let dataverse: DataverseClient;
  let fno: FnoClient;
  const metrics = new RecordingMetrics();
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    identity = await startIdentityServer();
    dataverseEmulator = await startDataverseEmulator({
      identity,
      seed: { accounts: range(5).map((i) => ({ accountid: guid(i + 1), name: `A ${i}`, accountnumber: `BRK-${i}` })) },
    });
    fnoEmulator = await startFnoEmulator({ identity });
    dataverse = new DataverseClient(emulatorConnection(dataverseEmulator, identity, 'P2C_TEST_BROKEN_DV'));
    fno = new FnoClient(emulatorConnection(fnoEmulator, identity, 'P2C_TEST_BROKEN_FNO', { defaultCompany: 'usmf' }), {
      metrics,
    });
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await dataverse?.close();
    await fno?.close();
    await dataverseEmulator?.close();
    await fnoEmulator?.close();
    await identity?.close();
  });
  beforeEach(() => {
    dataverseEmulator.faults.reset();
    fnoEmulator.faults.reset();
    metrics.reset();
  });
  afterEach(() => expect(uncaught).toEqual([]));

  describe.each(BROKEN_2XX)('%s', (kind) => {
    test('Dataverse page read rejects at once, and the next attempt reads every row', async () => {
      dataverseEmulator.faults.configure({ malformedNext: { count: 1, kind } });
      await expectBrokenAnswer(
        dataverse.readPage('accounts', { select: ['accountnumber'], pageSize: 2 }),
        'read',
        BODY_PROBLEM,
      );
      expect(dataverseEmulator.faults.stats().malformed).toBe(1);
      const keys: unknown[] = [];
      for await (const page of dataverse.readPages('accounts', { select: ['accountnumber'], pageSize: 2 }))
        keys.push(...page.rows.map((r) => r.accountnumber));
      expect(keys.sort()).toEqual(range(5).map((i) => `BRK-${i}`));
    });

    test('Dataverse change-tracking read rejects', async () => {
      dataverseEmulator.faults.configure({ malformedNext: { count: 1, kind } });
      await expectBrokenAnswer(
        dataverse.readDelta('accounts', { select: ['accountnumber'], pageSize: 10 }),
        'readDelta',
        BODY_PROBLEM,
      );
    });

    test('Dataverse keyed read rejects instead of returning an empty row', async () => {
      dataverseEmulator.faults.configure({ malformedNext: { count: 1, kind } });
      await expectBrokenAnswer(dataverse.getByKey('accounts', { accountnumber: 'BRK-1' }), 'get', BODY_PROBLEM);
      expect(await dataverse.getByKey('accounts', { accountnumber: 'BRK-1' })).toMatchObject({ name: 'A 1' });
    });

    test('Dataverse delete answered 200 without a 204 is not taken as done', async () => {
      dataverseEmulator.faults.configure({ malformedNext: { count: 1, kind } });
      await expectBrokenAnswer(
        dataverse.deleteByKey('accounts', { accountnumber: 'BRK-4' }),
        'delete',
        /instead of 204/,
      );
      // The fault answered in place of the service: the row is still there, and a retry deletes it.
      expect(await dataverse.getByKey('accounts', { accountnumber: 'BRK-4' })).not.toBeNull();
      await expect(dataverse.deleteByKey('accounts', { accountnumber: 'BRK-4' })).resolves.toBe(true);
      await dataverse.upsertBatch([
        { sourceKey: 'BRK-4', entitySet: 'accounts', key: { accountnumber: 'BRK-4' }, fields: { name: 'A 4' } },
      ]);
    });

    test('F&O upsert without continue-on-error: a broken PATCH answer throws, it is not counted as updated', async () => {
      const key = { dataAreaId: 'usmf', CustomerAccount: `BRK-${kind}` };
      const row: TargetRow = {
        sourceKey: key.CustomerAccount,
        entitySet: 'CustomersV3',
        key,
        fields: { ...key, OrganizationName: 'Before', CustomerGroupId: '10' },
      };
      expect((await fno.upsertBatch([row], { continueOnError: false }))[0].status).toBe('created');
      const changed = { ...row, fields: { ...row.fields, OrganizationName: 'After' } };
      fnoEmulator.faults.configure({ malformedNext: { count: 1, kind } });
      await expectBrokenAnswer(fno.upsertBatch([changed], { continueOnError: false }), 'upsert', /instead of 204/);
      expect((await fno.getByKey('CustomersV3', key))?.OrganizationName).toBe('Before');
      expect((await fno.upsertBatch([changed], { continueOnError: false }))[0].status).toBe('updated');
      expect((await fno.getByKey('CustomersV3', key))?.OrganizationName).toBe('After');
    });

    test('F&O upsert without continue-on-error: a broken POST answer throws, it is not counted as created', async () => {
      const key = { dataAreaId: 'usmf', CustomerAccount: `BRK-N-${kind.slice(0, 5)}` };
      const row: TargetRow = {
        sourceKey: key.CustomerAccount,
        entitySet: 'CustomersV3',
        key,
        fields: { ...key, OrganizationName: 'New', CustomerGroupId: '10' },
      };
      // The PATCH finds nothing (404); the broken answer then replaces the POST's.
      metrics.onceOnStatus(404, () => fnoEmulator.faults.configure({ malformedNext: { count: 1, kind } }));
      await expectBrokenAnswer(fno.upsertBatch([row], { continueOnError: false }), 'upsert', BODY_PROBLEM);
      expect(fnoEmulator.faults.stats().malformed).toBe(1);
      expect(await fno.getByKey('CustomersV3', key)).toBeNull();
      expect((await fno.upsertBatch([row], { continueOnError: false }))[0].status).toBe('created');
    });

    test('F&O keyed read and delete reject', async () => {
      fnoEmulator.faults.configure({ malformedNext: { count: 1, kind } });
      await expectBrokenAnswer(
        fno.getByKey('CustomersV3', { dataAreaId: 'usmf', CustomerAccount: 'ANY' }),
        'get',
        BODY_PROBLEM,
      );
      fnoEmulator.faults.configure({ malformedNext: { count: 1, kind } });
      await expectBrokenAnswer(
        fno.deleteByKey('CustomersV3', { dataAreaId: 'usmf', CustomerAccount: 'ANY' }),
        'delete',
        /instead of 204/,
      );
    });
  });
});
