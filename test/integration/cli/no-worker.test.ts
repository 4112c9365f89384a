/**
 * What `p2c` says when nothing would move a run: no worker polls its task queue, or the namespace does not exist.
 * A run started on a queue nobody polls waits for ever, so `sync` and `watch` say so at once instead of waiting in
 * silence (and `watch` does not spend a minute on each progress query no worker can answer).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProject } from '../../../mappings/project-file';
import { taskWorkflowId } from '../../../workflows/ids';
import { startE2E, type E2E } from '../../support/e2e';
import { cliEnv, json, runP2c, startP2c, writeProject } from './p2c';

describe('p2c without a worker on the task queue', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-cli-no-worker-'));
  const projectName = `cli-no-worker-${process.pid}`;
  const projectFile = writeProject(dir, projectName);
  const idleQueue = `p2c-nobody-polls-${process.pid}`;
  let e2e: E2E;
  let env: Record<string, string>;
  let idleEnv: Record<string, string>;

  beforeAll(async () => {
    e2e = await startE2E({ seed: { accounts: 10, products: 5, quotes: 0, orders: 0 } }, loadProject(projectFile));
    env = cliEnv(e2e, projectFile);
    idleEnv = { ...env, P2C_TASK_QUEUE: idleQueue };
  });
  afterAll(async () => {
    // Runs on the idle queue never end by themselves (the scheduled one included).
    if (e2e)
      for await (const run of e2e.client.workflow.list({
        query: `P2CProject = '${projectName}' AND ExecutionStatus = 'Running'`,
      }))
        await e2e.client.workflow
          .getHandle(run.workflowId)
          .terminate('test cleanup')
          .catch(() => undefined);
    await e2e?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const warning = `p2c: warning: no worker polls task queue ${idleQueue}: the run waits until one does; start a worker on it (npm run worker) or check P2C_TASK_QUEUE`;

  test('sync says no worker polls the queue; with a worker it says nothing of the kind', async () => {
    const idle = await runP2c(['sync', '--task', 'accounts', '--json'], idleEnv);
    expect(idle.code).toBe(0);
    expect(idle.stderr.trim()).toBe(warning);

    const served = await runP2c(['sync', '--task', 'accounts', '--wait'], env);
    expect([0, 2]).toContain(served.code); // the seed's bad accounts make warnings
    expect(served.stderr).toBe('');
  });

  test('retry-failed, a continuous start and a schedule trigger say so too', async () => {
    const served = json<{ workflowId: string; summary: { tasks: Array<{ failureCount: number }> } }>(
      await runP2c(['sync', '--task', 'accounts', '--full', '--wait', '--json'], env),
    );
    expect(served.summary.tasks[0].failureCount).toBeGreaterThan(0);
    const retry = await runP2c(['retry-failed', served.workflowId, '--json'], idleEnv);
    expect(retry.stderr.trim()).toBe(warning);

    const continuous = await runP2c(['sync', '--continuous', '--task', 'accounts', '--json'], idleEnv);
    expect(continuous.stderr.trim()).toBe(warning);
    const stop = await runP2c(['sync', '--continuous', '--stop', '--task', 'accounts'], idleEnv);
    expect(stop.stderr).toBe('');

    expect((await runP2c(['schedule', 'set', '--every', '1h', '--task', 'accounts'], idleEnv)).code).toBe(0);
    try {
      const trigger = await runP2c(['schedule', 'trigger'], idleEnv);
      expect(trigger.code).toBe(0);
      expect(trigger.stderr.trim()).toBe(warning);
    } finally {
      await runP2c(['schedule', 'delete'], idleEnv);
    }
  });

  test('watch says so before it starts watching, and prints the end when the run is ended', async () => {
    const idle = await runP2c(['sync', '--task', 'accounts', '--json'], idleEnv);
    const { workflowId } = json<{ workflowId: string }>(idle);
    const watching = startP2c(['watch', workflowId, '--interval', '200'], idleEnv);
    await watching.waitFor(/^watching /m);
    await e2e.client.workflow.getHandle(workflowId).terminate('no worker');
    const result = await watching.done;
    expect(result.code).toBe(3);
    expect(result.stderr.trim()).toBe(warning);
    expect(result.stdout).toContain(`run ${workflowId}: Failed`);
  });

  test('watch given a task workflow names the run that started it, before printing anything', async () => {
    const served = await runP2c(['sync', '--task', 'accounts', '--wait', '--json'], env);
    const { workflowId } = json<{ workflowId: string }>(served);
    const accounts = taskWorkflowId(projectName, 'accounts', workflowId.split('/').pop()!);
    const watched = await runP2c(['watch', accounts], env);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toBe('');
    expect(watched.stderr.trim()).toBe(
      `p2c: ${accounts} is an entitySync workflow started by ${workflowId}, not a project run (prospectToCash)`,
    );
  });

  test('a namespace the server does not have is named with the variable to check', async () => {
    const result = await runP2c(['status'], { ...env, P2C_NAMESPACE: 'no-such-namespace' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `p2c: namespace no-such-namespace not found on Temporal at ${env.P2C_TEMPORAL_ADDRESS}; check P2C_NAMESPACE`,
    );
  });
});
