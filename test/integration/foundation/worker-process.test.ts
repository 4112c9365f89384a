/**
 * The worker-process helper that crash tests rely on: it always drains the worker's output, and `describeWorker`
 * says how the process ended with the end of what it printed, so a crash test that gives up can say why.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWorker, killHard, spawnWorker } from '../../support/worker-process';

describe('worker process helper', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-worker-process-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const options = (projectFile: string) => ({
    projectFile,
    storeFile: path.join(tmp, 'checkpoints.sqlite'),
    taskQueue: 'worker-process-test',
    temporalAddress: process.env.P2C_TEST_TEMPORAL_ADDRESS!,
    secret: 'unused',
  });
  // 'close' comes after the process exited and its pipes were read to the end.
  const closed = (child: ReturnType<typeof spawnWorker>) =>
    new Promise<void>((resolve) => child.once('close', () => resolve()));

  test('a worker that fails at start is described with its exit code, its log and its stderr', async () => {
    const missing = path.join(tmp, 'no-such-project.yaml');
    const child = spawnWorker(options(missing));
    await closed(child);
    const description = describeWorker(child);
    expect(description).toMatch(new RegExp(`^worker process ${child.pid}: exited with code 1\\n`));
    expect(description).toMatch(/ {2}log \(last part\):\n(?: {4}.*\n)*? {4}\{"level":"fatal".*no-such-project\.yaml/);
    expect(description).toMatch(
      / {2}stderr \(last part\):\n {4}p2c-sync worker: invalid project configuration:\n.*no-such-project\.yaml/,
    );
  });

  test('a killed worker is described as killed; no worker at all is said so', async () => {
    const child = spawnWorker(options(path.join(tmp, 'never-read.yaml')));
    await killHard(child);
    expect(describeWorker(child)).toMatch(new RegExp(`^worker process ${child.pid}: (killed by SIGKILL|exited)`));
    expect(describeWorker(undefined)).toBe('worker process: none started');
  });
});
