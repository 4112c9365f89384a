/** The codec server over real HTTP on 127.0.0.1: protocol, CORS for the UI origin, bearer token, namespaces. */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  codecServerOptionsFromEnv,
  startCodecServer,
  type CodecServer,
  type CodecServerOptions,
} from '../../../client/codec-server';
import { createPayloadCodec, loadCodecConfig, type KeyRing } from '../../../common/codec';
import { ConfigError } from '../../../common/config';

const UI_ORIGIN = 'http://localhost:8233';
const TOKEN = 'codec-token-0123456789abcdef';
const keySpec = () => `k1:${randomBytes(32).toString('base64')}`;
const ringOf = (spec: string): KeyRing => loadCodecConfig({ P2C_CODEC_KEYS: spec })!.keyRing;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http rather than fetch, so tests can send the Origin and Host headers a browser would. */
function request(url: string, method: string, headers: Record<string, string> = {}, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

const json = { 'Content-Type': 'application/json' };
const toWire = (payload: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
  ),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});
const wire = (value: unknown) => toWire(defaultPayloadConverter.toPayload(value));
const valueOf = (p: { metadata: Record<string, string>; data: string }) =>
  defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data, 'base64'),
  });

describe('codec server', () => {
  const servers: CodecServer[] = [];
  async function start(options: Partial<CodecServerOptions> = {}): Promise<CodecServer> {
    const server = await startCodecServer({
      port: 0,
      codec: createPayloadCodec(ringOf(keySpec())),
      allowedOrigins: [UI_ORIGIN],
      ...options,
    });
    servers.push(server);
    return server;
  }
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test('encodes and decodes payloads in the codec server JSON format, at any mount depth', async () => {
    const server = await start();
    const account = { name: 'Fabrikam Ltd', email: 'ana.lopez@fabrikam.example' };
    const encoded = await request(`${server.url}/encode`, 'POST', json, { payloads: [wire(account), wire(7)] });
    expect(encoded.status).toBe(200);
    expect(encoded.headers['content-type']).toBe('application/json');
    const sealed = JSON.parse(encoded.body) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(sealed.payloads).toHaveLength(2);
    expect(Buffer.from(sealed.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed.payloads[0].data, 'base64').toString('latin1')).not.toContain('Fabrikam');

    const decoded = await request(`${server.url}/codec/default/decode`, 'POST', json, sealed);
    expect(decoded.status).toBe(200);
    const opened = JSON.parse(decoded.body) as typeof sealed;
    expect(opened.payloads.map(valueOf)).toEqual([account, 7]);
  });

  test('answers the Web UI preflight for its origin with the headers the UI sends', async () => {
    const server = await start({ bearerToken: TOKEN });
    const reply = await request(`${server.url}/decode`, 'OPTIONS', {
      Origin: UI_ORIGIN,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,x-namespace,authorization',
    });
    expect(reply.status).toBe(204);
    expect(reply.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(reply.headers['access-control-allow-credentials']).toBe('true');
    expect(reply.headers['access-control-allow-methods']).toContain('POST');
    const allowed = reply.headers['access-control-allow-headers']!.split(',').map((h) => h.trim());
    expect(allowed).toEqual(expect.arrayContaining(['content-type', 'x-namespace', 'authorization']));
    expect(reply.headers.vary).toBe('Origin');
  });

  test('refuses other origins, both the preflight and the request, without CORS headers', async () => {
    const server = await start();
    const evil = 'http://evil.example';
    const preflight = await request(`${server.url}/decode`, 'OPTIONS', {
      Origin: evil,
      'Access-Control-Request-Method': 'POST',
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const post = await request(`${server.url}/decode`, 'POST', { ...json, Origin: evil }, { payloads: [] });
    expect(post.status).toBe(403);
    expect(post.body).toContain(`origin ${evil} is not allowed`);
  });

  test('with a bearer token: 401 without it or with a wrong one, 200 with it; the UI can read the 401', async () => {
    const server = await start({ bearerToken: TOKEN });
    const body = { payloads: [wire('x')] };
    const missing = await request(`${server.url}/decode`, 'POST', { ...json, Origin: UI_ORIGIN }, body);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    const wrong = await request(`${server.url}/decode`, 'POST', { ...json, Authorization: `Bearer ${TOKEN}x` }, body);
    expect(wrong.status).toBe(401);
    const right = await request(`${server.url}/decode`, 'POST', { ...json, Authorization: `Bearer ${TOKEN}` }, body);
    expect(right.status).toBe(200);
  });

  test('serves only the namespaces it has a codec for (X-Namespace, default when absent)', async () => {
    const codec = createPayloadCodec(ringOf(keySpec()));
    const server = await start({ codec: (namespace) => (namespace === 'default' ? codec : undefined) });
    const body = { payloads: [wire(1)] };
    const other = await request(`${server.url}/encode`, 'POST', { ...json, 'X-Namespace': 'finance' }, body);
    expect(other.status).toBe(404);
    expect(other.body).toContain('no codec for namespace finance');
    expect((await request(`${server.url}/encode`, 'POST', { ...json, 'X-Namespace': 'default' }, body)).status).toBe(
      200,
    );
    expect((await request(`${server.url}/encode`, 'POST', json, body)).status).toBe(200);
  });

  test('bad requests get 400 with the reason: invalid JSON, wrong shape, a payload for an unknown key', async () => {
    const server = await start();
    const notJson = await request(`${server.url}/decode`, 'POST', json, '{"payloads": [');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toContain('body is not JSON');
    const wrongShape = await request(`${server.url}/decode`, 'POST', json, { payloads: [{ data: 5 }] });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body).toContain('body.payloads.0.data');

    const foreign = await createPayloadCodec(ringOf(`old:${randomBytes(32).toString('base64')}`)).encode([
      defaultPayloadConverter.toPayload(1),
    ]);
    const unknownKey = await request(`${server.url}/decode`, 'POST', json, {
      payloads: foreign.map(toWire),
    });
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body).toContain('encrypted with key "old", which is not configured');
    expect((await request(`${server.url}/decode`, 'GET')).status).toBe(405);
    expect((await request(`${server.url}/metrics`, 'POST', json, { payloads: [] })).status).toBe(404);
  });

  test('on loopback, a request for a foreign host name (DNS rebinding) is refused', async () => {
    const server = await start();
    const reply = await request(
      `${server.url}/decode`,
      'POST',
      { ...json, Host: 'rebound.example:8888' },
      {
        payloads: [],
      },
    );
    expect(reply.status).toBe(403);
    expect(reply.body).toContain('host rebound.example is not served');
  });

  test('refuses to listen beyond loopback without a token, and rejects malformed origins', async () => {
    const codec = createPayloadCodec(ringOf(keySpec()));
    await expect(startCodecServer({ host: '0.0.0.0', port: 0, codec, allowedOrigins: [] })).rejects.toThrow(
      'codec server host 0.0.0.0 is reachable from other machines: set a bearer token (P2C_CODEC_SERVER_TOKEN) or bind 127.0.0.1',
    );
    await expect(startCodecServer({ port: 0, codec, allowedOrigins: ['http://localhost:8233/'] })).rejects.toThrow(
      '"http://localhost:8233/" is not an origin',
    );
  });
});

describe('codecServerOptionsFromEnv', () => {
  test('defaults: loopback, port 8888, the dev server UI under both its host names, no token', () => {
    const options = codecServerOptionsFromEnv({ P2C_CODEC_KEYS: keySpec() });
    expect(options).toMatchObject({
      host: '127.0.0.1',
      port: 8888,
      allowedOrigins: [UI_ORIGIN, 'http://127.0.0.1:8233'],
    });
    expect(options.bearerToken).toBeUndefined();
  });

  test('reads host, port, origins and token', () => {
    const options = codecServerOptionsFromEnv({
      P2C_CODEC_KEYS: keySpec(),
      P2C_CODEC_SERVER_HOST: '0.0.0.0',
      P2C_CODEC_SERVER_PORT: '9090',
      P2C_CODEC_SERVER_ORIGINS: 'https://temporal.example.com, http://localhost:8080',
      P2C_CODEC_SERVER_TOKEN: TOKEN,
    });
    expect(options).toMatchObject({
      host: '0.0.0.0',
      port: 9090,
      allowedOrigins: ['https://temporal.example.com', 'http://localhost:8080'],
      bearerToken: TOKEN,
    });
  });

  test('fails fast without keys, on a bad port and on a short token (which it never prints)', () => {
    expect(() => codecServerOptionsFromEnv({})).toThrow(
      'P2C_CODEC_KEYS (or P2C_CODEC_KEYS_FILE) is not set: give the codec server the same keys as the worker',
    );
    expect(() => codecServerOptionsFromEnv({ P2C_CODEC_KEYS: keySpec(), P2C_CODEC_SERVER_PORT: 'http' })).toThrow(
      /^P2C_CODEC_SERVER_PORT=http: /,
    );
    let error: unknown;
    try {
      codecServerOptionsFromEnv({ P2C_CODEC_KEYS: keySpec(), P2C_CODEC_SERVER_TOKEN: 'short-secret' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'P2C_CODEC_SERVER_TOKEN=(hidden): must be at least 16 characters (e.g. `openssl rand -hex 32`)',
    );
  });
});
