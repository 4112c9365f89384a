/**
 * Bulk throughput of the checkpoint store: the hash look-ups and writes of a full read of 100,000 rows without a
 * watermark, and a page run that fails 10,000 rows. Runs on SQLite, and on PostgreSQL when P2C_TEST_PG_URL is set.
 *
 *   npx tsx bench/checkpoint-store.ts
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { openCheckpointStore, type CheckpointStore, type StoredFailure } from '../common/checkpoint-store';

const HASH_ENTRIES = 100_000;
const FAILURES = 10_000;
const PROJECT = 'bench';
const TASK = 'accountsToCustomers';
const PARTITION = 'usmf';

interface Measurement {
  backend: string;
  step: string;
  rows: number;
  ms: number;
}

async function time(backend: string, step: string, rows: number, work: () => Promise<unknown>): Promise<Measurement> {
  const started = process.hrtime.bigint();
  await work();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { backend, step, rows, ms };
}

async function measure(backend: string, store: CheckpointStore): Promise<Measurement[]> {
  const hashes = Array.from({ length: HASH_ENTRIES }, (_, index) => ({
    sourceKey: `ACC-${String(index).padStart(6, '0')}`,
    hash: randomUUID(),
  }));
  const changed = hashes.map((entry) => ({ ...entry, hash: randomUUID() }));
  const keys = hashes.map((entry) => entry.sourceKey);
  const failures: StoredFailure[] = Array.from({ length: FAILURES }, (_, index) => ({
    task: TASK,
    sourceKey: `ACC-${index}`,
    field: 'CustomerGroupId',
    code: 'MissingLookup',
    message: `customer group of ACC-${index} not found in usmf`,
    attempt: 1,
    retryable: false,
    at: new Date().toISOString(),
  }));

  const results: Measurement[] = [];
  results.push(
    await time(backend, 'putHashes (insert)', HASH_ENTRIES, () => store.putHashes(PROJECT, TASK, PARTITION, hashes)),
  );
  results.push(
    await time(backend, 'putHashes (update)', HASH_ENTRIES, () => store.putHashes(PROJECT, TASK, PARTITION, changed)),
  );
  let found = 0;
  results.push(
    await time(backend, 'getHashes', HASH_ENTRIES, async () => {
      found = (await store.getHashes(PROJECT, TASK, PARTITION, keys)).size;
    }),
  );
  if (found !== HASH_ENTRIES) throw new Error(`${backend}: getHashes found ${found} of ${HASH_ENTRIES} hashes`);
  results.push(await time(backend, 'addFailures (insert)', FAILURES, () => store.addFailures('bench-run', failures)));
  results.push(await time(backend, 'addFailures (repeat)', FAILURES, () => store.addFailures('bench-run', failures)));
  let listed = 0;
  results.push(
    await time(backend, 'listFailures', FAILURES, async () => {
      listed = (await store.listFailures('bench-run')).length;
    }),
  );
  // The repeat replaces the first entries: a store that added them again would list twice the rows reported.
  if (listed !== FAILURES) throw new Error(`${backend}: listFailures listed ${listed} of ${FAILURES} failures`);
  return results;
}

async function sqlite(): Promise<Measurement[]> {
  const folder = mkdtempSync(join(tmpdir(), 'p2c-bench-'));
  const store = await openCheckpointStore({ kind: 'sqlite', file: join(folder, 'checkpoints.sqlite') });
  try {
    return await measure('sqlite', store);
  } finally {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

async function postgres(connectionString: string): Promise<Measurement[]> {
  const schema = `p2c_bench_${randomUUID().replace(/-/g, '')}`;
  const store = await openCheckpointStore({ kind: 'postgres', connectionString, schema });
  try {
    return await measure('postgres', store);
  } finally {
    await store.close();
    const client = new Client({ connectionString });
    await client.connect();
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.end();
  }
}

async function main(): Promise<void> {
  const results = await sqlite();
  const url = process.env.P2C_TEST_PG_URL;
  if (url) results.push(...(await postgres(url)));
  else console.log('PostgreSQL skipped: P2C_TEST_PG_URL is not set (see .ci/install-postgres.sh)');

  console.log(['backend', 'step', 'rows', 'ms', 'rows/s'].join('\t'));
  for (const { backend, step, rows, ms } of results) {
    console.log([backend, step, rows, ms.toFixed(0), Math.round((rows / ms) * 1000)].join('\t'));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
