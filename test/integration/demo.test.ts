/**
 * `npm start` end to end: its own dev server with the Web UI, the emulators, a worker and a full run; the UI's
 * HTTP API serves the run; Ctrl-C stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isListening } from '../../common/dev-server';
import { waitForLine } from '../support/child-output';

const ROOT = path.resolve(__dirname, '../..');

describe('npm start (demo)', () => {
  let child: ChildProcess | undefined;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-demo-'));
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  test('runs prospect to cash, the UI serves the run, and Ctrl-C stops everything', async () => {
    const temporalPort = await freePort();
    const uiPort = await freePort();
    child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'client/demo.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        P2C_DEMO_TEMPORAL_PORT: String(temporalPort),
        P2C_DEMO_UI_PORT: String(uiPort),
        P2C_DEMO_ACCOUNTS: '150',
        P2C_STATE_DIR: stateDir,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [, workflowId] = await waitForLine(child, /run started: (\S+)/, 120_000);
    const [, outcome] = await waitForLine(child, /run completed: (\S+)/, 150_000);
    expect(['Completed', 'CompletedWithWarnings']).toContain(outcome);
    await waitForLine(child, new RegExp(`Temporal Web UI: http://localhost:${uiPort}`), 10_000);

    const response = await fetch(
      `http://localhost:${uiPort}/api/v1/namespaces/default/workflows/${encodeURIComponent(workflowId)}`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      workflowExecutionInfo: { execution: { workflowId: string }; status: string };
    };
    expect(body.workflowExecutionInfo.execution.workflowId).toBe(workflowId);
    expect(body.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(await isListening('127.0.0.1', temporalPort)).toBe(false);
    expect(await isListening('127.0.0.1', uiPort)).toBe(false);
  });
});
