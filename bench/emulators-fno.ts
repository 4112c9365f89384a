/**
 * Throughput of the F&O emulator over HTTP on 127.0.0.1: seeding, single-row keyed GETs, 200-row `$batch`
 * upserts of CustomersV2 (one change set per row, as the sync writes them), and a key look-up query of 200
 * `or` terms over the seeded table. Client and server share this process (and the machine), so the numbers are a
 * floor; an undici pool keeps the client's share of the CPU small.
 *
 *   npx tsx bench/emulators-fno.ts [seedRows=50000] [seconds=5]
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { serializeBatchRequest, type BatchRequestItem } from '../emulators/common/batch';
import { startFnoEmulator } from '../emulators/fno';

const SEED_ROWS = Number(process.argv[2] ?? 50_000);
const SECONDS = Number(process.argv[3] ?? 5);
const BATCH_ROWS = 200;
const CONCURRENCY = 8;
const account = (i: number) => `B-${String(i).padStart(6, '0')}`;

/** Work items a second; the last ones end after the window, so the rate is over the time they all took. */
async function forDuration(concurrency: number, work: (worker: number, n: number) => Promise<void>): Promise<number> {
  const started = Date.now();
  const until = started + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let n = 0; Date.now() < until; n += 1) {
        await work(worker, n);
        done += 1;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

async function main(): Promise<void> {
  const seedStarted = Date.now();
  const emu = await startFnoEmulator({
    throttling: false,
    seed: {
      CustomersV2: Array.from({ length: SEED_ROWS }, (_, i) => ({
        dataAreaId: 'usmf',
        CustomerAccount: account(i),
        OrganizationName: `Seeded customer ${i}`,
        CustomerGroupId: '10',
        AddressCity: 'Seattle',
      })),
    },
  });
  const seedMs = Date.now() - seedStarted;
  const headers = { authorization: `Bearer ${emu.identity.issue(emu.identity.clients[0].clientId, emu.resource)}` };
  const pool = new Pool(emu.url, { connections: CONCURRENCY });
  const send = async (method: 'GET' | 'POST', path: string, extra: Record<string, string> = {}, body?: string) => {
    const response = await pool.request({ method, path: `/data/${path}`, headers: { ...headers, ...extra }, body });
    return { status: response.statusCode, text: await response.body.text() };
  };

  const getPerSecond = await forDuration(CONCURRENCY, async (worker, n) => {
    const i = (worker * 7919 + n * 104729) % SEED_ROWS;
    const response = await send('GET', `CustomersV2(dataAreaId='usmf',CustomerAccount='${account(i)}')`);
    if (response.status !== 200) throw new Error(`GET answered ${response.status}`);
  });

  const run = randomUUID().slice(0, 8);
  let batches = 0;
  const batchesPerSecond = await forDuration(CONCURRENCY, async (worker, n) => {
    batches += 1;
    // Alternate creates (new keys) and updates (keys of the seeded rows).
    const create = n % 2 === 0;
    const items: BatchRequestItem[] = Array.from({ length: BATCH_ROWS }, (_, r) => {
      const key = create ? `N${run}-${worker}-${n}-${r}` : account((worker * BATCH_ROWS + r) % SEED_ROWS);
      return {
        kind: 'changeset',
        requests: [
          create
            ? {
                method: 'POST',
                url: 'CustomersV2',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({
                  dataAreaId: 'usmf',
                  CustomerAccount: key,
                  CustomerGroupId: '10',
                  OrganizationName: key,
                }),
                contentId: '1',
              }
            : {
                method: 'PATCH',
                url: `CustomersV2(dataAreaId='usmf',CustomerAccount='${key}')`,
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ OrganizationName: `Updated ${n}` }),
                contentId: '1',
              },
        ],
      };
    });
    const request = serializeBatchRequest(items);
    const response = await send('POST', '$batch', { 'content-type': request.contentType }, request.body);
    if (response.status !== 200 || /HTTP\/1\.1 [45]\d\d/.test(response.text)) {
      throw new Error(`batch failed: ${response.text.slice(0, 500)}`);
    }
  });

  const lookupPerSecond = await forDuration(2, async (_worker, n) => {
    const terms = Array.from({ length: 200 }, (_, r) => `CustomerAccount eq '${account((n * 200 + r) % SEED_ROWS)}'`);
    const response = await send(
      'GET',
      `CustomersV2?$select=CustomerAccount&$filter=${encodeURIComponent(terms.join(' or '))}`,
    );
    const body = JSON.parse(response.text) as { value: unknown[] };
    if (body.value.length !== 200) throw new Error(`look-up found ${body.value.length} rows`);
  });

  await pool.close();
  await emu.close();
  const rows = [
    { measure: `seed ${SEED_ROWS} CustomersV2 rows`, value: `${seedMs} ms` },
    { measure: 'keyed GET CustomersV2(dataAreaId,CustomerAccount)', value: `${getPerSecond.toFixed(0)} req/s` },
    {
      measure: `$batch of ${BATCH_ROWS} CustomersV2 upserts`,
      value: `${batchesPerSecond.toFixed(1)} batches/s = ${(batchesPerSecond * BATCH_ROWS).toFixed(0)} rows/s (${batches} batches)`,
    },
    {
      measure: `look-up of 200 keys by $filter over ${SEED_ROWS} rows`,
      value: `${lookupPerSecond.toFixed(1)} queries/s`,
    },
  ];
  console.table(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
