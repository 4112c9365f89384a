/**
 * F&O error bodies (spec/wire-protocols.md §2.9): `{ error: { code: "", message, innererror: { message, type,
 * stacktrace } } }`. Write failures (duplicate key, failed validateField/validateWrite, missing related record)
 * are 500 with an AxODataWriteException, which clients classify as a non-retryable data error.
 */

export const WRITE_EXCEPTION_TYPE = 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException';
const REQUEST_EXCEPTION_TYPE = 'Microsoft.OData.ODataException';
const GENERIC_MESSAGE = 'An error has occurred.';
export const HIGH_UTILISATION_MESSAGE =
  'This request could not be processed at this time due to system experiencing high resource utilization.';

export type FnoErrorKind =
  'write' | 'request' | 'not-found' | 'method' | 'precondition' | 'auth' | 'throttle' | 'server';

const STATUS_BY_KIND: Record<FnoErrorKind, number> = {
  write: 500,
  request: 400,
  'not-found': 404,
  method: 405,
  precondition: 412,
  auth: 401,
  throttle: 429,
  server: 500,
};

export class FnoError extends Error {
  readonly status: number;
  constructor(
    readonly kind: FnoErrorKind,
    message: string,
    /** The entity field the error is about, when there is one (also spelled out in the message). */
    readonly field?: string,
    status?: number,
  ) {
    super(message);
    this.name = 'FnoError';
    this.status = status ?? STATUS_BY_KIND[kind];
  }
}

/** A validateField/validateWrite failure of a table row, worded like the infolog F&O appends to the error. */
export function writeFailure(entityType: string, infolog: string, field?: string): FnoError {
  return new FnoError(
    'write',
    `Write failed for table row of type '${entityType}Entity'. Infolog: Error: ${infolog}`,
    field,
  );
}

export interface FnoErrorBody {
  error: { code: string; message: string; innererror?: { message: string; type: string; stacktrace: string } };
}

export function errorBody(error: FnoError): FnoErrorBody {
  if (error.kind === 'write') {
    return {
      error: {
        code: '',
        message: GENERIC_MESSAGE,
        innererror: {
          message: error.message,
          type: WRITE_EXCEPTION_TYPE,
          stacktrace: '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.Save()',
        },
      },
    };
  }
  if (error.kind === 'request') {
    return {
      error: {
        code: '',
        message: error.message,
        innererror: { message: error.message, type: REQUEST_EXCEPTION_TYPE, stacktrace: '' },
      },
    };
  }
  return { error: { code: '', message: error.message } };
}
