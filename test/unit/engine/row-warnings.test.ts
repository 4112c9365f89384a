/**
 * Row warnings (a value truncated, a blank country defaulted) through the page and document activities to the F&O
 * emulator: kept in the checkpoint store for rows that were written, apart from the failures, counted in the page's
 * result and named in the row's trace entry; a row that then failed to write reports its failure only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDocumentActivities, type DocumentWritten, type WriteDocumentInput } from '../../../activities/documents';
import { createSyncActivities, type TransformAndWritePageInput } from '../../../activities/sync';
import { connectionToEmulators } from '../../../client/local-stack';
import { openCheckpointStore, type CheckpointStore } from '../../../common/checkpoint-store';
import type { TaskRef } from '../../../common/sync-types';
import type { RowFailure, TargetRow } from '../../../common/types';
import { startEmulators, type Emulators } from '../../../emulators';
import { templates } from '../../../mappings';
import { createClients, type Clients } from '../../../worker/connections';
import { account, PARTITION } from '../mappings/fixtures';

const task = templates.accounts;
const PROJECT = 'row-warnings';
const LONG_MEMO = 'x'.repeat(1200);
const accountRow = (n: number, overrides: Record<string, unknown> = {}) => ({
  ...account,
  accountid: `6f1c2a10-0000-0000-0000-00000000030${n}`,
  accountnumber: `ACC-WARN-${n}`,
  name: `Warned ${n}`,
  ...overrides,
});

describe('row warnings', () => {
  let emulators: Emulators;
  let clients: Clients;
  let store: CheckpointStore;
  let sync: ReturnType<typeof createSyncActivities>;
  let documents: ReturnType<typeof createDocumentActivities>;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-row-warnings-'));
  const refOf = (runId: string): TaskRef => ({ project: PROJECT, task: task.name, partition: PARTITION, runId });

  beforeAll(async () => {
    emulators = await startEmulators({ seed: { accounts: 0, contacts: 0, products: 0, quotes: 0, orders: 0 } });
    clients = createClients(connectionToEmulators(emulators.connection));
    store = await openCheckpointStore({ kind: 'sqlite', file: path.join(tmp, 'checkpoints.sqlite') });
    sync = createSyncActivities({ ...clients, store });
    documents = createDocumentActivities({ ...clients, store });
  });
  afterEach(() => emulators.fno.faults.reset());
  afterAll(async () => {
    await store?.close();
    await clients?.close();
    await emulators?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const syncPage = (runId: string, rows: Array<Record<string, unknown>>) => {
    const input: TransformAndWritePageInput = {
      ref: refOf(runId),
      task,
      workflowId: `${PROJECT}/${runId}`,
      rows,
      lookups: {},
      failures: [],
      cursorAfter: { page: 1, pageSize: rows.length, done: true },
    };
    return new MockActivityEnvironment().run(sync.transformAndWritePage, input);
  };

  test('a written row keeps its warnings apart from failures; a row that failed to write reports the failure only', async () => {
    const warned = accountRow(1, { description: LONG_MEMO, address1_country: null });
    const refused = accountRow(2, { description: LONG_MEMO });
    emulators.fno.faults.configure({ failWritesForKeys: ['ACC-WARN-2'] });

    const written = await syncPage('run-1', [warned, refused]);

    expect(written).toMatchObject({ created: 1, failed: 1, warnings: 2 });
    const warnings = await store.listWarnings('run-1');
    expect(warnings.map((w) => [w.sourceKey, w.code, w.field])).toEqual([
      ['ACC-WARN-1', 'country-defaulted', 'address1_country'],
      ['ACC-WARN-1', 'value-truncated', 'description'],
    ]);
    expect((await store.listFailures('run-1')).map((f) => [f.sourceKey, f.code])).toEqual([
      ['ACC-WARN-2', expect.any(String)],
    ]);
    const customer = await clients.fno.getByKey(task.target.entitySet, {
      dataAreaId: PARTITION.dataAreaId,
      CustomerAccount: 'ACC-WARN-1',
    });
    expect(String(customer?.SalesMemo)).toHaveLength(1000);
    const [created] = await store.trace(task.name, 'ACC-WARN-1');
    expect(created).toMatchObject({ outcome: 'created' });
    expect(created.detail).toMatch(/^warnings: country-defaulted: .*; value-truncated: .*truncated from 1200 to 1000/);
    const [failed] = await store.trace(task.name, 'ACC-WARN-2');
    expect(failed.outcome).toBe('failed');
    expect(failed.detail).not.toMatch(/warnings/);
  });

  test('an unchanged row keeps its warnings in the run that found it unchanged', async () => {
    const warned = accountRow(3, { description: LONG_MEMO });
    expect(await syncPage('run-2', [warned])).toMatchObject({ created: 1, warnings: 1 });
    expect(await syncPage('run-3', [warned])).toMatchObject({ unchanged: 1, warnings: 1 });
    expect((await store.listWarnings('run-3')).map((w) => [w.sourceKey, w.code])).toEqual([
      ['ACC-WARN-3', 'value-truncated'],
    ]);
  });

  describe('writeDocument', () => {
    const DATA_AREA = PARTITION.dataAreaId;
    const header = (number: string, customer: string): TargetRow => ({
      sourceKey: number,
      entitySet: 'CDSSalesQuotationHeaders',
      key: { dataAreaId: DATA_AREA, SalesQuotationNumber: number },
      fields: {
        dataAreaId: DATA_AREA,
        SalesQuotationNumber: number,
        SalesQuotationName: 'Warned quote',
        RequestingCustomerAccountNumber: customer,
        CurrencyCode: 'USD',
      },
    });
    const warning = (number: string): RowFailure => ({
      task: templates.quoteHeaders.name,
      sourceKey: number,
      field: 'description',
      code: 'value-truncated',
      message: `quote ${number}, description: truncated from 1200 to 1000 characters`,
    });
    const writeInput = (number: string, customer: string): WriteDocumentInput => ({
      ref: { ...refOf('run-docs'), task: templates.quoteHeaders.name },
      workflowId: `${PROJECT}/run-docs/${number}`,
      system: 'fno',
      task: templates.quoteHeaders.name,
      lineTask: templates.quoteLines.name,
      documentKey: number,
      header: header(number, customer),
      lines: [],
      hash: `hash-${number}`,
      outcome: 'created',
      warnings: [warning(number)],
    });

    test('a document that landed records its warnings with its trace entry; a refused one records none', async () => {
      await syncPage('run-customers', [accountRow(4)]);
      const landed: DocumentWritten = await new MockActivityEnvironment().run(
        documents.writeDocument,
        writeInput('QUO-WARN-1', 'ACC-WARN-4'),
      );
      expect(landed.status).toBe('written');
      // F&O refuses a quotation for a customer it does not have.
      const refused: DocumentWritten = await new MockActivityEnvironment().run(
        documents.writeDocument,
        writeInput('QUO-WARN-2', 'ACC-MISSING'),
      );
      expect(refused.status).toBe('rejected');

      expect((await store.listWarnings('run-docs')).map((w) => [w.sourceKey, w.code])).toEqual([
        ['QUO-WARN-1', 'value-truncated'],
      ]);
      const [trace] = await store.trace(templates.quoteHeaders.name, 'QUO-WARN-1');
      expect(trace.detail).toMatch(/^header and 0 lines; warnings: value-truncated: quote QUO-WARN-1/);
    });
  });
});
