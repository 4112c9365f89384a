/**
 * Throughput of the Dataverse emulator: seed load time for 10,000 accounts + 15,000 contacts (store, no HTTP),
 * requests per second for a single-row GET by alternate key, and for 200-row `$batch` upserts by alternate key
 * (one change set per batch), each with a pool of concurrent HTTP clients on 127.0.0.1.
 *
 *   npx tsx bench/emulators-dataverse.ts [--seconds 5] [--concurrency 16]
 */
import { Agent, request } from 'undici';
import { serializeBatchRequest, type BatchRequestPart } from '../emulators/common/batch';
import { DEFAULT_CLIENT } from '../emulators/common/identity';
import { API_VERSION_PATH, startDataverseEmulator, type DataverseSeed } from '../emulators/dataverse';

const ACCOUNTS = 10_000;
const CONTACTS = 15_000;
const BATCH_ROWS = 200;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const accountNumber = (i: number) => `ACC-${String(i).padStart(6, '0')}`;

function buildSeed(): DataverseSeed {
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
    accountid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `Account ${i}`,
    accountnumber: accountNumber(i),
    address1_city: 'Seattle',
    creditlimit: 1000 + i,
  }));
  const contacts = Array.from({ length: CONTACTS }, (_, i) => ({
    contactid: `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`,
    firstname: `First${i}`,
    lastname: `Last${i}`,
    msdynce_contactnumber: `CON-${String(i).padStart(6, '0')}`,
    // Half by GUID, half by alternate key: both bind paths are exercised.
    'parentcustomerid_account@odata.bind':
      i % 2 === 0
        ? `/accounts(${accounts[i % ACCOUNTS].accountid})`
        : `/accounts(accountnumber='${accountNumber(i % ACCOUNTS)}')`,
  }));
  return { accounts, contacts };
}

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
}

/** Runs `concurrency` workers that each send requests back to back for `seconds`. */
async function load(
  seconds: number,
  concurrency: number,
  send: (worker: number, iteration: number) => Promise<boolean>,
): Promise<LoadResult> {
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let iteration = 0; performance.now() < deadline; iteration += 1) {
        const t = performance.now();
        const ok = await send(worker, iteration);
        latencies.push(performance.now() - t);
        if (!ok) errors += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: latencies.length, errors, seconds: elapsed, p50: pick(0.5), p99: pick(0.99) };
}

async function main(): Promise<void> {
  const seconds = option('seconds', 5);
  const concurrency = option('concurrency', 16);
  const seed = buildSeed();

  const loadStarted = performance.now();
  const emu = await startDataverseEmulator({ seed });
  const seedMs = performance.now() - loadStarted;
  const token = emu.identity.issue(DEFAULT_CLIENT.clientId, emu.resource);
  const agent = new Agent({ connections: concurrency, pipelining: 1 });
  const headers = {
    authorization: `Bearer ${token}`,
    accept: 'application/json',
    'odata-version': '4.0',
    'odata-maxversion': '4.0',
  };

  try {
    const singleGet = await load(seconds, concurrency, async (worker, iteration) => {
      const key = accountNumber((worker * 7919 + iteration) % ACCOUNTS);
      const response = await request(`${emu.apiUrl}accounts(accountnumber='${key}')?$select=name,accountnumber`, {
        dispatcher: agent,
        headers,
      });
      await response.body.dump();
      return response.statusCode === 200;
    });

    let rowsWritten = 0;
    const batchUpsert = await load(seconds, concurrency, async (worker, iteration) => {
      const parts: BatchRequestPart[] = Array.from({ length: BATCH_ROWS }, (_, i) => ({
        method: 'PATCH',
        url: `${API_VERSION_PATH}accounts(accountnumber='${accountNumber((worker * BATCH_ROWS + i) % ACCOUNTS)}')`,
        headers: { 'Content-Type': 'application/json; type=entry' },
        body: JSON.stringify({ name: `Account w${worker} i${iteration} r${i}`, creditlimit: iteration }),
        contentId: String(i + 1),
      }));
      const batch = serializeBatchRequest([{ kind: 'changeset', requests: parts }]);
      const response = await request(`${emu.apiUrl}$batch`, {
        method: 'POST',
        dispatcher: agent,
        headers: { ...headers, 'content-type': batch.contentType },
        body: batch.body,
      });
      const text = await response.body.text();
      const ok = response.statusCode === 200 && !/HTTP\/1\.1 [45]\d\d/.test(text);
      if (ok) rowsWritten += BATCH_ROWS;
      return ok;
    });

    const report = {
      seed: { accounts: ACCOUNTS, contacts: CONTACTS, startMs: Math.round(seedMs) },
      concurrency,
      singleRowGet: {
        requestsPerSecond: Math.round(singleGet.requests / singleGet.seconds),
        p50Ms: +singleGet.p50.toFixed(2),
        p99Ms: +singleGet.p99.toFixed(2),
        errors: singleGet.errors,
      },
      batchUpsert200: {
        batchesPerSecond: +(batchUpsert.requests / batchUpsert.seconds).toFixed(1),
        rowsPerSecond: Math.round(rowsWritten / batchUpsert.seconds),
        p50Ms: +batchUpsert.p50.toFixed(1),
        p99Ms: +batchUpsert.p99.toFixed(1),
        errors: batchUpsert.errors,
      },
    };
    console.log(JSON.stringify(report, null, 2));
    if (singleGet.errors || batchUpsert.errors) process.exitCode = 1;
  } finally {
    await agent.close();
    await emu.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
