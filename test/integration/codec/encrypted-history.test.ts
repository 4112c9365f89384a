/**
 * entitySync on the shared dev server with the codec on worker and client: the stored history holds no customer
 * data in clear text, failure messages included, and the codec server turns its payloads back into the values.
 * The same run without the codec shows the data, so the check cannot pass by looking in the wrong place.
 */
import { randomBytes } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type DataConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { SyncActivities } from '../../../activities';
import { startCodecServer } from '../../../client/codec-server';
import { createPayloadCodec, dataConverterFor, loadCodecConfig } from '../../../common/codec';
import { DEFAULT_SYNC_SETTINGS, type TaskResult } from '../../../common/sync-types';
import type { RowFailure, TargetRow } from '../../../common/types';
import { WORKFLOWS_PATH } from '../../../worker/bundle';
import { entitySync } from '../../../workflows';
import type { EntitySyncInput } from '../../../workflows/entitySync';
import { withTransformAndWrite } from '../../support/page-activities';
import { devServerEnv, uniqueQueue } from '../../support/temporal';

const UI_ORIGIN = 'http://localhost:8233';
const ACCOUNT = {
  accountnumber: 'C-4711',
  name: 'Quillfeather Cartography Ltd',
  emailaddress1: 'ines.quillfeather@cartography.example',
  telephone1: '+44 20 7946 0958',
};
const SECOND = {
  accountnumber: 'C-4712',
  name: 'Marrowdale Beekeeping Cooperative',
  emailaddress1: 'not-an-address.marrowdale',
  telephone1: '+49 30 901820',
};
const SECRETS = [
  ACCOUNT.name,
  ACCOUNT.emailaddress1,
  ACCOUNT.telephone1,
  SECOND.name,
  SECOND.emailaddress1,
  SECOND.telephone1,
];

type Account = typeof ACCOUNT;
type History = temporal.api.history.v1.IHistory;
type RowActivities = Pick<SyncActivities, 'beginTask' | 'readPage' | 'transformPage' | 'writePage' | 'finishTask'>;

/** Stand-ins for the connectors: one page of accounts; the first read attempt fails naming a customer's e-mail. */
function accountActivities(written: Map<string, TargetRow>): RowActivities {
  return {
    async beginTask() {
      return { pendingWatermark: { kind: 'modified-since', value: '2026-01-01T00:00:00Z' } };
    },
    async readPage() {
      if (Context.current().info.attempt === 1) {
        throw new Error(`connection reset while reading the account of ${ACCOUNT.emailaddress1}`);
      }
      const rows = [ACCOUNT, SECOND];
      return { rows, lookups: {}, deleted: [], failures: [], bytes: JSON.stringify(rows).length };
    },
    async transformPage(input) {
      const rows: TargetRow[] = [];
      const failures: RowFailure[] = [];
      for (const row of input.rows as Account[]) {
        if (!row.emailaddress1.includes('@')) {
          failures.push({
            task: input.task.name,
            sourceKey: row.accountnumber,
            field: 'emailaddress1',
            code: 'invalid-email',
            message: `${row.emailaddress1} of ${row.name} is not an e-mail address`,
          });
          continue;
        }
        rows.push({
          sourceKey: row.accountnumber,
          entitySet: 'CustomersV3',
          key: { CustomerAccount: row.accountnumber, dataAreaId: 'usmf' },
          fields: {
            OrganizationName: row.name,
            PrimaryContactEmail: row.emailaddress1,
            PrimaryContactPhone: row.telephone1,
          },
        });
      }
      return { rows, failures, filtered: 0 };
    },
    async writePage(input) {
      for (const row of input.rows) written.set(row.sourceKey, row);
      return {
        created: input.rows.length,
        updated: 0,
        unchanged: 0,
        failed: input.failures.length,
        failures: input.failures,
      };
    },
    async finishTask() {
      return undefined;
    },
  };
}

const syncInput: EntitySyncInput = {
  ref: {
    project: 'codec',
    task: 'accounts',
    partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
    runId: 'p2c/codec/t',
  },
  task: {
    name: 'accounts',
    title: 'Accounts to customers',
    direction: 'sales-to-fno',
    source: { system: 'sales', entitySet: 'accounts', keyFields: ['accountnumber'] },
    target: { system: 'fno', entitySet: 'CustomersV3', keyFields: ['CustomerAccount', 'dataAreaId'] },
    fieldMap: [],
    dependsOn: [],
  } as unknown as EntitySyncInput['task'],
  mode: 'full',
  settings: DEFAULT_SYNC_SETTINGS,
};

/** A plain copy with every bytes field as raw text (protobufjs' own toJSON would show base64 and hide clear text). */
function withBytesAsText(value: unknown): unknown {
  // ArrayBuffer.isView, not instanceof: jest runs tests in another realm than the SDK's Buffers.
  if (ArrayBuffer.isView(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
  if (Array.isArray(value)) return value.map(withBytesAsText);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, withBytesAsText(field)]));
  }
  return value;
}

function historyText(history: History): string {
  return JSON.stringify(withBytesAsText(history));
}

/** The failure Temporal kept from the failed first read attempt (recorded on the attempt that then succeeded). */
function retriedReadFailure(history: History): temporal.api.failure.v1.IFailure {
  const failures = (history.events ?? [])
    .map((event) => event.activityTaskStartedEventAttributes?.lastFailure)
    .filter((failure): failure is temporal.api.failure.v1.IFailure => !!failure);
  expect(failures).toHaveLength(1);
  return failures[0];
}

function completedResult(history: History): Payload[] {
  const completed = (history.events ?? []).find((event) => event.workflowExecutionCompletedEventAttributes);
  return completed!.workflowExecutionCompletedEventAttributes!.result!.payloads!;
}

const toWire = (payload: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
  ),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});
const fromWire = (payload: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(payload.data, 'base64'),
});

describe('payload encryption on a real run', () => {
  let env: TestWorkflowEnvironment;
  const codecConfig = loadCodecConfig({ P2C_CODEC_KEYS: `k1:${randomBytes(32).toString('base64')}` })!;

  beforeAll(async () => {
    env = await devServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function runAccounts(dataConverter: DataConverter | undefined) {
    const taskQueue = uniqueQueue('codec');
    const written = new Map<string, TargetRow>();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: withTransformAndWrite(accountActivities(written)),
      dataConverter,
    });
    const client = new Client({ connection: env.connection, namespace: 'default', dataConverter });
    return worker.runUntil(async () => {
      const handle = await client.workflow.start(entitySync, {
        taskQueue,
        workflowId: uniqueQueue('codec-accounts'),
        args: [syncInput],
      });
      const result: TaskResult = await handle.result();
      return { result, written, workflowId: handle.workflowId, history: await handle.fetchHistory() };
    });
  }

  test('without a codec the history shows the customer data and the failure message (control)', async () => {
    const { result, history } = await runAccounts(dataConverterFor(undefined));
    expect(result.counters.created).toBe(1);
    const text = historyText(history);
    for (const secret of SECRETS) expect(text).toContain(secret);
    expect(retriedReadFailure(history).message).toContain(ACCOUNT.emailaddress1);
  });

  test('with the codec nothing is in clear text, and the codec server decodes the stored payloads', async () => {
    const { result, written, history } = await runAccounts(dataConverterFor(codecConfig));
    // The run itself saw the real values: the codec is transparent to workflow and activities.
    expect(result.counters).toMatchObject({ read: 2, created: 1, failed: 1 });
    expect(written.get(ACCOUNT.accountnumber)?.fields.PrimaryContactEmail).toBe(ACCOUNT.emailaddress1);
    expect(result.failureSample[0].message).toContain(SECOND.name);

    const text = historyText(history);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).toContain('binary/encrypted');
    // Search attributes stay readable so the UI can filter on them; the outcome is nowhere else in clear text.
    expect(text).toContain('CompletedWithWarnings');
    const readFailure = retriedReadFailure(history);
    expect(readFailure.message).toBe('Encoded failure');
    expect(readFailure.stackTrace ?? '').toBe('');

    const server = await startCodecServer({
      port: 0,
      codec: createPayloadCodec(codecConfig.keyRing),
      allowedOrigins: [UI_ORIGIN],
    });
    try {
      const decode = async (payloads: Payload[]) => {
        const response = await fetch(`${server.url}/decode`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Origin: UI_ORIGIN },
          body: JSON.stringify({ payloads: payloads.map(toWire) }),
        });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
        return body.payloads.map((p) => defaultPayloadConverter.fromPayload(fromWire(p)));
      };
      expect(await decode(completedResult(history))).toEqual([JSON.parse(JSON.stringify(result))]);
      const [attributes] = (await decode([readFailure.encodedAttributes!])) as Array<{ message: string }>;
      expect(attributes.message).toBe(`connection reset while reading the account of ${ACCOUNT.emailaddress1}`);
    } finally {
      await server.close();
    }
  });

  test('an encrypted history replays with the same data converter, and cannot be replayed without it', async () => {
    const dataConverter = dataConverterFor(codecConfig);
    const { workflowId, history } = await runAccounts(dataConverter);
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH, dataConverter }, history, workflowId);
    await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, workflowId)).rejects.toThrow(
      /binary\/encrypted/,
    );
  });
});
