/**
 * Starts one real Temporal dev server (random free ports, in-memory state) for all integration tests and
 * publishes its address through the environment, which jest passes on to the test workers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer } from '../../common/dev-server';

export const STATE_FILE = path.join(os.tmpdir(), `p2c-jest-temporal-${process.pid}.json`);

export default async function globalSetup(): Promise<void> {
  if (process.env.P2C_TEST_TEMPORAL_ADDRESS) return;
  const logFile = path.join(os.tmpdir(), `p2c-jest-temporal-${process.pid}.log`);
  const server = await startDevServer({ port: 0, uiPort: 0, logFile });
  process.env.P2C_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.P2C_TEST_TEMPORAL_UI = server.uiUrl ?? '';
  fs.writeFileSync(STATE_FILE, JSON.stringify({ pid: server.pid, address: server.address }));
  (globalThis as { __p2cDevServer?: typeof server }).__p2cDevServer = server;
}
