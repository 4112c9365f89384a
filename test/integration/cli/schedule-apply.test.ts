/**
 * `p2c schedule apply` against a real Temporal server: the project file's `schedules:` become Temporal Schedules
 * identical to the ones `p2c schedule set` makes; a paused schedule stays paused unless the file says otherwise;
 * a changed file applied with --prune updates, creates and deletes until the server matches it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { uniqueQueue } from '../../support/temporal';
import { cliEnv, json, runP2c, UI_URL, writeProject } from './p2c';

interface ApplyResult {
  project: string;
  dryRun: boolean;
  prune: boolean;
  schedules: Array<{ name: string; scheduleId: string; outcome: string; changes: string[]; error?: string }>;
}

describe('p2c schedule apply', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-cli-schedule-apply-'));
  const projectName = `cli-schedule-apply-${process.pid}`;
  const projectFile = writeProject(dir, projectName);
  const example = fs.readFileSync(projectFile, 'utf8');
  const own = `p2c/${projectName}`;
  const ids = {
    own,
    masterData: `${own}/master-data`,
    hourly: `${own}/hourly`,
    adhoc: `${own}/adhoc`,
    reports: `${own}/reports`,
  };
  let connection: Connection;
  let client: Client;
  let env: Record<string, string>;
  const p2c = (...args: string[]) => runP2c(args, env);
  const apply = async (...args: string[]) => {
    const result = await p2c('schedule', 'apply', '--json', ...args);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return json<ApplyResult>(result);
  };
  const outcomes = (result: ApplyResult) => Object.fromEntries(result.schedules.map((s) => [s.scheduleId, s.outcome]));
  const describe_ = (id: string) => client.schedule.getHandle(id).describe();
  const writeSchedules = (yaml: string) => fs.writeFileSync(projectFile, `${example}\n${yaml}`);

  /** Listing is eventually consistent; apply finds the schedules the file does not name by listing. */
  async function listed(wanted: string[]): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const seen = new Set<string>();
      for await (const summary of client.schedule.list()) seen.add(summary.scheduleId);
      if (wanted.every((id) => seen.has(id))) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`schedules ${wanted.join(', ')} not listed`);
  }

  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.P2C_TEST_TEMPORAL_ADDRESS! });
    client = new Client({ connection });
    // Nothing polls this queue: the test looks at schedules, and never lets one start a run.
    const stack = { taskQueue: uniqueQueue('schedule-apply') } as Parameters<typeof cliEnv>[0]['stack'];
    env = { ...cliEnv({ stack, tmp: dir }, projectFile), P2C_UI_URL: UI_URL };
  });
  afterAll(async () => {
    for (const id of Object.values(ids))
      await client?.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    if (client)
      for await (const run of client.workflow.list({
        query: `P2CProject = '${projectName}' AND ExecutionStatus = 'Running'`,
      }))
        await client.workflow
          .getHandle(run.workflowId)
          .terminate('test cleanup')
          .catch(() => undefined);
    await connection?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a file without schedules: is refused', async () => {
    const result = await p2c('schedule', 'apply');
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `p2c: ${projectFile} has no schedules; add e.g. \`schedules: { default: { every: 15m } }\` (\`schedules: {}\` for none)`,
    );
  });

  test('creates and updates what the file names, keeps the rest, and leaves a paused schedule paused', async () => {
    // Made by hand before the file had schedules: the project's own one, paused with a note, and an extra one.
    expect((await p2c('schedule', 'set', '--every', '30m', '--paused')).code).toBe(0);
    expect((await p2c('schedule', 'pause', '--note', 'F&O upgrade tonight')).code).toBe(0);
    expect((await p2c('schedule', 'set', '--id', 'adhoc', '--every', '2h', '--paused')).code).toBe(0);
    await listed([ids.own, ids.adhoc]);

    writeSchedules(
      [
        'schedules:',
        '  default: { every: 24h }',
        '  master-data:',
        '    every: 12h',
        '    tasks: [products, accounts]',
        '    mode: full',
        '    catchup: 30m',
        '    paused: true',
        '    note: applied from the project file',
      ].join('\n'),
    );

    const dryRun = await apply('--dry-run');
    expect(dryRun).toMatchObject({ project: projectName, dryRun: true, prune: false });
    expect(outcomes(dryRun)).toEqual({
      [ids.own]: 'would update',
      [ids.masterData]: 'would create',
      [ids.adhoc]: 'kept',
    });
    expect(dryRun.schedules[0].changes).toEqual(['every 30m00s → 24h00m']);
    await expect(describe_(ids.masterData)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await describe_(ids.own)).spec.intervals![0].every).toBe(30 * 60_000);

    const text = await p2c('schedule', 'apply');
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^schedule\s+outcome\s+changes$/);
    expect(text.stdout).toMatch(new RegExp(`^${ids.own}\\s+updated\\s+every 30m00s → 24h00m$`, 'm'));
    expect(text.stdout).toMatch(
      new RegExp(
        `^${ids.masterData}\\s+created\\s+every 12h00m; full; tasks products, accounts; catch-up 30m00s; paused; note "applied from the project file"$`,
        'm',
      ),
    );
    expect(text.stdout).toMatch(
      new RegExp(`^${ids.adhoc}\\s+kept\\s+not in the project file; --prune deletes it$`, 'm'),
    );

    const ownSchedule = await describe_(ids.own);
    expect(ownSchedule.spec.intervals![0].every).toBe(24 * 3_600_000);
    expect(ownSchedule.state).toMatchObject({ paused: true, note: 'F&O upgrade tonight' });
    const masterData = await describe_(ids.masterData);
    expect(masterData.state).toMatchObject({ paused: true, note: 'applied from the project file' });
    expect(masterData.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 30 * 60_000 });
    expect(masterData.action).toMatchObject({
      workflowType: 'prospectToCash',
      workflowId: `p2c/${projectName}/scheduled-master-data`,
      taskQueue: env.P2C_TASK_QUEUE,
    });
    const input = (masterData.action as { args: Array<{ mode: string; tasks: Array<{ name: string }> }> }).args[0];
    expect(input.mode).toBe('full');
    expect(input.tasks.map((t) => t.name)).toEqual(['products', 'accounts']);

    // Applied again: nothing to do.
    expect(outcomes(await apply())).toEqual({
      [ids.own]: 'unchanged',
      [ids.masterData]: 'unchanged',
      [ids.adhoc]: 'kept',
    });
  });

  test('a schedule made by set with the same settings is the one apply makes', async () => {
    const set = await p2c(
      'schedule',
      'set',
      '--id',
      'master-data',
      '--every',
      '12h',
      '--task',
      'products',
      'accounts',
      '--full',
      '--catchup',
      '30m',
    );
    expect(set.stdout).toContain(`updated schedule ${ids.masterData}: every 12h00m, full`);
    expect(outcomes(await apply())[ids.masterData]).toBe('unchanged');
    // And the other way round: set with other settings, apply puts the file's back.
    await p2c('schedule', 'set', '--id', 'master-data', '--every', '6h', '--task', 'products');
    const result = await apply();
    expect(result.schedules.find((s) => s.scheduleId === ids.masterData)).toMatchObject({
      outcome: 'updated',
      changes: [
        'every 6h00m → 12h00m',
        'mode incremental → full',
        'tasks products → products, accounts',
        'catch-up 10m00s → 30m00s',
      ],
    });
  });

  test('pause and resume without --note keep the note', async () => {
    expect((await p2c('schedule', 'resume', '--id', 'master-data')).code).toBe(0);
    expect((await describe_(ids.masterData)).state).toMatchObject({
      paused: false,
      note: 'applied from the project file',
    });
    expect((await p2c('schedule', 'pause', '--id', 'master-data')).code).toBe(0);
    expect((await describe_(ids.masterData)).state).toMatchObject({
      paused: true,
      note: 'applied from the project file',
    });
  });

  test('a changed file applied with --prune: updates, creates, resumes and deletes', async () => {
    writeSchedules(
      [
        'schedules:',
        '  default: { every: 24h, tasks: [accounts], paused: false }',
        '  hourly: { every: 1h, tasks: [quoteHeaders], paused: true, note: starts after the go-live }',
      ].join('\n'),
    );
    await listed([ids.own, ids.masterData, ids.adhoc]);
    const result = await apply('--prune');
    expect(result.prune).toBe(true);
    expect(outcomes(result)).toEqual({
      [ids.own]: 'updated',
      [ids.hourly]: 'created',
      [ids.adhoc]: 'deleted',
      [ids.masterData]: 'deleted',
    });
    expect(result.schedules[0].changes).toEqual([
      expect.stringMatching(/^tasks products, accounts, .* → accounts$/),
      'paused → active',
    ]);

    await expect(describe_(ids.masterData)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    await expect(describe_(ids.adhoc)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    const ownSchedule = await describe_(ids.own);
    expect(ownSchedule.state).toMatchObject({ paused: false, note: 'F&O upgrade tonight' });
    const ownInput = (ownSchedule.action as { args: Array<{ tasks: Array<{ name: string }> }> }).args[0];
    expect(ownInput.tasks.map((t) => t.name)).toEqual(['accounts']);
    const hourly = await describe_(ids.hourly);
    expect(hourly.state).toMatchObject({ paused: true, note: 'starts after the go-live' });
    expect(hourly.action).toMatchObject({ workflowId: `p2c/${projectName}/scheduled-hourly` });
    const hourlyInput = (hourly.action as { args: Array<{ tasks: Array<{ name: string }> }> }).args[0];
    expect(hourlyInput.tasks.map((t) => t.name)).toEqual(['quoteHeaders', 'quoteLines']);

    // The own schedule runs again now: keep it from starting runs nobody works on.
    expect((await p2c('schedule', 'pause')).code).toBe(0);
  });

  test('a schedule the file names but apply has not made yet is made with apply, not set', async () => {
    writeSchedules(['schedules:', '  reports: { every: 6h, paused: true }'].join('\n'));
    const missing = await p2c('schedule', 'trigger', '--id', 'reports');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      `p2c: no schedule ${ids.reports}; the project file's schedules: has it; create it with p2c schedule apply`,
    );
    expect((await p2c('schedule', 'list', '--id', 'reports')).stdout.trim()).toBe(
      `no schedules for ${ids.reports}; the project file's schedules: has it; create it with p2c schedule apply`,
    );
    // One the file does not name is still made with set.
    const other = await p2c('schedule', 'pause', '--id', 'weekly');
    expect(other.stderr.trim()).toBe(
      `p2c: no schedule ${own}/weekly; create it with p2c schedule set --id weekly --every 15m`,
    );
  });
});
