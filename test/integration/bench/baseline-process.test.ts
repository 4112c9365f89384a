/**
 * The baseline in a process of its own: a copy against running emulators comes back with what the in-harness copy
 * reports, timed inside that process, and a process that fails says why.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectionToEmulators } from '../../../client/local-stack';
import { startEmulators, type Emulators } from '../../../emulators';
import { runBaselineProcess } from '../../../bench/harness/baseline-process';
import { BENCH_TASKS, type EngineSettings } from '../../../bench/harness/scenario';
import { writeProjectFile } from '../../support/worker-process';

const ENGINE: EngineSettings = {
  pageSize: 50,
  pipelineDepth: 2,
  maxPageBytes: 131_072,
  writeConcurrency: 4,
  documentConcurrency: 16,
};
const OPTIONS = { pageSize: 50, writesInFlight: 4, documentConcurrency: 4 };

describe('baseline process', () => {
  let emulators: Emulators;
  let dir: string;
  beforeAll(async () => {
    emulators = await startEmulators({ seed: { accounts: 60, orders: 0 }, serviceProtection: false });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-baseline-process-'));
  });
  afterAll(async () => {
    await emulators.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('copies every task in a process of its own and reports rows, writes and each task’s time', async () => {
    const before = emulators.fno.stats().requests;
    const run = await runBaselineProcess({
      connection: connectionToEmulators(emulators.connection),
      projectFile: writeProjectFile(dir, emulators),
      engine: ENGINE,
      tasks: BENCH_TASKS,
      options: OPTIONS,
    });
    expect(run.seconds).toBeGreaterThan(0);
    expect(run.value.rowsRead).toBeGreaterThanOrEqual(60 + 90);
    expect(run.value.written).toBeGreaterThan(0);
    expect(run.value.tasks.map((t) => t.task).sort()).toEqual(
      ['accounts', 'contactPersons', 'contactsToCustomers', 'products', 'quoteHeaders'].sort(),
    );
    // The copy went over HTTP to these emulators.
    expect(emulators.fno.stats().requests).toBeGreaterThan(before);
  }, 120_000);

  test('a process that cannot copy fails with its reason', async () => {
    await expect(
      runBaselineProcess({
        connection: connectionToEmulators(emulators.connection),
        projectFile: path.join(dir, 'missing.yaml'),
        engine: ENGINE,
        tasks: BENCH_TASKS,
        options: OPTIONS,
      }),
    ).rejects.toThrow(/the baseline process exited with code 1 .*missing\.yaml/s);
  }, 60_000);
});
