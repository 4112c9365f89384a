/** The run-end alert activity: what it reads from the checkpoint store and sends for a run. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createRunEndActivities } from '../../../activities/alerts';
import type { RunAlert, RunSummaryForAlert } from '../../../common/alerts';
import { openCheckpointStore, type CheckpointStore } from '../../../common/checkpoint-store';
import { emptyCounters, type Counters, type TaskOutcome } from '../../../common/sync-types';
import { startLocalWebhook, type LocalWebhook } from './local-servers';

const RUN = 'p2c/demo/20261125T120000Z';
const AT = '2026-11-25T12:00:30.000Z';

function summary(outcome: TaskOutcome, counters: Partial<Counters>): RunSummaryForAlert {
  return {
    project: 'demo',
    runId: RUN,
    outcome,
    startedAt: '2026-11-25T12:00:00.000Z',
    endedAt: '2026-11-25T12:01:00.000Z',
    tasks: [
      {
        task: 'accounts',
        partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
        outcome,
        counters: { ...emptyCounters(), ...counters },
        failureCount: counters.failed ?? 0,
        startedAt: '2026-11-25T12:00:00.000Z',
        endedAt: '2026-11-25T12:01:00.000Z',
      },
    ],
  };
}

describe('sendRunAlert', () => {
  let dir: string;
  let store: CheckpointStore;
  let hook: LocalWebhook;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-run-alert-'));
    store = await openCheckpointStore({ kind: 'sqlite', file: path.join(dir, 'store.sqlite') });
    hook = await startLocalWebhook();
    await store.addFailures(RUN, [
      { task: 'accounts', sourceKey: 'ACC-1', field: 'name', code: 'value-too-long', message: 'name too long', at: AT },
    ]);
    await store.addWarnings(RUN, [
      { task: 'accounts', sourceKey: 'ACC-2', field: 'description', code: 'value-truncated', message: 'cut', at: AT },
      {
        task: 'accounts',
        sourceKey: 'ACC-3',
        field: 'address1_country',
        code: 'country-defaulted',
        message: 'US',
        at: AT,
      },
    ]);
  });
  afterEach(async () => {
    await Promise.all([store.close(), hook.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const send = (run: RunSummaryForAlert) => {
    const { sendRunAlert } = createRunEndActivities({
      store,
      runEnd: { alerts: { webhookUrl: hook.url }, retentionDays: 90 },
    });
    return new MockActivityEnvironment().run(sendRunAlert, run);
  };

  test("an alert sent for a run counts the run's stored warnings", async () => {
    const result = await send(summary('CompletedWithWarnings', { read: 3, created: 2, failed: 1, warnings: 2 }));
    expect(result).toEqual({ sent: true, channels: ['webhook'], reasons: ['warnings'] });
    const [alert] = hook.bodies as RunAlert[];
    expect(alert).toEqual(expect.objectContaining({ runId: RUN, failureCount: 1, warningCount: 2 }));
    expect(alert.tasks).toEqual([expect.objectContaining({ task: 'accounts', failed: 1, warnings: 2 })]);
  });

  test('warnings alone send no alert', async () => {
    const result = await send(summary('Completed', { read: 2, created: 2, warnings: 2 }));
    expect(result).toEqual({ sent: false, channels: [], reasons: [] });
    expect(hook.bodies).toEqual([]);
  });
});
