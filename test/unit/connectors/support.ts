import type { SourceRow, SystemName, TargetRow, WriteOutcome } from '../../../common/types';
import type { ConnectorMetrics } from '../../../connectors';
import { DEFAULT_CLIENT, type IdentityServer } from '../../../emulators/common/identity';

/** Connection settings for an emulator, the way a user would write them for a real tenant. */
export function emulatorConnection(
  emulator: { url: string; resource: string },
  identity: IdentityServer,
  secretEnv: string,
  extra: Record<string, unknown> = {},
) {
  process.env[secretEnv] = DEFAULT_CLIENT.clientSecret;
  return {
    url: emulator.url,
    authority: identity.authority,
    clientId: DEFAULT_CLIENT.clientId,
    clientSecretEnv: secretEnv,
    scope: `${emulator.resource}/.default`,
    caCertPem: identity.caCertPem,
    ...extra,
  };
}

export interface RecordedRequest {
  system: SystemName;
  method: string;
  status: number;
  ms: number;
  at: number;
}

/** Metrics hooks that remember everything, for assertions on retries, throttles and waits. */
export class RecordingMetrics implements ConnectorMetrics {
  requests: RecordedRequest[] = [];
  throttles: Array<{ system: SystemName; retryAfterMs: number; at: number }> = [];
  retries = 0;
  listeners: Array<(request: RecordedRequest) => void> = [];

  onRequest(system: SystemName, method: string, status: number, ms: number): void {
    const request = { system, method, status, ms, at: Date.now() };
    this.requests.push(request);
    for (const listener of this.listeners) listener(request);
  }

  onThrottle(system: SystemName, retryAfterMs: number): void {
    this.throttles.push({ system, retryAfterMs, at: Date.now() });
  }

  onRetry(): void {
    this.retries += 1;
  }

  /** For each request that followed a 429: ms between that 429 arriving and the request being sent. */
  waitsAfter429(): number[] {
    const waits: number[] = [];
    this.requests.forEach((request, i) => {
      const previous = this.requests[i - 1];
      if (previous?.status === 429) waits.push(request.at - request.ms - previous.at);
    });
    return waits;
  }

  /** Calls `action` once, when the first response with `status` is seen (e.g. lift a fault after it bit). */
  onceOnStatus(status: number, action: () => void): void {
    let done = false;
    this.listeners.push((request) => {
      if (!done && request.status === status) {
        done = true;
        action();
      }
    });
  }

  reset(): void {
    this.requests = [];
    this.throttles = [];
    this.retries = 0;
    this.listeners = [];
  }
}

export function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

interface Closable {
  close(): Promise<void>;
}

/**
 * The shared after/before hooks of an emulator test file: close client, emulator and identity server at the end,
 * and start every test without faults or recorded metrics. `parts` is read when the hooks run.
 */
export function emulatorLifecycle(
  parts: () => { client?: Closable; emulator?: Closable & { faults: { reset(): void } }; identity?: Closable },
  metrics: RecordingMetrics,
): void {
  afterAll(async () => {
    const { client, emulator, identity } = parts();
    await client?.close();
    await emulator?.close();
    await identity?.close();
  });
  beforeEach(() => {
    parts().emulator?.faults.reset();
    metrics.reset();
  });
}

/**
 * Walks every page and checks that each row `idOf` picks out (undefined = not ours) appears exactly once and that
 * no page is larger than `pageSize`. Returns the number of pages.
 */
export async function expectEachRowOnce(
  pages: AsyncIterable<{ rows: SourceRow[] }>,
  pageSize: number,
  expectedRows: number,
  idOf: (row: SourceRow) => string | undefined,
): Promise<number> {
  const seen = new Map<string, number>();
  let count = 0;
  for await (const page of pages) {
    count += 1;
    expect(page.rows.length).toBeLessThanOrEqual(pageSize);
    for (const row of page.rows) {
      const id = idOf(row);
      if (id !== undefined) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  }
  expect(seen.size).toBe(expectedRows);
  expect([...seen.values()].every((n) => n === 1)).toBe(true);
  return count;
}

/** Upserts the same rows twice: everything is created the first time and nothing the second. */
export async function expectIdempotentUpsert(
  client: { upsertBatch(rows: TargetRow[], options: { continueOnError: boolean }): Promise<WriteOutcome[]> },
  rows: TargetRow[],
): Promise<void> {
  const first = await client.upsertBatch(rows, { continueOnError: true });
  expect(first.map((o) => o.status)).toEqual(rows.map(() => 'created'));
  const again = await client.upsertBatch(rows, { continueOnError: true });
  expect(again.map((o) => o.status)).toEqual(rows.map(() => 'updated'));
}
