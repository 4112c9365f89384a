export {
  connectionConfigSchema,
  dataverseConnectionSchema,
  fnoConnectionSchema,
  describeConnection,
  DEFAULT_MAX_INLINE_RETRIES,
  DEFAULT_MAX_INLINE_WAIT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type ConnectionConfig,
  type DataverseConnection,
  type FnoConnection,
} from './config';
export {
  ConnectorError,
  classifyError,
  isRetryable,
  parseRetryAfter,
  type ErrorContext,
  type ErrorKind,
} from './errors';
export { TargetLimiter, DATAVERSE_LIMITS, FNO_LIMITS, type LimiterOptions, type LimiterSnapshot } from './limiter';
export { noopMetrics, type ConnectorMetrics, type ConnectorDeps } from './target';
export {
  DataverseClient,
  DATAVERSE_MAX_PAGE_SIZE,
  DATAVERSE_MAX_BATCH_OPERATIONS,
  type DataverseReadOptions,
  type DataverseDeltaOptions,
  type DeltaPage,
  type ExpandSpec,
  type UpsertBatchOptions,
} from './dataverse/client';
export { FnoClient, FNO_MAX_PAGE_SIZE, type FnoReadOptions, type FnoUpsertBatchOptions } from './fno/client';
export type { Page } from './odata/rows';
