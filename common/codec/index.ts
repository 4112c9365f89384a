/** Payload encryption: key ring from the environment, the codec, and the DataConverter built from them. */
export { CODEC_ENV, KEY_BYTES, loadCodecConfig, parseKeyRing, type CodecConfig, type KeyRing } from './key-ring';
export { ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadCodecError, createPayloadCodec } from './payload-codec';
export { FAILURE_CONVERTER_PATH, dataConverterFor } from './data-converter';
