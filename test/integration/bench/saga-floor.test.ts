/**
 * The saga floor (bench/saga-floor.ts) runs children of each saga shape on the shared dev server and reports each
 * shape's rate and CPU. Nothing here depends on how fast they were: it checks that the floor measures what it says.
 */
import { Client, Connection } from '@temporalio/client';
import { floorKinds, measureSagaFloor, processCpuMs } from '../../../bench/saga-floor';
import { activitiesOf, remoteActivitiesOf } from '../../support/history';

describe('saga floor', () => {
  test('runs every document as a child of the shape asked for, and reports rate and CPU per saga', async () => {
    const address = process.env.P2C_TEST_TEMPORAL_ADDRESS!;
    const results = await measureSagaFloor({
      address,
      documents: 12,
      concurrency: 4,
      inputBytes: 1_000,
      kinds: ['local', 'activity', 'single'],
    });
    expect(results.map((r) => r.kind)).toEqual(['local', 'activity', 'single']);
    for (const result of results) {
      expect(result).toMatchObject({ documents: 12, concurrency: 4, inputBytes: 1_000 });
      expect(result.sagasPerSecond).toBeCloseTo(12 / result.seconds, 6);
      expect(result.workerCpuMsPerSaga).toBeGreaterThan(0);
      // The server is not this test's process: its CPU is not reported.
      expect(result.serverCpuMsPerSaga).toBeUndefined();
    }

    const connection = await Connection.connect({ address });
    try {
      const client = new Client({ connection });
      const child = (index: number, kind: number) =>
        client.workflow.getHandle(`${results[kind].workflowId}/${index}`).fetchHistory();
      const local = await child(11, 0);
      expect(activitiesOf(local)).toEqual(['plan', 'write']);
      expect(remoteActivitiesOf(local)).toEqual([]);
      expect(local.events).toHaveLength(7);
      const activity = await child(11, 1);
      expect(activitiesOf(activity)).toEqual(['plan', 'write']);
      expect(remoteActivitiesOf(activity)).toEqual(['write']);
      const single = await child(11, 2);
      expect(activitiesOf(single)).toEqual(['write']);
      expect(single.events).toHaveLength(6);
    } finally {
      await connection.close();
    }
  }, 120_000);

  test('--kinds picks the shapes to measure, in order, and names a shape it does not know', () => {
    expect(floorKinds(undefined)).toEqual(['local', 'activity', 'single']);
    expect(floorKinds('single, local')).toEqual(['single', 'local']);
    expect(() => floorKinds('local,remote')).toThrow(
      "--kinds: 'remote' is not a saga shape; use local or activity or single",
    );
  });

  test('reads a process CPU time from /proc, and nothing for a process that is not there', () => {
    const own = processCpuMs(process.pid);
    expect(own).toBeGreaterThan(0);
    expect(processCpuMs(2 ** 22 + 17)).toBeUndefined();
  });
});
