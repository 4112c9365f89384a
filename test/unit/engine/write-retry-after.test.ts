/**
 * Rows a target refuses with a Retry-After longer than a call waits inline: the activity fails for Temporal to retry,
 * and the retry is not due before the longest wait the target asked for.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDocumentActivities, type WriteDocumentInput } from '../../../activities/documents';
import { createSyncActivities, type WritePageInput } from '../../../activities/sync';
import { openCheckpointStore, type CheckpointStore } from '../../../common/checkpoint-store';
import type { TaskRef } from '../../../common/sync-types';
import type { TargetRow } from '../../../common/types';
import { DataverseClient, FnoClient } from '../../../connectors';
import { templates } from '../../../mappings';
import { RETRYABLE } from '../../../workflows/activity-options';
import { answerToken, startFakeAuthority, startFakeService, type FakeServer } from '../connectors/fake-authority';
import { answerBatch, operationsIn, serviceError, type FakePart } from '../connectors/fake-batch';
import { range } from '../connectors/support';

const SECRET_ENV = 'P2C_TEST_WRITE_RETRY_AFTER_SECRET';
const DATA_AREA = 'usmf';
/** Each refused part's Retry-After, by its position in the batch; all longer than the 60 s a call waits inline. */
const RETRY_AFTER_SECONDS = [90, 120, 75];

describe('writes refused with a long Retry-After', () => {
  let authority: Awaited<ReturnType<typeof startFakeAuthority>>;
  let fnoService: FakeServer;
  let dataverse: DataverseClient;
  let fno: FnoClient;
  let store: CheckpointStore;
  /** What the test's n-th `$batch` (from 1) answers for one operation. */
  let answer: (n: number, operation: number) => FakePart;
  let batchesBefore = 0;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-retry-after-'));
  const ref: TaskRef = {
    project: 'retry-after',
    task: templates.accounts.name,
    partition: { dataAreaId: DATA_AREA, businessUnit: 'USMF' },
    runId: 'run-1',
  };

  beforeAll(async () => {
    process.env[SECRET_ENV] = 'retry-after-test-secret';
    authority = await startFakeAuthority((res) => answerToken(res));
    fnoService = await startFakeService((res, n, _req, body) =>
      answerBatch(
        res,
        range(operationsIn(body)).map((operation) => answer(n - batchesBefore, operation)),
        { changeSets: true },
      ),
    );
    const connection = {
      url: fnoService.url,
      authority: authority.authority,
      clientId: '00000000-0000-0000-0000-0000000000c3',
      clientSecretEnv: SECRET_ENV,
      caCertPem: authority.caCertPem,
    };
    fno = new FnoClient(connection);
    // Not called: the tasks here write to F&O.
    dataverse = new DataverseClient(connection);
    store = await openCheckpointStore({ kind: 'sqlite', file: path.join(tmp, 'checkpoints.sqlite') });
  });
  beforeEach(() => {
    batchesBefore = fnoService.requests;
  });
  afterAll(async () => {
    await store?.close();
    await fno?.close();
    await dataverse?.close();
    await fnoService?.close();
    await authority?.close();
    delete process.env[SECRET_ENV];
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const unavailable = (operation: number): FakePart => ({
    status: 503,
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS[operation % RETRY_AFTER_SECONDS.length]) },
    body: serviceError('', 'The service is temporarily unavailable.'),
  });
  const longestWaitMs = (operations: number) => Math.max(...RETRY_AFTER_SECONDS.slice(0, operations)) * 1000;

  const row = (entitySet: string, key: Record<string, string | number>, fields: Record<string, unknown>) =>
    ({ sourceKey: Object.values(key).join('/'), entitySet, key, fields: { ...key, ...fields } }) satisfies TargetRow;

  const refusal = async (run: Promise<unknown>): Promise<ApplicationFailure> => {
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  };

  it('writePage is retried no sooner than the longest Retry-After of its refused rows', async () => {
    answer = (_n, operation) => unavailable(operation);
    const activities = createSyncActivities({ dataverse, fno, store });
    const rows = range(3).map((i) =>
      row('CustomersV3', { dataAreaId: DATA_AREA, CustomerAccount: `RA-${i}` }, { OrganizationName: `C ${i}` }),
    );
    const input: WritePageInput = {
      ref,
      task: templates.accounts,
      workflowId: 'retry-after/accounts',
      rows,
      failures: [],
      cursorAfter: { page: 1, pageSize: rows.length, done: false },
    };
    const env = new MockActivityEnvironment({ attempt: 1, retryPolicy: { maximumAttempts: 12 } });
    const failure = await refusal(env.run(activities.writePage, input));
    expect(failure).toMatchObject({ type: RETRYABLE, nonRetryable: false, nextRetryDelay: longestWaitMs(3) });
    expect(failure.message).toContain('HTTP 503');
  });

  it('writeDocument is retried no sooner than the longest Retry-After of its refused lines', async () => {
    // The header lands; every line is refused for now.
    answer = (n, operation) =>
      n === 1 ? { status: 201, body: { SalesQuotationNumber: 'RA-Q' } } : unavailable(operation);
    const activities = createDocumentActivities({ dataverse, fno, store });
    const header = row(
      'CDSSalesQuotationHeaders',
      { dataAreaId: DATA_AREA, SalesQuotationNumber: 'RA-Q' },
      { SalesQuotationName: 'Quote' },
    );
    const lines = range(2).map((i) =>
      row(
        'CDSSalesQuotationLines',
        { dataAreaId: DATA_AREA, SalesQuotationNumber: 'RA-Q', LineCreationSequenceNumber: i + 1 },
        { RequestedSalesQuantity: 1 },
      ),
    );
    const input: WriteDocumentInput = {
      ref,
      workflowId: 'retry-after/quote',
      system: 'fno',
      task: 'quotes',
      lineTask: 'quoteLines',
      documentKey: 'RA-Q',
      header,
      lines,
      hash: 'h',
      outcome: 'created',
    };
    const failure = await refusal(new MockActivityEnvironment().run(activities.writeDocument, input));
    expect(failure).toMatchObject({ type: RETRYABLE, nonRetryable: false, nextRetryDelay: longestWaitMs(2) });
  });
});
