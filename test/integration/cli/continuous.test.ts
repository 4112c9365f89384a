/**
 * `p2c sync --continuous` and `--stop` as a child process against the shared dev server, a real worker and both
 * emulators: what each says about a workflow that runs, one that was stopped, and one never started.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProject } from '../../../mappings/project-file';
import { continuousWorkflowId } from '../../../workflows/continuousSync';
import { startE2E, type E2E } from '../../support/e2e';
import { cliEnv, json, runP2c, writeProject } from './p2c';

type Line = { workflowId: string; state: string };

describe('p2c sync --continuous', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-cli-continuous-'));
  const projectName = `cli-continuous-${process.pid}`;
  const projectFile = writeProject(dir, projectName);
  const accounts = continuousWorkflowId(projectName, 'accounts', 'usmf');
  const products = continuousWorkflowId(projectName, 'products', 'usmf');
  let e2e: E2E;
  let env: Record<string, string>;
  const p2c = async (...args: string[]) => json<Line[]>(await runP2c(args, env));
  const states = (lines: Line[]) => Object.fromEntries(lines.map((l) => [l.workflowId, l.state]));

  beforeAll(async () => {
    e2e = await startE2E({ seed: { accounts: 20, products: 20, quotes: 0, orders: 0 } }, loadProject(projectFile));
    env = cliEnv(e2e, projectFile);
  });
  afterAll(async () => {
    await e2e?.client.workflow
      .getHandle(accounts)
      .terminate('test cleanup')
      .catch(() => undefined);
    await e2e?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--stop stops a running workflow and says "not running" for one already stopped or never started', async () => {
    expect(states(await p2c('sync', '--continuous', '--task', 'accounts', '--json'))).toEqual({
      [accounts]: 'started',
    });
    expect(states(await p2c('sync', '--continuous', '--task', 'accounts', '--json'))).toEqual({
      [accounts]: 'already running',
    });

    expect(states(await p2c('sync', '--continuous', '--stop', '--task', 'accounts', 'products', '--json'))).toEqual({
      [accounts]: 'stopping',
      [products]: 'not running',
    });
    const handle = e2e.client.workflow.getHandle(accounts);
    await handle.result().catch(() => undefined);
    expect((await handle.describe()).status.name).toBe('CANCELLED');

    expect(states(await p2c('sync', '--continuous', '--stop', '--task', 'accounts', '--json'))).toEqual({
      [accounts]: 'not running',
    });
  });
});
