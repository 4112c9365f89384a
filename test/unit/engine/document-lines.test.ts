/**
 * Documents prepared at once read their lines with one Dataverse query: against the Dataverse emulator, each
 * document still gets exactly the rows (and order) its own query returns, and the request count shows the sharing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  DocumentLinesReader,
  documentLinesReader,
  DOCUMENTS_PER_LINE_QUERY,
  linesFilterFor,
} from '../../../activities/document-lines';
import { readAndMapDocument } from '../../../activities/documents';
import { fetchLookups, readAll, readSourcePage, type SourceClients } from '../../../activities/source';
import { createSyncActivities } from '../../../activities/sync';
import { openCheckpointStore } from '../../../common/checkpoint-store';
import { rowCountOf } from '../../../common/packed-rows';
import type { PageRead } from '../../../common/sync-types';
import { connectionToEmulators } from '../../../client/local-stack';
import type { Partition } from '../../../common/sync-types';
import type { SourceRow } from '../../../common/types';
import { startEmulators, type Emulators } from '../../../emulators';
import { resolveTasks, type TaskDefinition } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import { createClients, type Clients } from '../../../worker/connections';

const PROJECT = path.resolve(__dirname, '../../../examples/project.yaml');

describe('DocumentLinesReader', () => {
  let emulators: Emulators;
  let clients: Clients;
  let headerTask: TaskDefinition;
  let lineTask: TaskDefinition;
  let partition: Partition;
  let headers: SourceRow[];
  /** Each header's lines as a query of its own returns them. */
  const alone = new Map<SourceRow, SourceRow[]>();

  const dataverseRequests = () => emulators.dataverse.stats().requests;

  /** Clients whose Dataverse reads fail until `restore` is called. */
  const unavailableUntilRestored = () => {
    let fail = true;
    const failing: SourceClients = {
      fno: clients.fno,
      dataverse: Object.assign(Object.create(clients.dataverse) as Clients['dataverse'], {
        readPage: (...args: Parameters<Clients['dataverse']['readPage']>) =>
          fail ? Promise.reject(new Error('Dataverse is unavailable')) : clients.dataverse.readPage(...args),
      }),
    };
    return {
      clients: failing,
      restore: () => {
        fail = false;
      },
    };
  };

  beforeAll(async () => {
    emulators = await startEmulators({ seed: { accounts: 60, contacts: 0, products: 20, quotes: 120, orders: 0 } });
    clients = createClients(connectionToEmulators(emulators.connection));
    const project = loadProject(PROJECT);
    const tasks = resolveTasks(project);
    headerTask = tasks.find((t) => t.name === 'quoteHeaders')!;
    lineTask = tasks.find((t) => t.name === 'quoteLines')!;
    partition = project.partitions[0];
    headers = (await readSourcePage(clients, headerTask, partition, { pageSize: 500 })).rows;
    for (const header of headers) {
      alone.set(header, await readAll(clients, lineTask, partition, linesFilterFor(headerTask, lineTask, header)));
    }
  });
  afterAll(async () => {
    await clients?.close();
    await emulators?.close();
  });

  it('answers documents asking at once with one query, each with the rows its own query returns', async () => {
    const some = headers.slice(0, 30);
    expect(some.length).toBe(30);
    expect(some.filter((h) => alone.get(h)!.length > 1).length).toBeGreaterThan(10);
    const reader = new DocumentLinesReader(clients);
    const before = dataverseRequests();

    const lines = await Promise.all(some.map((h) => reader.read(headerTask, lineTask, h, partition)));

    expect(dataverseRequests() - before).toBe(1);
    expect(reader.stats()).toEqual({ queries: 1, documents: 30 });
    some.forEach((header, i) => expect(lines[i]).toEqual(alone.get(header)));
  });

  it(`sends at most ${DOCUMENTS_PER_LINE_QUERY} documents a query`, async () => {
    expect(headers.length).toBeGreaterThan(DOCUMENTS_PER_LINE_QUERY);
    const reader = new DocumentLinesReader(clients);

    const lines = await Promise.all(headers.map((h) => reader.read(headerTask, lineTask, h, partition)));

    expect(reader.stats()).toEqual({
      queries: Math.ceil(headers.length / DOCUMENTS_PER_LINE_QUERY),
      documents: headers.length,
    });
    headers.forEach((header, i) => expect(lines[i]).toEqual(alone.get(header)));
  });

  it('reads documents asked for one after another with a query each', async () => {
    const reader = new DocumentLinesReader(clients);
    for (const header of headers.slice(0, 3)) {
      expect(await reader.read(headerTask, lineTask, header, partition)).toEqual(alone.get(header));
    }
    expect(reader.stats()).toEqual({ queries: 3, documents: 3 });
  });

  it('gives a document asked for twice at once rows of its own each time', async () => {
    const header = headers.find((h) => alone.get(h)!.length > 0)!;
    const reader = new DocumentLinesReader(clients);

    const [first, second] = await Promise.all([
      reader.read(headerTask, lineTask, header, partition),
      reader.read(headerTask, lineTask, header, partition),
    ]);

    expect(reader.stats()).toEqual({ queries: 1, documents: 1 });
    expect(first).toEqual(alone.get(header));
    expect(second).toEqual(first);
    expect(second[0]).not.toBe(first[0]);
  });

  it('leaves out the header column it added to select the documents', async () => {
    expect(lineTask.source.select).toBeDefined();
    expect(lineTask.source.select).not.toContain('_quoteid_value');
    const reader = new DocumentLinesReader(clients);
    const header = headers.find((h) => alone.get(h)!.length > 0)!;
    const [row] = await reader.read(headerTask, lineTask, header, partition);
    expect(row).not.toHaveProperty('_quoteid_value');
  });

  it('fails every document of a query that fails, and reads the next ones again', async () => {
    const failing = unavailableUntilRestored();
    const reader = new DocumentLinesReader(failing.clients);
    const some = headers.slice(0, 4);

    const settled = await Promise.allSettled(some.map((h) => reader.read(headerTask, lineTask, h, partition)));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect((settled[0] as PromiseRejectedResult).reason.message).toBe('Dataverse is unavailable');

    failing.restore();
    expect(await reader.read(headerTask, lineTask, some[0], partition)).toEqual(alone.get(some[0]));
  });

  it('reads a header without a usable id on its own, with an error that names what is missing', async () => {
    const reader = new DocumentLinesReader(clients);
    const { quoteid: _id, ...withoutId } = headers[0];
    await expect(reader.read(headerTask, lineTask, withoutId, partition)).rejects.toThrow(
      'header row has no quoteid id to select its lines by',
    );
    expect(reader.stats().queries).toBe(0);
  });

  describe('prefetch', () => {
    afterEach(() => jest.restoreAllMocks());

    it("reads a page of documents' lines in a query per 50 headers, which the documents then take once", async () => {
      const reader = new DocumentLinesReader(clients);
      const before = dataverseRequests();

      expect(await reader.prefetch(lineTask, headers, partition)).toBe(headers.length);
      expect(dataverseRequests() - before).toBe(Math.ceil(headers.length / DOCUMENTS_PER_LINE_QUERY));

      const taken = dataverseRequests();
      for (const header of headers) {
        expect(await reader.read(headerTask, lineTask, header, partition)).toEqual(alone.get(header));
      }
      expect(dataverseRequests()).toBe(taken);

      // Taken once: a retried attempt reads the document's lines again.
      expect(await reader.read(headerTask, lineTask, headers[0], partition)).toEqual(alone.get(headers[0]));
      expect(dataverseRequests()).toBe(taken + 1);
    });

    it('reads lines again when those read ahead are over a minute old', async () => {
      const reader = new DocumentLinesReader(clients);
      await reader.prefetch(lineTask, headers.slice(0, 2), partition);
      const now = Date.now();
      jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
      const before = dataverseRequests();

      expect(await reader.read(headerTask, lineTask, headers[0], partition)).toEqual(alone.get(headers[0]));
      expect(dataverseRequests() - before).toBe(1);
    });

    it('leaves nothing behind when the read ahead fails, and documents read their own lines', async () => {
      const failing = unavailableUntilRestored();
      const reader = new DocumentLinesReader(failing.clients);

      expect(await reader.prefetch(lineTask, headers.slice(0, 3), partition)).toBe(0);
      failing.restore();
      expect(await reader.read(headerTask, lineTask, headers[1], partition)).toEqual(alone.get(headers[1]));
      expect(reader.stats()).toEqual({ queries: 2, documents: 4 });
    });

    it('runs in the page read of a document task, so the sagas on that worker read no lines', async () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-lines-ahead-'));
      const store = await openCheckpointStore({ kind: 'sqlite', file: path.join(tmp, 'checkpoints.sqlite') });
      try {
        const activities = createSyncActivities({ ...clients, store });
        const ref = { project: 'lines-ahead', task: headerTask.name, partition, runId: 'run-1' };
        const page: PageRead = await new MockActivityEnvironment().run(activities.readPage, {
          ref,
          task: headerTask,
          lineTask,
          pageSize: 40,
          maxPageBytes: 1_000_000,
        });
        expect(rowCountOf(page)).toBe(40);

        const before = dataverseRequests();
        const pageHeaders = headers.slice(0, 40);
        const lines = await Promise.all(
          pageHeaders.map((h) => documentLinesReader(clients).read(headerTask, lineTask, h, partition)),
        );
        expect(dataverseRequests()).toBe(before);
        pageHeaders.forEach((header, i) => expect(lines[i]).toEqual(alone.get(header)));
      } finally {
        await store.close();
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  });

  it('prepares a document read ahead with its page as one read on its own, with fewer F&O requests', async () => {
    // Clients of its own: nothing other tests read ahead is waiting in its reader.
    const own = createClients(connectionToEmulators(emulators.connection));
    try {
      const some = headers.slice(0, 20);
      const ref = { project: 'lines-ahead', task: headerTask.name, partition, runId: 'run-1' };
      const prepare = (header: SourceRow) => readAndMapDocument(own, { ref, headerTask, lineTask, header });
      const fnoRequests = () => emulators.fno.stats().requests;
      await prepare(headers[30]); // the pre-flight's partition facts, read once per worker

      let before = fnoRequests();
      const alone: Awaited<ReturnType<typeof prepare>>[] = [];
      for (const header of some) alone.push(await prepare(header));
      const aloneRequests = fnoRequests() - before;

      const headerLookups = await fetchLookups(own, headerTask, some, partition);
      expect(await documentLinesReader(own).prefetch(lineTask, some, partition, headerLookups)).toBe(some.length);
      before = fnoRequests();
      const ahead: Awaited<ReturnType<typeof prepare>>[] = [];
      for (const header of some) ahead.push(await prepare(header));
      const aheadRequests = fnoRequests() - before;

      expect(ahead).toEqual(alone);
      expect(alone.filter((d) => d.lines.length > 0).length).toBeGreaterThan(10);
      // The header's customer and the lines' products came with the page (three requests a document); the pre-flight
      // still reads its own.
      expect(aheadRequests).toBeLessThanOrEqual(aloneRequests - 3 * some.length);
    } finally {
      await own.close();
    }
  });
});
