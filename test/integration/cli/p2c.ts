/** Runs the real `p2c` executable as a child process, so tests see its real output and exit code. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { E2E } from '../../support/e2e';

export const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'client/bin/p2c.js');

export interface P2cResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it: `bin/p2c.js` from the project folder, with these variables added. */
function spawnP2c(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runP2c(args: string[], env: Record<string, string>): Promise<P2cResult> {
  return new Promise((resolve, reject) => {
    const child = spawnP2c(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses stdout as JSON and says what the command printed when it is not JSON. */
export function json<T = Record<string, unknown>>(result: P2cResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`p2c printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** A copy of the example project under its own name, so runs of other test files never mix with this one's. */
export function writeProject(dir: string, name: string, pageSize?: number): string {
  const source = fs.readFileSync(path.join(ROOT, 'examples/project.yaml'), 'utf8');
  if (!/^name: .+$/m.test(source) || !/^ {2}pageSize: \d+$/m.test(source))
    throw new Error('examples/project.yaml has no top-level name or engine.pageSize');
  let text = source.replace(/^name: .+$/m, `name: ${name}`);
  if (pageSize) text = text.replace(/^ {2}pageSize: \d+$/m, `  pageSize: ${pageSize}`);
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

/** A running `p2c` whose output the test reads while it runs (for `watch`). */
export function startP2c(args: string[], env: Record<string, string>) {
  const child = spawnP2c(args, env);
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of [...waiters]) {
      const match = stdout.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<P2cResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    done,
    /** Resolves at the first output matching the pattern; rejects if the process ends first. */
    waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      const match = stdout.match(pattern);
      if (match) return Promise.resolve(match);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void done.then((result) =>
          reject(
            new Error(
              `p2c ended (exit ${result.code}) before printing ${pattern}:\n${result.stdout}\n${result.stderr}`,
            ),
          ),
        );
      });
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** Settings of a CLI child process pointed at the e2e stack (its worker's task queue and checkpoint store). */
export function cliEnv(e2e: Pick<E2E, 'stack' | 'tmp'>, projectFile: string) {
  return {
    P2C_TEMPORAL_ADDRESS: process.env.P2C_TEST_TEMPORAL_ADDRESS!,
    P2C_NAMESPACE: 'default',
    P2C_TASK_QUEUE: e2e.stack.taskQueue,
    P2C_PROJECT_FILE: projectFile,
    P2C_CHECKPOINT_STORE: path.join(e2e.tmp, 'checkpoints.sqlite'),
    P2C_UI_URL: UI_URL,
  };
}

export const UI_URL = 'http://127.0.0.1:8233';
