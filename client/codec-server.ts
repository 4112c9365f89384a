/**
 * Codec server: lets the Temporal Web UI and CLI show encrypted payloads in clear for whoever can reach it.
 * Speaks the remote codec protocol (POST …/encode and …/decode, Payloads as proto JSON, X-Namespace header),
 * answers CORS only for the configured UI origins, binds to loopback unless a bearer token protects it.
 *
 * Run it: `P2C_CODEC_KEYS=… npx tsx client/codec-server.ts` (settings in CODEC_SERVER_ENV, docs/security.md).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { createPayloadCodec, loadCodecConfig, CODEC_ENV } from '../common/codec';
import { ConfigError } from '../common/config';
import { DEFAULT_NAMESPACE, DEFAULT_UI_PORT } from '../common/dev-server';

export const DEFAULT_CODEC_SERVER_PORT = 8888;
export const DEFAULT_CODEC_SERVER_HOST = '127.0.0.1';
/** The dev server's Web UI, the usual caller; its origin is whichever host name the browser was given. */
export const DEFAULT_UI_ORIGINS = [`http://localhost:${DEFAULT_UI_PORT}`, `http://127.0.0.1:${DEFAULT_UI_PORT}`];
/** Several history pages of 2 MB payloads fit; anything larger is not a UI request. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** Environment variable → setting of the standalone codec server. */
export const CODEC_SERVER_ENV = {
  host: 'P2C_CODEC_SERVER_HOST',
  port: 'P2C_CODEC_SERVER_PORT',
  origins: 'P2C_CODEC_SERVER_ORIGINS',
  token: 'P2C_CODEC_SERVER_TOKEN',
} as const;

/** Headers the Web UI and the CLI send with a codec request. */
const ALLOWED_HEADERS = 'content-type, x-namespace, authorization';
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** A codec per namespace (X-Namespace); undefined refuses that namespace. */
export type CodecForNamespace = (namespace: string) => PayloadCodec | undefined;

export interface CodecServerOptions {
  /** Loopback by default; any other address requires bearerToken. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** One codec for every namespace, or a lookup by namespace. */
  codec: PayloadCodec | CodecForNamespace;
  /** Browser origins allowed to call (the Web UI's, e.g. http://localhost:8233); requests without Origin pass. */
  allowedOrigins: string[];
  /** When set, encode and decode require `Authorization: Bearer <token>`. */
  bearerToken?: string;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

const payloadsBodySchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.string()).optional(),
      data: z.string().optional(),
    }),
  ),
});

type PayloadsBody = z.infer<typeof payloadsBodySchema>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  return bare === '::1' || bare.startsWith('::ffff:127.');
}

function normaliseOrigin(origin: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(origin);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.origin !== origin) {
    throw new ConfigError(
      `codec server allowedOrigins: "${origin}" is not an origin; use scheme://host[:port], e.g. ${DEFAULT_UI_ORIGINS[0]}`,
    );
  }
  return origin;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function payloadsFromJson(body: PayloadsBody): Payload[] {
  return body.payloads.map((p) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(p.data ?? '', 'base64'),
  }));
}

function payloadsToJson(payloads: Payload[]): PayloadsBody {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? []).toString('base64'),
    })),
  };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new HttpError(413, `request body over ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): PayloadsBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not JSON; send {"payloads":[{"metadata":{…},"data":"<base64>"}]}');
  }
  const parsed = payloadsBodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, `body.${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const host = options.host ?? DEFAULT_CODEC_SERVER_HOST;
  const loopback = isLoopback(host);
  if (!loopback && !options.bearerToken) {
    throw new ConfigError(
      `codec server host ${host} is reachable from other machines: set a bearer token (${CODEC_SERVER_ENV.token}) or bind ${DEFAULT_CODEC_SERVER_HOST}`,
    );
  }
  const allowedOrigins = new Set(options.allowedOrigins.map(normaliseOrigin));
  const expectedAuth = options.bearerToken ? digest(`Bearer ${options.bearerToken}`) : undefined;
  const { codec: codecOption } = options;
  const codecFor: CodecForNamespace = typeof codecOption === 'function' ? codecOption : () => codecOption;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // A page that rebinds its own DNS name to 127.0.0.1 still sends its own Host; only loopback names are served.
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (loopback && !isLoopback(hostHeader)) throw new HttpError(403, `host ${hostHeader} is not served`);

    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!allowedOrigins.has(origin)) throw new HttpError(403, `origin ${origin} is not allowed`);
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }

    const { pathname } = new URL(req.url ?? '/', 'http://codec.invalid');
    // The protocol lets the endpoints be mounted at any depth; only the last segment counts.
    const operation = pathname.split('/').pop();
    if (operation !== 'encode' && operation !== 'decode') throw new HttpError(404, `no endpoint ${pathname}`);

    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
      });
      res.end();
      return;
    }
    if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not supported`, { Allow: 'POST, OPTIONS' });

    if (expectedAuth) {
      const given = digest(req.headers.authorization ?? '');
      if (!timingSafeEqual(given, expectedAuth)) {
        throw new HttpError(401, 'missing or wrong bearer token', { 'WWW-Authenticate': 'Bearer' });
      }
    }

    const headerNamespace = req.headers['x-namespace'];
    const namespace = (Array.isArray(headerNamespace) ? headerNamespace[0] : headerNamespace) || DEFAULT_NAMESPACE;
    const codec = codecFor(namespace);
    if (!codec) throw new HttpError(404, `no codec for namespace ${namespace}`);

    const payloads = payloadsFromJson(parseBody(await readBody(req)));
    let result: Payload[];
    try {
      result = operation === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
    } catch (err) {
      throw new HttpError(400, err instanceof Error ? err.message : String(err));
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(payloadsToJson(result)));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (res.headersSent) return res.destroy();
      // Drain what the client still sends so it reads this answer instead of a reset connection.
      req.resume();
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...(err as HttpError).headers });
      res.end(`${message}\n`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_CODEC_SERVER_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as net.AddressInfo;
  const urlHost = net.isIPv6(host) ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

const serverSettingsSchema = z.object({
  host: z.string().min(1).default(DEFAULT_CODEC_SERVER_HOST),
  port: z.coerce.number().int().min(0).max(65535).default(DEFAULT_CODEC_SERVER_PORT),
  origins: z
    .string()
    .default(DEFAULT_UI_ORIGINS.join(','))
    .transform((list) =>
      list
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  token: z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 32`)').optional(),
});

/** Codec server options from the environment: the keys (P2C_CODEC_KEYS…) and CODEC_SERVER_ENV. */
export function codecServerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CodecServerOptions {
  const codecConfig = loadCodecConfig(env);
  if (!codecConfig) {
    throw new ConfigError(
      `${CODEC_ENV.keys} (or ${CODEC_ENV.keysFile}) is not set: give the codec server the same keys as the worker`,
    );
  }
  const raw = Object.fromEntries(
    Object.entries(CODEC_SERVER_ENV)
      .map(([key, name]) => [key, env[name]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = serverSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path[0] as keyof typeof CODEC_SERVER_ENV;
    const shown = key === 'token' ? '(hidden)' : String(raw[key]);
    throw new ConfigError(`${CODEC_SERVER_ENV[key]}=${shown}: ${issue.message}`);
  }
  const { host, port, origins, token } = parsed.data;
  return {
    host,
    port,
    codec: createPayloadCodec(codecConfig.keyRing),
    allowedOrigins: origins,
    bearerToken: token,
  };
}

async function main(): Promise<void> {
  const options = codecServerOptionsFromEnv();
  const server = await startCodecServer(options);
  console.log(`codec server on ${server.url} for ${options.allowedOrigins.join(', ') || 'no browser origin'}`);
  console.log(`Web UI: TEMPORAL_CODEC_ENDPOINT=${server.url} (dev server: --ui-codec-endpoint ${server.url})`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
