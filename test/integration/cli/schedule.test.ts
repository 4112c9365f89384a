/**
 * `p2c schedule` on a real Temporal Schedule: the action is the same project run `p2c sync` starts; two triggered
 * runs in a row, the second incremental; pause, resume, backfill and delete.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProjectRunSummary } from '../../../common/sync-types';
import { loadProject } from '../../../mappings/project-file';
import { startE2E, taskResult, type E2E } from '../../support/e2e';
import { cliEnv, json, runP2c, writeProject } from './p2c';

interface ScheduleView {
  scheduleId: string;
  every: string;
  mode: string;
  tasks: string[];
  paused: boolean;
  note?: string;
  recentRuns: string[];
}

describe('p2c schedule', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-cli-schedule-'));
  const projectName = `cli-schedule-${process.pid}`;
  const projectFile = writeProject(dir, projectName);
  const scheduleId = `p2c/${projectName}`;
  let e2e: E2E;
  let env: Record<string, string>;
  const p2c = (...args: string[]) => runP2c(args, env);
  const list = async () => json<{ schedules: ScheduleView[] }>(await p2c('schedule', 'list', '--json')).schedules;

  beforeAll(async () => {
    e2e = await startE2E({ seed: { accounts: 60, products: 20, quotes: 0, orders: 0 } }, loadProject(projectFile));
    env = cliEnv(e2e, projectFile);
  });
  afterAll(async () => {
    await e2e?.client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch(() => undefined);
    await e2e?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('set creates the schedule and list shows it', async () => {
    const set = await p2c('schedule', 'set', '--every', '1h', '--task', 'accounts');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`created schedule ${scheduleId}: every 1h00m, incremental`);
    const description = await e2e.client.schedule.getHandle(scheduleId).describe();
    expect(description.policies.overlap).toBe('SKIP');
    expect(description.policies.catchupWindow).toBe(10 * 60 * 1000);
    expect(description.action.workflowType).toBe('prospectToCash');
    expect(description.action.taskQueue).toBe(e2e.stack.taskQueue);

    const again = await p2c('schedule', 'set', '--every', '30m', '--task', 'accounts', '--catchup', '5m');
    expect(again.stdout).toContain(`updated schedule ${scheduleId}: every 30m00s`);
    expect((await e2e.client.schedule.getHandle(scheduleId).describe()).policies.catchupWindow).toBe(5 * 60 * 1000);

    const [view] = await list();
    expect(view).toMatchObject({
      scheduleId,
      every: '30m00s',
      mode: 'incremental',
      tasks: ['accounts'],
      paused: false,
    });
  });

  test('two triggered runs: the first reads every account, the second only the ones changed since', async () => {
    const first = await p2c('schedule', 'trigger', '--wait', '--json');
    const firstRun = json<{ workflowId: string; outcome: string; summary: ProjectRunSummary }>(first);
    expect(firstRun.workflowId.startsWith(`p2c/${projectName}/scheduled`)).toBe(true);
    expect(first.code).toBe(2); // the seed's bad accounts
    const allAccounts = taskResult(firstRun.summary, 'accounts').counters.read;
    expect(allAccounts).toBeGreaterThanOrEqual(50);

    const changed = 2;
    const failedKeys = new Set((await e2e.stack.store.listFailures(firstRun.workflowId)).map((f) => f.sourceKey));
    const page = await e2e.stack.clients.dataverse.readPage('accounts', { select: ['accountnumber'], pageSize: 20 });
    const edited = page.rows
      .map((r) => r.accountnumber as string | null)
      .filter((k): k is string => !!k && !failedKeys.has(k))
      .slice(0, changed);
    const outcomes = await e2e.stack.clients.dataverse.upsertBatch(
      edited.map((accountnumber, i) => ({
        sourceKey: accountnumber,
        entitySet: 'accounts',
        key: { accountnumber },
        fields: { telephone1: `+1 555 0199 ${i}` },
      })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(edited.map(() => 'updated'));

    const second = await p2c('schedule', 'trigger', '--wait', '--json');
    const secondRun = json<{ workflowId: string; summary: ProjectRunSummary }>(second);
    expect(second.code).toBe(0);
    expect(secondRun.workflowId).not.toBe(firstRun.workflowId);
    expect(taskResult(secondRun.summary, 'accounts').counters).toMatchObject({ read: changed, updated: changed });

    const [view] = await list();
    expect(view.recentRuns).toEqual(expect.arrayContaining([firstRun.workflowId, secondRun.workflowId]));

    // The execution history names the schedule that started each run.
    const status = json<{ runs: Array<{ workflowId: string; schedule?: string }> }>(await p2c('status', '--json'));
    expect(status.runs.map((r) => [r.workflowId, r.schedule])).toEqual([
      [secondRun.workflowId, scheduleId],
      [firstRun.workflowId, scheduleId],
    ]);
  });

  test('a named schedule names its runs; runs of two schedules go at once and status shows both', async () => {
    const named = `${scheduleId}/master-data`;
    const set = await p2c('schedule', 'set', '--id', 'master-data', '--every', '1h', '--task', 'products');
    expect(set.stdout).toContain(`created schedule ${named}: every 1h00m, incremental`);
    try {
      const [fromDefault, fromNamed] = await Promise.all([
        p2c('schedule', 'trigger', '--wait', '--json'),
        p2c('schedule', 'trigger', '--id', 'master-data', '--wait', '--json'),
      ]);
      const defaultRun = json<{ workflowId: string }>(fromDefault).workflowId;
      const namedRun = json<{ workflowId: string }>(fromNamed).workflowId;
      // The project's own schedule keeps its run names; a named schedule's carry the name.
      expect(defaultRun).toMatch(new RegExp(`^p2c/${projectName}/scheduled-\\d{4}-\\d{2}-\\d{2}T`));
      expect(namedRun).toMatch(new RegExp(`^p2c/${projectName}/scheduled-master-data-\\d{4}-\\d{2}-\\d{2}T`));
      // Both ran to their end (the seed's bad rows make warnings, exit 2).
      expect([fromDefault.code, fromNamed.code].every((code) => code === 0 || code === 2)).toBe(true);

      const status = json<{ runs: Array<{ workflowId: string; schedule?: string }> }>(
        await p2c('status', '--limit', '2', '--json'),
      );
      expect(new Map(status.runs.map((r) => [r.workflowId, r.schedule]))).toEqual(
        new Map([
          [defaultRun, scheduleId],
          [namedRun, named],
        ]),
      );
      const views = await list();
      expect(views.find((v) => v.scheduleId === named)?.recentRuns).toEqual([namedRun]);
      // --id narrows the list to that schedule.
      const only = json<{ schedules: ScheduleView[] }>(await p2c('schedule', 'list', '--id', 'master-data', '--json'));
      expect(only.schedules.map((v) => v.scheduleId)).toEqual([named]);
    } finally {
      await p2c('schedule', 'delete', '--id', 'master-data');
    }
  });

  test('pause, resume, backfill and delete', async () => {
    expect((await p2c('schedule', 'pause', '--note', 'maintenance')).stdout).toContain(`paused schedule ${scheduleId}`);
    expect((await list())[0]).toMatchObject({ paused: true, note: 'maintenance' });
    const [header, row] = (await p2c('schedule', 'list')).stdout.trimEnd().split('\n');
    expect(header).toMatch(/\btasks\s+note$/);
    expect(row).toMatch(/\spaused\s.*\saccounts\s+maintenance$/);
    expect((await p2c('schedule', 'resume')).code).toBe(0);
    expect((await list())[0].paused).toBe(false);

    // A window between two ticks of the 30-minute interval: accepted, starts nothing.
    const backfill = await p2c(
      'schedule',
      'backfill',
      '--from',
      '2026-01-01T10:05:00Z',
      '--to',
      '2026-01-01T10:10:00Z',
    );
    expect(backfill.code).toBe(0);
    expect(backfill.stdout).toContain(`backfilling schedule ${scheduleId} from 2026-01-01T10:05:00.000Z`);
    const backwards = await p2c(
      'schedule',
      'backfill',
      '--from',
      '2026-01-02T00:00:00Z',
      '--to',
      '2026-01-01T00:00:00Z',
    );
    expect(backwards.code).toBe(1);
    expect(backwards.stderr.trim()).toBe('p2c: --to must be after --from');

    expect((await p2c('schedule', 'delete')).stdout).toContain(`deleted schedule ${scheduleId}`);
    expect(await list()).toEqual([]);
    const missing = await p2c('schedule', 'trigger');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`p2c: no schedule ${scheduleId}; create it with p2c schedule set --every 15m`);
    // The hint creates the schedule that was asked for, not the project's own.
    const missingNamed = await p2c('schedule', 'pause', '--id', 'nightly');
    expect(missingNamed.code).toBe(1);
    expect(missingNamed.stderr.trim()).toBe(
      `p2c: no schedule ${scheduleId}/nightly; create it with p2c schedule set --id nightly --every 15m`,
    );
  });
});
