import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectionConfigSchema } from '../../../../connectors/config';
import { DATA_FILES, startEmulators } from '../../../../emulators';
import {
  CLIENT_SECRET_ENV,
  DEFAULT_PORTS,
  READY_LINE,
  TEMP_OUTPUT_DIR,
  connectionBlock,
  parseCli,
} from '../../../../emulators/cli';

const ROOT = resolve(__dirname, '../../../..');
const quiet = () => undefined;

describe('emulators CLI options', () => {
  it('defaults to fixed ports, a small seed, admin routes on and service protection off', () => {
    expect(parseCli([], quiet)).toEqual({
      emulators: {
        seed: { accounts: 200 },
        dataDir: undefined,
        identityPort: DEFAULT_PORTS.identity,
        dataversePort: DEFAULT_PORTS.dataverse,
        fnoPort: DEFAULT_PORTS.fno,
        admin: true,
        serviceProtection: false,
        logger: false,
      },
      outputDir: TEMP_OUTPUT_DIR,
    });
  });

  it('maps every flag onto the launcher options', () => {
    const settings = parseCli(
      [
        '--accounts',
        '1000',
        '--contacts',
        '50',
        '--products',
        '40',
        '--quotes',
        '7',
        '--orders',
        '3',
        '--bad-row-share',
        '0.1',
        '--seed',
        '42',
        '--company',
        'usmf:USMF:USD',
        '--company',
        'demf:DEMF:EUR',
        '--data-dir',
        '/tmp/p2c-state',
        '--port-identity',
        '0',
        '--port-dataverse',
        '9001',
        '--port-fno',
        '9002',
        '--no-admin',
        '--throttle',
        '--log',
      ],
      quiet,
    );
    expect(settings).toEqual({
      emulators: {
        seed: {
          accounts: 1000,
          contacts: 50,
          products: 40,
          quotes: 7,
          orders: 3,
          badRowShare: 0.1,
          seed: 42,
          companies: [
            { dataAreaId: 'usmf', businessUnit: 'USMF', currency: 'USD' },
            { dataAreaId: 'demf', businessUnit: 'DEMF', currency: 'EUR' },
          ],
        },
        dataDir: '/tmp/p2c-state',
        identityPort: 0,
        dataversePort: 9001,
        fnoPort: 9002,
        admin: false,
        serviceProtection: undefined,
        logger: true,
      },
      outputDir: '/tmp/p2c-state',
    });
    expect(parseCli(['--empty'], quiet).emulators.seed).toBe(false);
  });

  it.each([
    [['--accounts', '-3'], /--accounts must be a whole number/],
    [['--accounts', 'many'], /--accounts must be a whole number/],
    [['--port-fno', '70000'], /--port-fno must be a TCP port/],
    [['--bad-row-share', '0.8'], /--bad-row-share must be a fraction/],
    [['--company', 'usmf:USMF'], /--company takes dataAreaId:businessUnit:currency/],
    [['--colour'], /unknown option '--colour'/],
  ])('refuses %j with a message naming the option', (argv, message) => {
    expect(() => parseCli(argv, quiet)).toThrow(message);
  });
});

describe('emulators CLI connection block', () => {
  it('is a valid connector configuration for both services', async () => {
    const emulators = await startEmulators({ seed: { accounts: 5 } });
    try {
      const block = connectionBlock(emulators);
      const parsed = connectionConfigSchema.parse(block);
      expect(parsed.dataverse.url).toBe(emulators.dataverse.url);
      expect(parsed.fno).toMatchObject({ url: emulators.fno.url, defaultCompany: 'usmf' });
      expect(parsed.fno.clientSecretEnv).toBe(CLIENT_SECRET_ENV);
      expect(parsed.dataverse.caCertPem).toBe(emulators.connection.caCertPem);
    } finally {
      await emulators.close();
    }
  });
});

describe('npm run emulators', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'p2c-cli-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the connection details, then stops cleanly on SIGTERM and leaves a reusable data directory', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'emulators/cli.ts', '--accounts', '20', '--data-dir', dataDir].concat([
        '--port-identity',
        '0',
        '--port-dataverse',
        '0',
        '--port-fno',
        '0',
      ]),
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
    await new Promise<void>((ready, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes(READY_LINE)) ready();
      });
      void exited.then((code) => fail(new Error(`CLI exited with ${code} before it was ready: ${stderr}`)));
    });

    expect(stdout).toMatch(/Authority\s+https:\/\/127\.0\.0\.1:\d+\/p2c-local/);
    expect(stdout).toMatch(/Dataverse\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/F&O\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toContain(`CA certificate    ${join(dataDir, DATA_FILES.caCert)}`);
    expect(stdout).toContain(`export ${CLIENT_SECRET_ENV}=`);
    expect(readFileSync(join(dataDir, DATA_FILES.caCert), 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(JSON.parse(readFileSync(join(dataDir, DATA_FILES.manifest), 'utf8')).counts.dataverse.accounts).toBe(20);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('SIGTERM: stopping the emulators');
    expect(existsSync(join(dataDir, DATA_FILES.dataverse))).toBe(true);
    expect(existsSync(join(dataDir, DATA_FILES.fno))).toBe(true);
  }, 60_000);
});
