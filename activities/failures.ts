/**
 * The one place where connector errors become Temporal failures: retryable ones keep Temporal's retry policy and
 * carry the server's Retry-After as nextRetryDelay; the rest stop retrying at once.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ConnectorError } from '../connectors';
import type { WriteOutcome } from '../common/types';
import { CONFIG_ERROR, NON_RETRYABLE, RETRYABLE } from '../workflows/activity-options';

export function toApplicationFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ConnectorError) {
    return ApplicationFailure.create({
      type: err.retryable ? RETRYABLE : NON_RETRYABLE,
      message: err.message,
      nonRetryable: !err.retryable,
      nextRetryDelay: err.retryable && err.retryAfterMs !== undefined ? err.retryAfterMs : undefined,
      details: [{ status: err.status, serviceCode: err.serviceCode, recordKey: err.recordKey, system: err.system }],
    });
  }
  if (err instanceof Error && err.name === 'ProjectConfigError') {
    return ApplicationFailure.create({ type: CONFIG_ERROR, message: err.message, nonRetryable: true });
  }
  // Unknown errors (bugs, unexpected responses) keep retrying with backoff; the attempt limit bounds them.
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: RETRYABLE, message, nonRetryable: false });
}

/** The longest wait any of these refusals asked for (Retry-After), or undefined when none named one. */
export function longestRetryAfterMs(refusals: Array<{ retryAfterMs?: number }>): number | undefined {
  const waits = refusals.map((r) => r.retryAfterMs).filter((ms): ms is number => ms !== undefined);
  return waits.length ? Math.max(...waits) : undefined;
}

/**
 * The failure that has Temporal retry a write whose rows the target refused for now: named after the first row, and
 * not retried before the longest wait the refusals asked for, as a thrown ConnectorError is not (toApplicationFailure).
 */
export function retryableWriteFailure(refused: WriteOutcome[], message?: string): ApplicationFailure {
  const [first] = refused;
  return ApplicationFailure.create({
    type: RETRYABLE,
    message: message ?? `${first.sourceKey}: ${first.message ?? 'transient write failure'}`,
    nextRetryDelay: longestRetryAfterMs(refused),
  });
}

/** How often a running activity tells Temporal it is alive (its heartbeat timeout is a few times this). */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/**
 * Runs an activity body, heartbeating while it works (so a lost worker is noticed within the heartbeat timeout,
 * not the whole start-to-close timeout) and converting whatever it throws. `details` is re-sent with each beat.
 */
export async function classified<T>(body: () => Promise<T>, details?: () => unknown): Promise<T> {
  const ctx = Context.current();
  // A local activity has no heartbeat: the workflow task it runs in stands for it.
  const timer = ctx.info.isLocal ? undefined : setInterval(() => ctx.heartbeat(details?.()), HEARTBEAT_INTERVAL_MS);
  try {
    return await body();
  } catch (err) {
    throw toApplicationFailure(err);
  } finally {
    clearInterval(timer);
  }
}
