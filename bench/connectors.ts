/**
 * Read and write throughput of the connectors against the local emulators with default connector settings
 * (limits, page sizes, inline retries). Reads walk every page of a seeded set; writes upsert 200-row batches
 * (the engine's default page) one at a time and with several in flight, first creating then updating.
 *
 *   npx tsx bench/connectors.ts [rows]
 */
import type { TargetRow } from '../common/types';
import { DataverseClient, FnoClient, type ConnectorMetrics } from '../connectors';
import { DEFAULT_CLIENT, startIdentityServer } from '../emulators/common/identity';
import { startDataverseEmulator } from '../emulators/dataverse';
import { startFnoEmulator } from '../emulators/fno';

const ROWS = Number(process.argv[2] ?? 20_000);
const WRITE_ROWS = Math.min(ROWS, 4_000);
const BATCH = 200;
const IN_FLIGHT = 4;
const SECRET_ENV = 'P2C_BENCH_SECRET';
const STORM_THROTTLES = 3;
const STORM_PAGE_SIZE = 5000;

/**
 * Page size of the read under a 429 storm: one 429 comes before the first page and one after each of the next, so
 * the read needs STORM_THROTTLES pages or the storm it reports never happened.
 */
export function stormPageSize(rows: number): number {
  return Math.max(1, Math.min(STORM_PAGE_SIZE, Math.floor(rows / STORM_THROTTLES)));
}

interface Measurement {
  system: string;
  step: string;
  rows: number;
  ms: number;
  requests: number;
  throttled: number;
  retries: number;
}

class CountingMetrics implements ConnectorMetrics {
  requests = 0;
  throttled = 0;
  retries = 0;
  /** Time from each 429 response to the next request being sent, in ms. */
  waitsAfter429: number[] = [];
  private last429At: number | undefined;
  onRequest(_system: string, _method: string, status: number, ms: number): void {
    this.requests += 1;
    const sentAt = Date.now() - ms;
    if (this.last429At !== undefined) this.waitsAfter429.push(Math.round(sentAt - this.last429At));
    this.last429At = status === 429 ? Date.now() : undefined;
  }
  onThrottle(): void {
    this.throttled += 1;
  }
  onRetry(): void {
    this.retries += 1;
  }
  take(): Pick<Measurement, 'requests' | 'throttled' | 'retries'> {
    const counts = { requests: this.requests, throttled: this.throttled, retries: this.retries };
    this.requests = this.throttled = this.retries = 0;
    return counts;
  }
}

async function time(
  system: string,
  step: string,
  metrics: CountingMetrics,
  work: () => Promise<number>,
): Promise<Measurement> {
  metrics.take();
  const started = process.hrtime.bigint();
  const rows = await work();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { system, step, rows, ms, ...metrics.take() };
}

/** Upserts `rows` in batches of BATCH with `inFlight` batches at a time; throws if any row failed. */
async function writeAll(
  upsertBatch: (rows: TargetRow[]) => Promise<Array<{ status: string; message?: string }>>,
  rows: TargetRow[],
  inFlight: number,
): Promise<number> {
  const batches: TargetRow[][] = [];
  for (let start = 0; start < rows.length; start += BATCH) batches.push(rows.slice(start, start + BATCH));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      const failed = (await upsertBatch(batch)).find((o) => o.status === 'failed');
      if (failed) throw new Error(`write failed: ${failed.message}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return rows.length;
}

async function countPages(pages: AsyncIterable<{ rows: unknown[] }>): Promise<number> {
  let rows = 0;
  for await (const page of pages) rows += page.rows.length;
  return rows;
}

async function main(): Promise<void> {
  process.env[SECRET_ENV] = DEFAULT_CLIENT.clientSecret;
  const identity = await startIdentityServer();
  const seedIds = Array.from({ length: ROWS }, (_, i) => i);
  const dataverse = await startDataverseEmulator({
    identity,
    seed: {
      accounts: seedIds.map((i) => ({
        accountid: `6f1c2a10-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
        name: `Seeded account ${i}`,
        accountnumber: `SEED-${i}`,
        address1_city: 'Seattle',
      })),
    },
  });
  const fno = await startFnoEmulator({
    identity,
    seed: {
      CustomersV3: seedIds.map((i) => ({
        dataAreaId: 'usmf',
        CustomerAccount: `SEED-${i}`,
        OrganizationName: `Seeded customer ${i}`,
        CustomerGroupId: '10',
      })),
    },
  });
  const connection = (emulator: { url: string; resource: string }) => ({
    url: emulator.url,
    authority: identity.authority,
    clientId: DEFAULT_CLIENT.clientId,
    clientSecretEnv: SECRET_ENV,
    scope: `${emulator.resource}/.default`,
    caCertPem: identity.caCertPem,
  });
  const dvMetrics = new CountingMetrics();
  const foMetrics = new CountingMetrics();
  const dv = new DataverseClient(connection(dataverse), { metrics: dvMetrics });
  const fo = new FnoClient({ ...connection(fno), defaultCompany: 'usmf' }, { metrics: foMetrics });

  const accounts = (suffix: string) =>
    Array.from({ length: WRITE_ROWS }, (_, i): TargetRow => {
      const key = { accountnumber: `BENCH-${i}` };
      return {
        sourceKey: key.accountnumber,
        entitySet: 'accounts',
        key,
        fields: { ...key, name: `Bench ${i} ${suffix}` },
      };
    });
  const customers = (suffix: string) =>
    Array.from({ length: WRITE_ROWS }, (_, i): TargetRow => {
      const key = { dataAreaId: 'usmf', CustomerAccount: `BENCH-${i}` };
      return {
        sourceKey: key.CustomerAccount,
        entitySet: 'CustomersV3',
        key,
        fields: { ...key, OrganizationName: `Bench ${i} ${suffix}`, CustomerGroupId: '10' },
      };
    });
  const half = (rows: TargetRow[], part: 0 | 1) => rows.filter((_, i) => i % 2 === part);

  const results: Measurement[] = [];
  let earlyRetries = 0;
  try {
    results.push(
      await time('Dataverse', 'read, pages of 5000', dvMetrics, () =>
        countPages(dv.readPages('accounts', { select: ['accountnumber', 'name', 'address1_city'], pageSize: 5000 })),
      ),
      await time('Dataverse', 'read, pages of 200', dvMetrics, () =>
        countPages(dv.readPages('accounts', { select: ['accountnumber', 'name', 'address1_city'], pageSize: 200 })),
      ),
      await time('Dataverse', `upsert create, 1 batch in flight`, dvMetrics, () =>
        writeAll((rows) => dv.upsertBatch(rows, { continueOnError: true }), half(accounts('a'), 0), 1),
      ),
      await time('Dataverse', `upsert create, ${IN_FLIGHT} batches in flight`, dvMetrics, () =>
        writeAll((rows) => dv.upsertBatch(rows, { continueOnError: true }), half(accounts('a'), 1), IN_FLIGHT),
      ),
      await time('Dataverse', `upsert update, ${IN_FLIGHT} batches in flight`, dvMetrics, () =>
        writeAll((rows) => dv.upsertBatch(rows, { continueOnError: true }), accounts('b'), IN_FLIGHT),
      ),
      await time('Dataverse', `read under a 429 storm (${STORM_THROTTLES} × Retry-After 1 s)`, dvMetrics, async () => {
        const throttleOnce = () => dataverse.faults.configure({ throttleNext: { count: 1, retryAfterSeconds: 1 } });
        throttleOnce();
        let rows = 0;
        let pages = 0;
        // The accounts written above are read too.
        const pageSize = stormPageSize(ROWS + WRITE_ROWS);
        for await (const page of dv.readPages('accounts', { select: ['accountnumber'], pageSize })) {
          rows += page.rows.length;
          pages += 1;
          // More 429s in the middle of the read.
          if (pages < STORM_THROTTLES) throttleOnce();
        }
        return rows;
      }),
      await time('F&O', 'read, pages of 10000', foMetrics, () =>
        countPages(fo.readPages('CustomersV3', { select: ['CustomerAccount', 'OrganizationName'], pageSize: 10_000 })),
      ),
      await time('F&O', 'read, pages of 200', foMetrics, () =>
        countPages(fo.readPages('CustomersV3', { select: ['CustomerAccount', 'OrganizationName'], pageSize: 200 })),
      ),
      await time('F&O', `upsert create, 1 batch in flight`, foMetrics, () =>
        writeAll((rows) => fo.upsertBatch(rows, { continueOnError: true }), half(customers('a'), 0), 1),
      ),
      await time('F&O', `upsert create, ${IN_FLIGHT} batches in flight`, foMetrics, () =>
        writeAll((rows) => fo.upsertBatch(rows, { continueOnError: true }), half(customers('a'), 1), IN_FLIGHT),
      ),
      await time('F&O', `upsert update, ${IN_FLIGHT} batches in flight`, foMetrics, () =>
        writeAll((rows) => fo.upsertBatch(rows, { continueOnError: true }), customers('b'), IN_FLIGHT),
      ),
    );
    earlyRetries = dataverse.stats().earlyRetries;
    const storm = results.find((r) => r.step.startsWith('read under a 429 storm'))!;
    if (storm.throttled !== STORM_THROTTLES) {
      throw new Error(`429 storm: the read met ${storm.throttled} 429s, not ${STORM_THROTTLES}`);
    }
  } finally {
    await dv.close();
    await fo.close();
    await dataverse.close();
    await fno.close();
    await identity.close();
  }

  console.log(`Connector throughput against the local emulators (${ROWS} seeded rows per system, default settings)`);
  console.log(
    `429 storm: waits from each 429 to the next request ${dvMetrics.waitsAfter429.join(', ')} ms; ` +
      `requests the emulator counted as early: ${earlyRetries}`,
  );
  console.table(
    results.map((r) => ({
      system: r.system,
      step: r.step,
      rows: r.rows,
      seconds: Number((r.ms / 1000).toFixed(2)),
      'rows/s': Math.round((r.rows / r.ms) * 1000),
      requests: r.requests,
      '429s': r.throttled,
      retries: r.retries,
    })),
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
