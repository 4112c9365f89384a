/**
 * Does the emulators' cost per request stay flat as tables grow? For each size: seed both emulators, then time, through
 * the real connectors, a full paged read of the accounts (pages of 200, as a task reads them) and a key look-up
 * (`findKeys`, as a page's lookups run) for every page of account numbers. Prints milliseconds per page of each; flat
 * figures across sizes mean a sync's emulator cost grows linearly with its rows.
 *
 *   npx tsx bench/emulator-scaling.ts [--sizes 2000,10000,50000]
 */
import { parseArgs } from 'node:util';
import { connectionToEmulators } from '../client/local-stack';
import { startEmulators } from '../emulators';
import { createClients } from '../worker/connections';

const PAGE_SIZE = 200;
const DEFAULT_SIZES = '2000,10000,50000';

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { value, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

async function measure(accounts: number) {
  const emulators = await startEmulators({ seed: { accounts, orders: 0 }, serviceProtection: false });
  const clients = createClients(connectionToEmulators(emulators.connection));
  try {
    // Token, TLS connection: paid once per size, so untimed; another table leaves the accounts' caches cold.
    await clients.dataverse.readPage('contacts', { select: ['contactid'], pageSize: 1 });
    const numbers: string[] = [];
    let rowsRead = 0;
    const read = await timed(async () => {
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await clients.dataverse.readPage('accounts', {
          select: ['accountnumber', 'name'],
          orderBy: ['accountnumber'],
          pageSize: PAGE_SIZE,
          cursor,
        });
        rowsRead += page.rows.length;
        for (const row of page.rows) if (typeof row.accountnumber === 'string') numbers.push(row.accountnumber);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor);
      return pages;
    });
    const lookups = await timed(async () => {
      let found = 0;
      for (let i = 0; i < numbers.length; i += PAGE_SIZE) {
        found += (await clients.dataverse.findKeys('accounts', 'accountnumber', numbers.slice(i, i + PAGE_SIZE))).size;
      }
      return found;
    });
    const seeded = emulators.manifest!.counts.dataverse.accounts;
    if (rowsRead !== seeded) throw new Error(`the read saw ${rowsRead} of ${seeded} seeded accounts`);
    if (lookups.value !== numbers.length) {
      throw new Error(`findKeys found ${lookups.value} of ${numbers.length} account numbers it had just read`);
    }
    const lookupPages = Math.ceil(numbers.length / PAGE_SIZE);
    return {
      accounts: seeded,
      readMsPerPage: read.ms / read.value,
      lookupMsPerPage: lookups.ms / lookupPages,
    };
  } finally {
    await clients.close();
    await emulators.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: DEFAULT_SIZES } } });
  const sizes = values.sizes!.split(',').map((v) => Number(v.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`--sizes: positive integers, got ${values.sizes}`);
  console.log('accounts  read ms/page  lookup ms/page');
  for (const size of sizes) {
    const r = await measure(size);
    console.log(
      `${String(r.accounts).padStart(8)}  ${r.readMsPerPage.toFixed(1).padStart(12)}  ${r.lookupMsPerPage.toFixed(1).padStart(14)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
