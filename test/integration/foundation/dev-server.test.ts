/**
 * A dev server kept on a SQLite file (benchmarks, the crash suite, users who want their runs to survive a
 * restart) runs it in write-ahead-log mode: commits append to the log instead of rewriting pages under a
 * rollback journal, and the state still survives the server process being stopped and started again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection, WorkflowClient } from '@temporalio/client';
import { DEFAULT_SQLITE_PRAGMAS, startDevServer } from '../../../common/dev-server';

/** Bytes 18 and 19 of a SQLite file header: file format write/read versions, 2 for WAL, 1 for a rollback journal. */
function journalFormat(file: string): number[] {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, 20, 0);
  } finally {
    fs.closeSync(fd);
  }
  return [header[18], header[19]];
}

test('a file-backed dev server uses a write-ahead log and keeps its state across a restart', async () => {
  expect(DEFAULT_SQLITE_PRAGMAS).toEqual({ journal_mode: 'wal', synchronous: 'normal' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-dev-server-'));
  const dbFile = path.join(dir, 'temporal.sqlite');
  try {
    let server = await startDevServer({ port: 0, uiPort: false, dbFile });
    const workflowId = `wal-${process.pid}`;
    try {
      const connection = await Connection.connect({ address: server.address });
      // A workflow that no worker picks up: it stays open, so only the stored state can answer for it later.
      await new WorkflowClient({ connection }).start('neverRuns', { taskQueue: `wal-${process.pid}`, workflowId });
      await connection.close();
      expect(fs.existsSync(`${dbFile}-wal`)).toBe(true);
      expect(journalFormat(dbFile)).toEqual([2, 2]);
    } finally {
      await server.stop();
    }
    server = await startDevServer({ port: 0, uiPort: false, dbFile });
    try {
      const connection = await Connection.connect({ address: server.address });
      const description = await new WorkflowClient({ connection }).getHandle(workflowId).describe();
      expect(description.status.name).toBe('RUNNING');
      await connection.close();
    } finally {
      await server.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
