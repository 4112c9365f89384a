/** Loading the key ring from P2C_CODEC_KEYS or P2C_CODEC_KEYS_FILE: order, file format, and fail-fast errors. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { ConfigError } from '../../../common/config';
import { loadCodecConfig } from '../../../common/codec';

const key = (bytes = 32) => randomBytes(bytes).toString('base64');

function loadError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadCodecConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('loadCodecConfig accepted the settings');
}

describe('loadCodecConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-codec-keys-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the first key of P2C_CODEC_KEYS is active, every key is known', () => {
    const ring = loadCodecConfig({ P2C_CODEC_KEYS: ` k2:${key()} , k1:${key()}` })!.keyRing;
    expect(ring.activeKeyId).toBe('k2');
    expect([...ring.keys.keys()]).toEqual(['k2', 'k1']);
  });

  test('accepts URL-safe base64 without padding', () => {
    const urlSafe = randomBytes(32).toString('base64url');
    expect(loadCodecConfig({ P2C_CODEC_KEYS: `k1:${urlSafe}` })!.keyRing.keys.size).toBe(1);
  });

  test('reads a key file with one key per line, comments and blank lines', () => {
    const file = path.join(dir, 'keys');
    fs.writeFileSync(file, `# newest first\n2026-11:${key()}\n\n2026-05:${key()}\n`);
    const ring = loadCodecConfig({ P2C_CODEC_KEYS_FILE: file })!.keyRing;
    expect(ring.activeKeyId).toBe('2026-11');
    expect([...ring.keys.keys()]).toEqual(['2026-11', '2026-05']);
  });

  test('never prints key material: inspecting or serialising the config shows no key bytes', () => {
    const secret = key();
    const config = loadCodecConfig({ P2C_CODEC_KEYS: `k1:${secret}` });
    expect(JSON.stringify(config)).not.toContain(secret);
    expect(inspect(config, { depth: 10 })).not.toContain(secret);
  });

  test.each([
    ['a 16-byte key', `k1:${key()},short:${key(16)}`, 'P2C_CODEC_KEYS: key "short" is 16 bytes, AES-256 needs 32'],
    ['a key that is not base64', 'k1:not*base64!', 'P2C_CODEC_KEYS: key "k1" is not base64'],
    ['an entry without an id', key(), 'P2C_CODEC_KEYS: entry 1 is not id:base64key'],
    ['an id with spaces', `my key:${key()}`, 'P2C_CODEC_KEYS: key id of entry 1 must be 1-64 letters'],
    ['the same id twice', `k1:${key()},k1:${key()}`, 'P2C_CODEC_KEYS: key id "k1" appears twice'],
    ['only separators', ' , ', 'P2C_CODEC_KEYS has no keys'],
  ])('rejects %s with one line naming the setting and the key id, never the key', (_, setting, expected) => {
    const error = loadError({ P2C_CODEC_KEYS: setting });
    expect(error.message).toContain(expected);
    expect(error.message).not.toContain('\n');
    for (const part of setting.split(/[,:]/).filter((p) => p.length > 20)) expect(error.message).not.toContain(part);
  });

  test('a short key in a key file names the file and the key id', () => {
    const file = path.join(dir, 'short');
    fs.writeFileSync(file, `k9:${key(24)}\n`);
    expect(loadError({ P2C_CODEC_KEYS_FILE: file }).message).toBe(
      `P2C_CODEC_KEYS_FILE (${file}): key "k9" is 24 bytes, AES-256 needs 32: generate one with \`openssl rand -base64 32\``,
    );
  });

  test('a missing key file and two competing settings fail fast', () => {
    const missing = path.join(dir, 'absent');
    expect(loadError({ P2C_CODEC_KEYS_FILE: missing }).message).toBe(
      `P2C_CODEC_KEYS_FILE=${missing}: cannot read the file (ENOENT); check the path and mode`,
    );
    expect(loadError({ P2C_CODEC_KEYS: `k1:${key()}`, P2C_CODEC_KEYS_FILE: missing }).message).toBe(
      'P2C_CODEC_KEYS and P2C_CODEC_KEYS_FILE are both set: keep only one of them',
    );
  });
});
