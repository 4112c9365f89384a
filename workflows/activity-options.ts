/**
 * Timeouts and retry policies per activity kind. Connector errors reach Temporal as ApplicationFailures whose
 * type says whether a retry can help (see activities/failures.ts); a Retry-After becomes nextRetryDelay there.
 */
import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/workflow';

export const NON_RETRYABLE = 'ConnectorNonRetryable';
export const RETRYABLE = 'ConnectorRetryable';
export const CONFIG_ERROR = 'ConfigurationError';
export const PAGE_TOO_LARGE = 'PageTooLarge';

const nonRetryableErrorTypes = [NON_RETRYABLE, CONFIG_ERROR, PAGE_TOO_LARGE];

/** Service calls: backoff up to a minute, about ten minutes of retrying before a page is given up. */
const serviceRetry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '60s',
  maximumAttempts: 12,
  nonRetryableErrorTypes,
};

/** Checkpoint-store calls: quick, so retried soon and often. */
const bookkeepingRetry: RetryPolicy = {
  initialInterval: '500ms',
  backoffCoefficient: 2,
  maximumInterval: '10s',
  maximumAttempts: 10,
  nonRetryableErrorTypes,
};

export const activityOptions = {
  read: { startToCloseTimeout: '2m', heartbeatTimeout: '20s', retry: serviceRetry },
  write: { startToCloseTimeout: '5m', heartbeatTimeout: '20s', retry: serviceRetry },
  bookkeeping: { startToCloseTimeout: '30s', retry: bookkeepingRetry },
} satisfies Record<string, ActivityOptions>;

/**
 * Short calls run as local activities where a workflow gains from it (a saga's reads and writes, a task's
 * bookkeeping): no activity task round trip through the server, and the result is recorded with the workflow task
 * that acts on it. Same retries as their activity-task kind (Retry-After included); waits beyond the local retry
 * threshold become timers.
 */
export const localActivityOptions = {
  read: { startToCloseTimeout: '2m', retry: serviceRetry },
  write: { startToCloseTimeout: '5m', retry: serviceRetry },
  bookkeeping: { startToCloseTimeout: '30s', retry: bookkeepingRetry },
} satisfies Record<string, LocalActivityOptions>;
