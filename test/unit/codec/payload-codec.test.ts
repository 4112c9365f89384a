/** The payload codec on its own: round trip, tamper detection, key rotation, compression, failure encoding. */
import { randomBytes } from 'node:crypto';
import {
  defaultPayloadConverter,
  METADATA_ENCODING_KEY,
  type FailureConverter,
  type Payload,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadCodecError,
  createPayloadCodec,
  dataConverterFor,
  loadCodecConfig,
  type KeyRing,
} from '../../../common/codec';

const key = () => randomBytes(32).toString('base64');
const ringOf = (spec: string): KeyRing => loadCodecConfig({ P2C_CODEC_KEYS: spec })!.keyRing;
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const serialisedSize = (payload: Payload) => temporal.api.common.v1.Payload.encode(payload).finish().length;

const account = { name: 'Fabrikam Ltd', email: 'ana.lopez@fabrikam.example', phone: '+44 20 7946 0958' };

describe('payload codec', () => {
  const k1 = key();
  const k2 = key();

  test('decodes what it encodes: values, metadata and the encoding of each payload come back unchanged', async () => {
    const codec = createPayloadCodec(ringOf(`k1:${k1}`));
    const originals = [
      defaultPayloadConverter.toPayload(account),
      defaultPayloadConverter.toPayload(undefined),
      defaultPayloadConverter.toPayload(new Uint8Array([0, 1, 2, 255])),
      defaultPayloadConverter.toPayload('x'.repeat(5000)),
    ];
    const encoded = await codec.encode(originals);
    for (const payload of encoded) {
      expect(Object.keys(payload.metadata!).sort()).toEqual([KEY_ID_METADATA, METADATA_ENCODING_KEY].sort());
      expect(text(payload.metadata![METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata![KEY_ID_METADATA])).toBe('k1');
    }
    expect(text(encoded[0].data)).not.toContain('Fabrikam');
    expect(text(encoded[0].data)).not.toContain('json/plain');

    const decoded = await codec.decode(encoded);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      account,
      undefined,
      new Uint8Array([0, 1, 2, 255]),
      'x'.repeat(5000),
    ]);
    decoded.forEach((payload, i) => {
      expect(Object.fromEntries(Object.entries(payload.metadata!).map(([k, v]) => [k, text(v)]))).toEqual(
        Object.fromEntries(Object.entries(originals[i].metadata!).map(([k, v]) => [k, text(v)])),
      );
    });
  });

  test('a fresh IV per payload: the same value never encrypts to the same bytes', async () => {
    const codec = createPayloadCodec(ringOf(`k1:${k1}`));
    const payload = defaultPayloadConverter.toPayload(account);
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  test('leaves payloads that are not encrypted untouched on decode', async () => {
    const codec = createPayloadCodec(ringOf(`k1:${k1}`));
    const plain = defaultPayloadConverter.toPayload(account);
    const [decoded] = await codec.decode([plain]);
    expect(decoded).toBe(plain);
  });

  test('any flipped byte (IV, ciphertext or tag) makes decode fail instead of returning altered data', async () => {
    const codec = createPayloadCodec(ringOf(`k1:${k1}`));
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(account)]);
    const sealed = Buffer.from(encoded.data!);
    for (const position of [0, 11, 12, Math.floor(sealed.length / 2), sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[position] ^= 0x01;
      await expect(codec.decode([{ ...encoded, data: tampered }])).rejects.toThrow(
        /key "k1" failed authentication: it was altered/,
      );
    }
    await expect(codec.decode([{ ...encoded, data: sealed.subarray(0, 20) }])).rejects.toThrow(/truncated/);
  });

  test('relabelling a payload with another known key id fails authentication', async () => {
    const [encoded] = await createPayloadCodec(ringOf(`k1:${k1}`)).encode([defaultPayloadConverter.toPayload(1)]);
    // Id k2 holds the very key that sealed the payload, so only the authenticated key id can tell them apart.
    const both = createPayloadCodec(ringOf(`k2:${k1},k1:${k2}`));
    const relabelled = { ...encoded, metadata: { ...encoded.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await expect(both.decode([relabelled])).rejects.toThrow(PayloadCodecError);
  });

  test('rotation: old payloads still decode after a new active key, new payloads use the new key', async () => {
    const before = createPayloadCodec(ringOf(`k1:${k1}`));
    const [old] = await before.encode([defaultPayloadConverter.toPayload({ ...account, generation: 1 })]);

    const rotated = createPayloadCodec(ringOf(`k2:${k2},k1:${k1}`));
    const [decodedOld] = await rotated.decode([old]);
    expect(defaultPayloadConverter.fromPayload(decodedOld)).toEqual({ ...account, generation: 1 });

    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload({ ...account, generation: 2 })]);
    expect(text(fresh.metadata![KEY_ID_METADATA])).toBe('k2');
    // Only k2 can open it: the codec without k2 reports the id it lacks.
    await expect(before.decode([fresh])).rejects.toThrow(
      /encrypted with key "k2", which is not configured \(known: k1\)/,
    );
  });

  test('an unknown key id fails decode with an error naming the id and the setting to fix', async () => {
    const [encoded] = await createPayloadCodec(ringOf(`old:${k1}`)).encode([defaultPayloadConverter.toPayload(1)]);
    const decode = createPayloadCodec(ringOf(`k2:${k2},k1:${k1}`)).decode([encoded]);
    await expect(decode).rejects.toThrow(PayloadCodecError);
    await expect(decode).rejects.toThrow(
      'payload was encrypted with key "old", which is not configured (known: k2, k1); add that key to P2C_CODEC_KEYS or P2C_CODEC_KEYS_FILE to decrypt it',
    );
  });

  test('compresses before encrypting: a 100 KB repetitive payload shrinks to a small fraction', async () => {
    const codec = createPayloadCodec(ringOf(`k1:${k1}`));
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: `ACC-${i}`, ...account }));
    const original = defaultPayloadConverter.toPayload(rows);
    expect(original.data!.length).toBeGreaterThan(100_000);
    const [encoded] = await codec.encode([original]);
    expect(encoded.data!.length).toBeLessThan(original.data!.length / 10);
    const [decoded] = await codec.decode([encoded]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(rows);
  });

  test('stores data that does not compress, adding only the IV, tag and one format byte', async () => {
    const codec = createPayloadCodec(ringOf(`k1:${k1}`));
    const noise = defaultPayloadConverter.toPayload(new Uint8Array(randomBytes(20_000)));
    const [encoded] = await codec.encode([noise]);
    expect(encoded.data!.length).toBe(serialisedSize(noise) + 12 + 16 + 1);
    const [decoded] = await codec.decode([encoded]);
    expect(Buffer.from(decoded.data!).equals(Buffer.from(noise.data!))).toBe(true);
  });
});

describe('dataConverterFor', () => {
  test('is undefined without keys, so Temporal keeps its default converter', () => {
    expect(loadCodecConfig({})).toBeUndefined();
    expect(dataConverterFor(undefined)).toBeUndefined();
  });

  test('moves failure messages and stack traces into a payload that the codec then encrypts', async () => {
    const converter = dataConverterFor(loadCodecConfig({ P2C_CODEC_KEYS: `k1:${key()}` }))!;
    expect(converter.payloadCodecs).toHaveLength(1);
    const { failureConverter } = (await import(converter.failureConverterPath!)) as {
      failureConverter: FailureConverter;
    };
    const failure = failureConverter.errorToFailure(
      new Error(`cannot write ${account.email}`),
      defaultPayloadConverter,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    const [sealed] = await converter.payloadCodecs![0].encode([failure.encodedAttributes!]);
    expect(text(sealed.data)).not.toContain(account.email);
    const [opened] = await converter.payloadCodecs![0].decode([sealed]);
    expect(defaultPayloadConverter.fromPayload<{ message: string }>(opened).message).toBe(
      `cannot write ${account.email}`,
    );
  });
});
