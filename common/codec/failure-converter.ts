/**
 * Loaded by path (DataConverter.failureConverterPath) in the worker, the client and inside the workflow sandbox, so
 * it must import nothing but @temporalio/common. Moving message and stack trace into encoded attributes lets the
 * payload codec encrypt them; by default they are stored in clear text.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
