import fs from 'node:fs';
import type { DevServer } from '../../common/dev-server';
import { STATE_FILE } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __p2cDevServer?: DevServer }).__p2cDevServer;
  if (server) await server.stop();
  fs.rmSync(STATE_FILE, { force: true });
}
