import type { ThrottleLimit, ThrottleOptions } from '../common/throttle';

/**
 * Dataverse error codes and bodies (spec/wire-protocols.md §1.11). Codes are the hex strings the Web API puts
 * in `error.code`; clients must branch on the HTTP status, the code only refines it.
 */

export const DV_ERROR = {
  objectDoesNotExist: '0x80040217',
  duplicateRecord: '0x80040237',
  duplicateRecordEntityKey: '0x80060892',
  concurrencyVersionMismatch: '0x80060882',
  entityKeyNotDefined: '0x80060890',
  /** Generic OData request error: unknown property, malformed query, unsupported option. */
  odataRequest: '0x80060888',
  /** Validation failure: string longer than its column, choice value out of range, wrong JSON type. */
  validation: '0x80044331',
  invalidArgument: '0x80040203',
  notSupported: '0x80040800',
  requestsLimit: '0x80072322',
  executionTimeLimit: '0x80072321',
  concurrencyLimit: '0x80072326',
  serverError: '0x80040216',
  unavailable: '0x80040265',
  unauthenticated: '0x80072560',
} as const;

export const ROW_VERSION_MISMATCH_MESSAGE =
  "The version of the existing record doesn't match the RowVersion property provided.";
export const MATCHING_KEY_EXISTS_MESSAGE = 'A record with matching key values already exists.';

/** A failed Dataverse operation; the server turns it into the standard error body. */
export class DataverseError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DataverseError';
  }
}

export const ERROR_CONTENT_TYPE = 'application/json; odata.metadata=minimal';

export function errorBody(code: string, message: string, withAnnotations = false): Record<string, unknown> {
  const error: Record<string, unknown> = { code, message };
  if (withAnnotations) {
    error['@Microsoft.PowerApps.CDS.ErrorDetails.OperationStatus'] = '0';
    error['@Microsoft.PowerApps.CDS.ErrorDetails.SubErrorCode'] = String(parseInt(code, 16) | 0);
    error['@Microsoft.PowerApps.CDS.HelpLink'] =
      `http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a${code.replace(/^0x/, '')}`;
    error['@Microsoft.PowerApps.CDS.TraceText'] = '';
    error['@Microsoft.PowerApps.CDS.InnerError.Message'] = message;
  }
  return { error };
}

export function notFound(logicalName: string, id: string): DataverseError {
  return new DataverseError(404, DV_ERROR.objectDoesNotExist, `${logicalName} With Id = ${id} Does Not Exist`);
}

export function notFoundByKey(logicalName: string, keyText: string): DataverseError {
  return new DataverseError(
    404,
    DV_ERROR.objectDoesNotExist,
    `A record with the specified key values does not exist in ${logicalName} entity (${keyText})`,
  );
}

export function badRequest(message: string, code: string = DV_ERROR.odataRequest): DataverseError {
  return new DataverseError(400, code, message);
}

/** Service-protection messages, with the configured limits in them as the real service does. */
export function throttleMessage(
  limit: ThrottleLimit,
  limits: Required<ThrottleOptions>,
): { code: string; message: string } {
  switch (limit) {
    case 'requests':
      return {
        code: DV_ERROR.requestsLimit,
        message: `Number of requests exceeded the limit of ${limits.maxRequests} over time window of ${limits.windowSeconds} seconds.`,
      };
    case 'execution-time':
      return {
        code: DV_ERROR.executionTimeLimit,
        message: `Combined execution time of incoming requests exceeded limit of ${limits.maxExecutionMs.toLocaleString('en-US')} milliseconds over time window of ${limits.windowSeconds} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
      };
    case 'concurrency':
      return {
        code: DV_ERROR.concurrencyLimit,
        message: `Number of concurrent requests exceeded the limit of ${limits.maxConcurrent}.`,
      };
  }
}
