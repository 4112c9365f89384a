/**
 * The worker process is killed (SIGKILL) twice in the middle of a run and started again: the run completes and the
 * target holds exactly what an undisturbed run produces — every expected row, field for field, and nothing else.
 */
import path from 'node:path';
import { Client } from '@temporalio/client';
import { startProjectRun } from '../../../client/run';
import type { ProjectRunSummary } from '../../../common/sync-types';
import { resolveTasks } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import { progressQuery } from '../../../workflows';
import { runTimeStamp, taskWorkflowId } from '../../../workflows/ids';
import { differences, expectedRows } from '../../support/expectations';
import { describeWaiting, resultWithin, uniqueQueue } from '../../support/temporal';
import { crashSuite, describeWorker, killHard, spawnWorker, writeProjectFile } from '../../support/worker-process';

const TASKS = ['products', 'accounts', 'contactsToCustomers', 'contactPersons'];

describe('worker killed mid-run', () => {
  const suite = crashSuite({ seed: { accounts: 1500, products: 100, quotes: 0, orders: 0 } }, 'p2c-crash-');

  test('two SIGKILLs during accounts: no row lost, none duplicated, every field as the template says', async () => {
    const { emulators, clients, connection, tmp } = suite;
    const projectFile = writeProjectFile(tmp, emulators);
    const project = loadProject(projectFile);
    const options = {
      projectFile,
      storeFile: path.join(tmp, 'checkpoints.sqlite'),
      taskQueue: uniqueQueue('crash'),
      temporalAddress: process.env.P2C_TEST_TEMPORAL_ADDRESS!,
      secret: emulators.connection.clientSecret,
      env: suite.workerEnv,
    };
    const client = new Client({ connection });
    suite.worker = spawnWorker(options);
    const now = new Date();
    const run = await startProjectRun(client, project, {
      tasks: TASKS,
      mode: 'full',
      taskQueue: options.taskQueue,
      now,
    });
    const accountsId = taskWorkflowId(project.name, 'accounts', runTimeStamp(now));

    for (const killAtPage of [2, 5]) {
      // Kill the worker once the accounts task has read some pages, then start a fresh one. A restart costs up to a
      // heartbeat timeout (20 s) for the activity the killed worker held, and a workflow task timeout (10 s). The
      // wait is bounded well beyond that, and so is each query: one sent while the killed worker still held the task
      // may wait on it.
      const waitMs = 120_000;
      const giveUpAt = Date.now() + waitMs;
      let page = 0;
      let answer = 'none yet';
      while (page < killAtPage && Date.now() < giveUpAt) {
        page = await client
          .withDeadline(Date.now() + 5_000, () => client.workflow.getHandle(accountsId).query(progressQuery))
          .then((p) => ((answer = `page ${p.page}`), p.page))
          .catch((err: Error) => ((answer = err.message), 0));
        if (page < killAtPage) await new Promise((r) => setTimeout(r, 100));
      }
      if (page < killAtPage) {
        const waiting = await describeWaiting(client, run.handle.workflowId);
        throw new Error(
          `the accounts task did not reach page ${killAtPage} within ${waitMs / 1000} s ` +
            `(last answer to the progress query: ${answer}):\n${waiting}\n${describeWorker(suite.worker)}`,
        );
      }
      await killHard(suite.worker);
      suite.worker = spawnWorker(options);
    }

    // A hang fails here, naming what the run waits on, well before the test's own timeout.
    const summary = await resultWithin<ProjectRunSummary>(client, run.handle, 150_000, () =>
      describeWorker(suite.worker),
    );
    const partition = project.partitions[0];
    const definitions = new Map(resolveTasks(project).map((t) => [t.name, t]));
    let expectedCustomers = 0;
    for (const name of TASKS) {
      const expected = await expectedRows(clients, definitions.get(name)!, partition);
      expect(await differences(clients, expected)).toEqual([]);
      if (name === 'accounts' || name === 'contactsToCustomers') expectedCustomers += expected.length;
    }
    // Nothing beyond the expected rows: one customer per business key.
    const keys: string[] = [];
    for await (const page of clients.fno.readPages('CustomersV2', {
      select: ['CustomerAccount'],
      pageSize: 5000,
      crossCompany: true,
    })) {
      keys.push(...page.rows.map((r) => String(r.CustomerAccount)));
    }
    expect(keys.length).toBe(expectedCustomers);
    expect(new Set(keys).size).toBe(keys.length);
    const accounts = summary.tasks.find((t) => t.task === 'accounts')!;
    expect(accounts.counters.read).toBe(1500);
  }, 480_000);
});
