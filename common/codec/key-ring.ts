/**
 * The payload encryption keys: read once from the environment or a secret file, validated, and held as KeyObjects
 * so that logging or serialising the configuration never prints key material.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config';

/** Environment variables that carry the keys. The names are the user-facing contract (docs/security.md). */
export const CODEC_ENV = {
  keys: 'P2C_CODEC_KEYS',
  keysFile: 'P2C_CODEC_KEYS_FILE',
} as const;

/** AES-256 takes a 32-byte key. */
export const KEY_BYTES = 32;

const GENERATE_HINT = `generate one with \`openssl rand -base64 ${KEY_BYTES}\``;

export interface KeyRing {
  /** Encrypts every new payload; the first entry of the setting. */
  readonly activeKeyId: string;
  /** Every key that may decrypt, by id (the active one included), in the order configured. */
  readonly keys: ReadonlyMap<string, KeyObject>;
}

export interface CodecConfig {
  keyRing: KeyRing;
}

const keyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores');

// Standard or URL-safe base64, padding optional; Buffer.from would otherwise silently skip bad characters.
const keySchema = z
  .string()
  .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, `is not base64: ${GENERATE_HINT}`)
  .transform((text) => Buffer.from(text, 'base64'))
  .check((ctx) => {
    if (ctx.value.length !== KEY_BYTES) {
      ctx.issues.push({
        code: 'custom',
        input: '(redacted)',
        message: `is ${ctx.value.length} bytes, AES-256 needs ${KEY_BYTES}: ${GENERATE_HINT}`,
      });
    }
  });

/**
 * Parses `id:base64key` entries separated by commas or newlines (blank lines and `#` comments ignored).
 * `setting` names the variable in error messages; no message ever contains key material.
 */
export function parseKeyRing(text: string, setting: string): KeyRing {
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'));
  if (entries.length === 0) {
    throw new ConfigError(`${setting} has no keys: set it to id:base64key (${GENERATE_HINT})`);
  }
  const keys = new Map<string, KeyObject>();
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon < 0) {
      throw new ConfigError(
        `${setting}: entry ${index + 1} is not id:base64key (e.g. k1:<output of openssl rand -base64 32>)`,
      );
    }
    const id = entry.slice(0, colon).trim();
    const parsedId = keyIdSchema.safeParse(id);
    if (!parsedId.success) {
      throw new ConfigError(`${setting}: key id of entry ${index + 1} ${parsedId.error.issues[0].message}`);
    }
    if (keys.has(id)) throw new ConfigError(`${setting}: key id "${id}" appears twice; give each key its own id`);
    const parsedKey = keySchema.safeParse(entry.slice(colon + 1).trim());
    if (!parsedKey.success) throw new ConfigError(`${setting}: key "${id}" ${parsedKey.error.issues[0].message}`);
    keys.set(id, createSecretKey(parsedKey.data));
    parsedKey.data.fill(0);
  });
  return { activeKeyId: keys.keys().next().value as string, keys };
}

/**
 * The codec settings from the environment, or undefined when no key is configured (payloads then stay in clear,
 * which is the default for local development). Throws ConfigError on any malformed key.
 */
export function loadCodecConfig(env: NodeJS.ProcessEnv = process.env): CodecConfig | undefined {
  const inline = env[CODEC_ENV.keys]?.trim();
  const file = env[CODEC_ENV.keysFile]?.trim();
  if (inline && file) {
    throw new ConfigError(`${CODEC_ENV.keys} and ${CODEC_ENV.keysFile} are both set: keep only one of them`);
  }
  if (inline) return { keyRing: parseKeyRing(inline, CODEC_ENV.keys) };
  if (!file) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`${CODEC_ENV.keysFile}=${file}: cannot read the file (${code}); check the path and mode`);
  }
  return { keyRing: parseKeyRing(text, `${CODEC_ENV.keysFile} (${file})`) };
}
