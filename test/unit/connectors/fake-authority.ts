import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { EMULATOR_CA_CERT_PEM } from '../../../emulators/common/identity';

const CERT_DIR = join(__dirname, '../../../emulators/common/certs');

/** Answers one request; `n` counts the requests of its kind so far, from 1. */
export type FakeHandler = (res: ServerResponse, n: number, req: IncomingMessage, body: string) => void;

export interface FakeServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

async function listen(server: http.Server, scheme: 'http' | 'https', count: { requests: number }): Promise<FakeServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    get requests() {
      return count.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * An Entra authority whose token endpoint answers as `token` says (throttling, outages), on https with the
 * emulators' certificate so msal accepts it. The authority to configure is `authority`; trust `caCertPem`.
 */
export async function startFakeAuthority(
  token: FakeHandler,
): Promise<FakeServer & { authority: string; caCertPem: string }> {
  const count = { requests: 0 };
  let base = '';
  const server = https.createServer(
    { key: readFileSync(join(CERT_DIR, 'server.key')), cert: readFileSync(join(CERT_DIR, 'server.pem')) },
    (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url?.includes('openid-configuration')) {
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              token_endpoint: `${base}/tenant/oauth2/v2.0/token`,
              issuer: `${base}/tenant/v2.0`,
              authorization_endpoint: `${base}/tenant/oauth2/v2.0/authorize`,
              jwks_uri: `${base}/tenant/discovery/v2.0/keys`,
              end_session_endpoint: `${base}/tenant/oauth2/v2.0/logout`,
              response_types_supported: ['code'],
            }),
          );
          return;
        }
        if (req.url?.includes('/oauth2/v2.0/token')) {
          count.requests += 1;
          token(res, count.requests, req, body);
          return;
        }
        res.statusCode = 404;
        res.end();
      });
    },
  );
  const started = await listen(server, 'https', count);
  base = started.url;
  return Object.assign(started, { authority: `${base}/tenant`, caCertPem: EMULATOR_CA_CERT_PEM });
}

/** A plain-http service answering every request as `handler` says. */
export async function startFakeService(handler: FakeHandler): Promise<FakeServer> {
  const count = { requests: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      count.requests += 1;
      handler(res, count.requests, req, body);
    });
  });
  return listen(server, 'http', count);
}

export function answerJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

export function answerToken(res: ServerResponse): void {
  answerJson(res, 200, { token_type: 'Bearer', expires_in: 3599, access_token: `token-${Date.now()}` });
}

/** What Entra answers when it throttles a client (AADSTS50196) or is briefly down. */
export function answerTokenRefusal(res: ServerResponse, status: number, retryAfterSeconds?: number): void {
  answerJson(
    res,
    status,
    {
      error: 'temporarily_unavailable',
      error_description:
        'AADSTS50196: The server terminated an operation because it encountered a client request loop.',
      error_codes: [50196],
    },
    retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
  );
}
