/**
 * `npm run emulators`: starts the identity server and both emulators with seed data, prints how to connect,
 * and runs until Ctrl-C or SIGTERM, closing the stores cleanly so a data directory stays usable.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DATA_FILES,
  DEFAULT_EMULATOR_SEED,
  startEmulators,
  writeEmulatorFiles,
  type Emulators,
  type EmulatorsOptions,
} from './index';
import type { SeedCompany, SeedOptions } from './seed';

/** Environment variable the printed connection block reads the client secret from. */
export const CLIENT_SECRET_ENV = 'P2C_CLIENT_SECRET';
/** Fixed default ports, so a pasted connection block keeps working across restarts. */
export const DEFAULT_PORTS = { identity: 7440, dataverse: 7441, fno: 7442 } as const;
/** Printed once the emulators listen; scripts wait for it. */
export const READY_LINE = 'Emulators ready.';

function nonNegativeInteger(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed)) {
      throw new InvalidArgumentError(`${name} must be a whole number ≥ 0, got '${value}'.`);
    }
    return parsed;
  };
}

function port(name: string) {
  return (value: string): number => {
    const parsed = nonNegativeInteger(name)(value);
    if (parsed > 65535) throw new InvalidArgumentError(`${name} must be a TCP port (0–65535, 0 = any free port).`);
    return parsed;
  };
}

function share(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > 0.5) {
    throw new InvalidArgumentError(`--bad-row-share must be a fraction from 0 to 0.5, got '${value}'.`);
  }
  return parsed;
}

function company(value: string, previous: SeedCompany[] = []): SeedCompany[] {
  const [dataAreaId, businessUnit, currency, ...rest] = value.split(':');
  if (!dataAreaId || !businessUnit || !currency || rest.length > 0) {
    throw new InvalidArgumentError(
      `--company takes dataAreaId:businessUnit:currency (e.g. usmf:USMF:USD), got '${value}'.`,
    );
  }
  return [...previous, { dataAreaId, businessUnit, currency }];
}

export interface CliSettings {
  emulators: EmulatorsOptions;
  /** Where the CA certificate and seed manifest go: the data directory, else a fixed temp directory. */
  outputDir: string;
}

/** Output directory when no --data-dir is given. */
export const TEMP_OUTPUT_DIR = join(tmpdir(), 'p2c-emulators');

/** Parses the command line into launcher options; throws commander's errors (exit code, message) on bad input. */
export function parseCli(
  argv: string[],
  writeErr: (text: string) => void = (text) => process.stderr.write(text),
): CliSettings {
  const program = new Command('emulators')
    .description('Local Dataverse and F&O emulators with seed data, sharing one Entra-like identity server.')
    .option('--accounts <n>', 'accounts to seed', nonNegativeInteger('--accounts'), DEFAULT_EMULATOR_SEED.accounts)
    .option('--contacts <n>', 'contacts to seed (default 1.5 × accounts)', nonNegativeInteger('--contacts'))
    .option('--products <n>', 'F&O products (default 10 % of accounts, at least 20)', nonNegativeInteger('--products'))
    .option('--quotes <n>', 'quotes (default 10 % of accounts)', nonNegativeInteger('--quotes'))
    .option('--orders <n>', 'sales orders (default 5 % of accounts)', nonNegativeInteger('--orders'))
    .option('--bad-row-share <fraction>', 'share of deliberately bad rows (default 0.02)', share)
    .option('--seed <n>', 'random seed: the same seed gives the same data', nonNegativeInteger('--seed'))
    .option(
      '--company <id:bu:currency>',
      'legal entity ↔ business unit pair, repeatable (default usmf:USMF:USD)',
      company,
    )
    .option('--empty', 'start without seed data')
    .option('--data-dir <dir>', 'keep state, manifest and CA certificate here; an existing state is reused')
    .addOption(
      new Option('--port-identity <port>', 'identity server port (0 = any)')
        .argParser(port('--port-identity'))
        .default(DEFAULT_PORTS.identity),
    )
    .addOption(
      new Option('--port-dataverse <port>', 'Dataverse port (0 = any)')
        .argParser(port('--port-dataverse'))
        .default(DEFAULT_PORTS.dataverse),
    )
    .addOption(
      new Option('--port-fno <port>', 'F&O port (0 = any)').argParser(port('--port-fno')).default(DEFAULT_PORTS.fno),
    )
    .option('--no-admin', 'do not expose the /_admin fault-injection and stats routes')
    .option('--throttle', 'apply real service-protection limits (off by default so local runs are not slowed)')
    .option('--log', 'log every request')
    .exitOverride()
    .configureOutput({ writeErr });
  program.parse(argv, { from: 'user' });
  const o = program.opts<{
    accounts: number;
    contacts?: number;
    products?: number;
    quotes?: number;
    orders?: number;
    badRowShare?: number;
    seed?: number;
    company?: SeedCompany[];
    empty?: boolean;
    dataDir?: string;
    portIdentity: number;
    portDataverse: number;
    portFno: number;
    admin: boolean;
    throttle?: boolean;
    log?: boolean;
  }>();
  const seed: SeedOptions = {
    accounts: o.accounts,
    contacts: o.contacts,
    products: o.products,
    quotes: o.quotes,
    orders: o.orders,
    badRowShare: o.badRowShare,
    seed: o.seed,
    companies: o.company,
  };
  for (const key of Object.keys(seed) as Array<keyof SeedOptions>) if (seed[key] === undefined) delete seed[key];
  return {
    emulators: {
      seed: o.empty ? false : seed,
      dataDir: o.dataDir,
      identityPort: o.portIdentity,
      dataversePort: o.portDataverse,
      fnoPort: o.portFno,
      admin: o.admin,
      // Undefined keeps each emulator's real-world limits; false switches service protection off.
      serviceProtection: o.throttle ? undefined : false,
      logger: o.log === true,
    },
    outputDir: o.dataDir ?? TEMP_OUTPUT_DIR,
  };
}

/** The connector configuration (connectors/config.ts shape) for these emulators, secret read from the env. */
export function connectionBlock(emulators: Emulators): Record<string, unknown> {
  const { connection } = emulators;
  const common = {
    authority: connection.authority,
    clientId: connection.clientId,
    clientSecretEnv: CLIENT_SECRET_ENV,
    caCertPem: connection.caCertPem,
  };
  return {
    dataverse: { url: connection.dataverse.url, ...common },
    fno: { url: connection.fno.url, ...common, defaultCompany: connection.fno.defaultCompany },
  };
}

export function describeEmulators(emulators: Emulators, outputDir: string, startedInMs: number): string {
  const caCertFile = join(outputDir, DATA_FILES.caCert);
  const { connection, manifest, dataverse, fno } = emulators;
  const lines = [
    emulators.reusedState
      ? `Reused the stored state (${startedInMs} ms).`
      : `Started in ${startedInMs} ms${manifest ? ` with seed ${manifest.options.seed}` : ' without seed data'}.`,
    '',
    `  Identity (Entra)  ${emulators.identity.authorityHost}`,
    `  Tenant            ${connection.tenant}`,
    `  Authority         ${connection.authority}`,
    `  Token endpoint    ${emulators.identity.tokenUrl}`,
    `  Dataverse         ${connection.dataverse.url}  (Web API ${dataverse.apiUrl}, scope ${connection.dataverse.resource}/.default)`,
    `  F&O               ${connection.fno.url}  (OData ${fno.dataUrl}, default company ${connection.fno.defaultCompany})`,
    `  Client id         ${connection.clientId}`,
    `  Client secret     ${connection.clientSecret}`,
    `  CA certificate    ${caCertFile}   (e.g. NODE_EXTRA_CA_CERTS=${caCertFile})`,
  ];
  if (manifest) {
    const { dataverse: sales, fno: finance } = manifest.counts;
    lines.push(
      '',
      `  Sales: ${sales.accounts} accounts, ${sales.contacts} contacts, ${sales.products} products, ` +
        `${sales.quotes} quotes (${sales.quotedetails} lines), ${sales.salesorders} orders (${sales.salesorderdetails} lines)`,
      `  F&O:   ${finance.SellableReleasedProducts} released products in ${finance.LegalEntities} companies, no customers yet`,
      `  Bad rows planted: ${manifest.badRows.length} (+${manifest.edgeCases.length} edge cases)` +
        (emulators.caCertFile
          ? `; details in ${emulators.caCertFile.replace(DATA_FILES.caCert, DATA_FILES.manifest)}`
          : ''),
    );
  }
  lines.push(
    '',
    'Connection block (connectors/config.ts):',
    JSON.stringify(connectionBlock(emulators), null, 2),
    `export ${CLIENT_SECRET_ENV}='${connection.clientSecret}'`,
    '',
    READY_LINE + ' Press Ctrl-C to stop.',
  );
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const settings = parseCli(argv);
  const started = Date.now();
  const emulators = await startEmulators(settings.emulators);
  // The launcher writes these files only into a data directory; users need the CA either way.
  if (!settings.emulators.dataDir) {
    writeEmulatorFiles(settings.outputDir, emulators.connection.caCertPem, emulators.manifest);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting for the stores to close.\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal}: stopping the emulators…\n`);
    emulators.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Failed to stop cleanly: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Printed last: whoever waits for the ready line may signal at once.
  process.stdout.write(`${describeEmulators(emulators, settings.outputDir, Date.now() - started)}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const { exitCode: code, code: reason } = error as { exitCode?: number; code?: string };
    const hint =
      reason === 'EADDRINUSE' ? ' (another process holds the port; pass --port-<service> 0 for a free one)' : '';
    // commander has already printed its own usage errors.
    if (code === undefined) process.stderr.write(`emulators: ${(error as Error).message}${hint}\n`);
    process.exit(code ?? 1);
  });
}
