/**
 * Secrets and access: the emulators refuse requests without a token, with an expired one and with one issued for
 * the other service; the real worker process, run with debug logging through token refreshes, never writes the
 * client secret or an access token to its logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { Client, Connection } from '@temporalio/client';
import { startProjectRun } from '../../../client/run';
import { startEmulators, type Emulators } from '../../../emulators';
import { loadProject } from '../../../mappings/project-file';
import { uniqueQueue } from '../../support/temporal';
import { killHard, SECRET_ENV, writeProjectFile } from '../../support/worker-process';
import { recordScenario, writeReport } from './results';

jest.setTimeout(120_000);
const ROOT = path.resolve(__dirname, '../../..');
const JWT = /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]+/;

describe('secrets and access', () => {
  let emulators: Emulators;
  let worker: ChildProcess | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-secrets-'));
  beforeAll(async () => {
    emulators = await startEmulators({ seed: { accounts: 60, contacts: 0, products: 0, quotes: 0, orders: 0 } });
  });
  afterAll(async () => {
    if (worker) await killHard(worker);
    await emulators?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    writeReport();
  });

  test('both emulators refuse missing, expired and wrong-audience tokens and accept a valid one', async () => {
    const { identity, connection } = emulators;
    const services = [
      {
        name: 'Dataverse',
        url: `${emulators.dataverse.apiUrl}accounts?$top=1`,
        resource: connection.dataverse.resource,
        other: connection.fno.resource,
      },
      {
        name: 'F&O',
        url: `${connection.fno.url}/data/CustomersV2?$top=1`,
        resource: connection.fno.resource,
        other: connection.dataverse.resource,
      },
    ];
    const seen: string[] = [];
    for (const service of services) {
      const cases = [
        { label: 'missing', header: undefined, status: 401, text: /missing|not authenticated|Unauthorized/i },
        {
          label: 'expired',
          header: identity.issue(connection.clientId, service.resource, -60),
          status: 401,
          text: /expired/i,
        },
        {
          label: 'wrong audience',
          header: identity.issue(connection.clientId, service.other),
          status: 401,
          text: /audience/i,
        },
        { label: 'valid', header: identity.issue(connection.clientId, service.resource), status: 200, text: /value/ },
      ];
      for (const c of cases) {
        const response = await request(service.url, {
          headers: c.header
            ? { authorization: `Bearer ${c.header}`, accept: 'application/json' }
            : { accept: 'application/json' },
        });
        const body = await response.body.text();
        seen.push(`${service.name} ${c.label}: ${response.statusCode}`);
        expect({ service: service.name, token: c.label, status: response.statusCode }).toEqual({
          service: service.name,
          token: c.label,
          status: c.status,
        });
        expect(body).toMatch(c.text);
      }
    }
    recordScenario({
      id: 'security-tokens',
      group: 'security',
      scenario: 'emulators refuse missing, expired and wrong-audience tokens',
      runs: seen.length,
      injected: 'no token, expired token, token for the other service, valid token (control)',
      outcome: seen.join('; '),
    });
  });

  test('the worker logs (debug level, token refreshes included) contain neither the secret nor a token', async () => {
    const address = process.env.P2C_TEST_TEMPORAL_ADDRESS!;
    const projectFile = writeProjectFile(tmp, emulators);
    const taskQueue = uniqueQueue('secrets');
    const secret = emulators.connection.clientSecret;
    let logs = '';
    worker = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        P2C_TEMPORAL_ADDRESS: address,
        P2C_TASK_QUEUE: taskQueue,
        P2C_PROJECT_FILE: projectFile,
        P2C_CHECKPOINT_STORE: path.join(tmp, 'checkpoints.sqlite'),
        P2C_LOG_LEVEL: 'debug',
        [SECRET_ENV]: secret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    // Tokens expire mid-run on both services, so the refresh path logs too.
    for (const emulator of [emulators.dataverse, emulators.fno])
      emulator.faults.configure({ expireNextTokens: { count: 1 } });
    const connection = await Connection.connect({ address });
    const run = await startProjectRun(new Client({ connection }), loadProject(projectFile), {
      tasks: ['accounts'],
      mode: 'full',
      taskQueue,
      now: new Date(),
    });
    const summary = await run.handle.result();
    await connection.close();
    await killHard(worker);
    worker = undefined;
    const refused = emulators.dataverse.faults.stats().expiredTokens + emulators.fno.faults.stats().expiredTokens;
    const secretLines = logs.split('\n').filter((line) => line.includes(secret)).length;
    const tokenLines = logs.split('\n').filter((line) => JWT.test(line)).length;
    recordScenario({
      id: 'security-logs',
      group: 'security',
      scenario: 'worker logs at debug level through a run with token refreshes',
      runs: 1,
      injected: `${refused} tokens refused as expired mid-run; secret from ${SECRET_ENV} only`,
      outcome: `run ${summary.outcome}; ${logs.split('\n').length} log lines; lines with the secret: ${secretLines}; lines with a token: ${tokenLines}`,
    });
    expect(summary.outcome).toMatch(/^Completed/);
    expect(logs.length).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(secretLines).toBe(0);
    expect(tokenLines).toBe(0);
  });
});
