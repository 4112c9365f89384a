/** The DataConverter that worker, client, replay and tests share when payload encryption is configured. */
import type { DataConverter } from '@temporalio/common';
import type { CodecConfig } from './key-ring';
import { createPayloadCodec } from './payload-codec';

/** Module with the `failureConverter` export; a path because the workflow bundle loads it inside the sandbox. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** Undefined without keys, so `dataConverter: dataConverterFor(loadCodecConfig())` keeps Temporal's default. */
export function dataConverterFor(config: CodecConfig | undefined): DataConverter | undefined {
  if (!config) return undefined;
  return { payloadCodecs: [createPayloadCodec(config.keyRing)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
