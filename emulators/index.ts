/**
 * Starts the local stand-ins for a prospect-to-cash landscape: one Entra-like identity server and the Dataverse
 * and F&O emulators trusting it, loaded with generated seed data. Used by `npm run emulators`, the demo, tests
 * and benchmarks; `connection` holds everything a connector configuration needs.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ThrottleOptions } from './common/throttle';
import { DEFAULT_CLIENT, startIdentityServer, type IdentityServer } from './common/identity';
import { startDataverseEmulator, type DataverseEmulator } from './dataverse';
import { startFnoEmulator, type FnoEmulator, type FnoThrottlingOptions } from './fno';
import { DEFAULT_COMPANIES, generateSeed, type SeedManifest, type SeedOptions } from './seed';

export interface EmulatorConnection {
  tenant: string;
  /** Entra authority for msal-node: `https://127.0.0.1:<port>/<tenant>`. */
  authority: string;
  /** CA that signed the identity server's TLS certificate; clients must trust it. */
  caCertPem: string;
  clientId: string;
  clientSecret: string;
  dataverse: { url: string; resource: string };
  fno: { url: string; resource: string; defaultCompany: string };
}

export interface EmulatorsOptions {
  /** Seed data to load into fresh stores; false starts empty (F&O keeps its built-in reference data). */
  seed?: SeedOptions | false;
  /** Keeps both stores, the manifest and the CA certificate under this directory; an existing state is reused. */
  dataDir?: string;
  dataversePort?: number;
  fnoPort?: number;
  identityPort?: number;
  /** `/_admin` routes for fault injection, throttling and stats (default true). */
  admin?: boolean;
  /** Service protection; false turns it off on both, an absent side keeps that emulator's real-world limits. */
  serviceProtection?: { dataverse?: ThrottleOptions | false; fno?: FnoThrottlingOptions | false } | false;
  logger?: boolean;
}

export interface Emulators {
  identity: IdentityServer;
  dataverse: DataverseEmulator;
  fno: FnoEmulator;
  /** What the seed planted (also when the state was reused from dataDir and its manifest was kept there). */
  manifest?: SeedManifest;
  /** True when the stores came from dataDir instead of being seeded now. */
  reusedState: boolean;
  /** Path of the CA certificate file in dataDir, for users who need to trust it. */
  caCertFile?: string;
  connection: EmulatorConnection;
  close(): Promise<void>;
}

/** File names inside dataDir. */
export const DATA_FILES = {
  dataverse: 'dataverse.json',
  fno: 'fno.json',
  manifest: 'seed-manifest.json',
  caCert: 'emulator-ca.pem',
} as const;

/** Seed used when the caller gives none: a small org that still has every kind of bad row. */
export const DEFAULT_EMULATOR_SEED: SeedOptions = { accounts: 200 };
const HOST = '127.0.0.1';

/** Writes the CA certificate (for users to trust) and, when given, the seed manifest into `dir`. */
export function writeEmulatorFiles(dir: string, caCertPem: string, manifest?: SeedManifest): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, DATA_FILES.caCert), caCertPem);
  if (manifest) writeFileSync(join(dir, DATA_FILES.manifest), JSON.stringify(manifest, null, 2));
}

function readManifest(file: string): SeedManifest | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SeedManifest;
  } catch (error) {
    throw new Error(`emulators: ${file} is not a readable seed manifest (${(error as Error).message}); delete it`);
  }
}

export async function startEmulators(opts: EmulatorsOptions = {}): Promise<Emulators> {
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : undefined;
  const files = dataDir
    ? {
        dataverse: join(dataDir, DATA_FILES.dataverse),
        fno: join(dataDir, DATA_FILES.fno),
        manifest: join(dataDir, DATA_FILES.manifest),
        caCert: join(dataDir, DATA_FILES.caCert),
      }
    : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const reusedState = files !== undefined && existsSync(files.dataverse) && existsSync(files.fno);

  // A persisted store skips its seed; generate only when at least one store starts fresh.
  const seedOptions = opts.seed === false ? undefined : (opts.seed ?? DEFAULT_EMULATOR_SEED);
  const generated = seedOptions && !reusedState ? generateSeed(seedOptions) : undefined;
  const manifest = generated?.expected ?? (files ? readManifest(files.manifest) : undefined);
  const companies = manifest?.options.companies ?? [...DEFAULT_COMPANIES];
  const defaultCompany = companies[0].dataAreaId;
  const protection = opts.serviceProtection;

  const started: Array<{ close(): Promise<void> }> = [];
  const closeAll = async () => {
    const errors: unknown[] = [];
    for (const service of started.reverse()) await service.close().catch((error: unknown) => errors.push(error));
    started.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, 'emulators: some services failed to close');
  };
  try {
    const identity = await startIdentityServer({ host: HOST, port: opts.identityPort ?? 0 });
    started.push(identity);
    const [dataverse, fno] = await Promise.all([
      startDataverseEmulator({
        host: HOST,
        port: opts.dataversePort ?? 0,
        identity,
        persistFile: files?.dataverse,
        seed: generated?.dataverse,
        admin: opts.admin,
        serviceProtection: protection === false ? false : protection?.dataverse,
        logger: opts.logger,
      }).then((service) => (started.push(service), service)),
      startFnoEmulator({
        host: HOST,
        port: opts.fnoPort ?? 0,
        identity,
        persistFile: files?.fno,
        seed: generated?.fno,
        // The generated seed carries its own reference data, consistent with the Sales side.
        referenceData: generated === undefined,
        companies: companies.map((company) => company.dataAreaId),
        defaultCompany,
        admin: opts.admin,
        throttling: protection === false ? false : protection?.fno,
        logger: opts.logger,
      }).then((service) => (started.push(service), service)),
    ]);
    if (dataDir) writeEmulatorFiles(dataDir, identity.caCertPem, generated?.expected);
    const client = identity.clients[0] ?? DEFAULT_CLIENT;
    return {
      identity,
      dataverse,
      fno,
      manifest,
      reusedState,
      caCertFile: files?.caCert,
      connection: {
        tenant: identity.tenant,
        authority: identity.authority,
        caCertPem: identity.caCertPem,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        dataverse: { url: dataverse.url, resource: dataverse.resource },
        fno: { url: fno.url, resource: fno.resource, defaultCompany },
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}
