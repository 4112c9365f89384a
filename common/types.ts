/**
 * Shapes shared by the layers: the mapping engine produces TargetRows and RowFailures, the connectors write
 * TargetRows and answer with WriteOutcomes, the workflows count them. Plain JSON only: these cross Temporal.
 */

export type SystemName = 'sales' | 'fno';
export type Direction = 'sales-to-fno' | 'fno-to-sales';

/** A record as the service returns it (Dataverse JSON row, F&O entity row). */
export type SourceRow = Record<string, unknown>;

export type KeyValue = string | number | boolean;
export type BusinessKey = Record<string, KeyValue>;

/**
 * A reference to a row of the target system by business key. For Dataverse targets the connector writes it as
 * `"<navigationProperty>@odata.bind": "/<entitySet>(<key>=<value>)"` (alternate key), so no GUID map is needed.
 */
export interface LookupRef {
  entitySet: string;
  key: BusinessKey;
}

/** One row ready to be upserted by business key into the target entity set. */
export interface TargetRow {
  /** Business key of the source row in display form, e.g. `ACC-01000-BVRCPS` or `Q-1001/3`. */
  sourceKey: string;
  entitySet: string;
  /** Business key in the target (F&O keys include dataAreaId). */
  key: BusinessKey;
  /** Plain column values, key columns included. */
  fields: Record<string, unknown>;
  /** Navigation property name → referenced target row (Dataverse targets). */
  lookups?: Record<string, LookupRef>;
}

/** A row that could not be read, mapped or written. Goes to the run's failures; the run goes on. */
export interface RowFailure {
  task: string;
  sourceKey: string;
  field?: string;
  code: string;
  message: string;
  attempt?: number;
  retryable?: boolean;
}

export type WriteStatus = 'created' | 'updated' | 'unchanged' | 'failed';

export interface WriteOutcome {
  sourceKey: string;
  status: WriteStatus;
  /** Present when status is 'failed'. */
  code?: string;
  message?: string;
  field?: string;
  retryable?: boolean;
  /** On a retryable failure: how long the service asked to be left alone (Retry-After), in milliseconds. */
  retryAfterMs?: number;
}
