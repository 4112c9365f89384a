import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyReply } from 'fastify';

/**
 * An Entra ID look-alike for the client-credentials grant (spec/wire-protocols.md §0): issues HS256 JWTs whose
 * audience is the requested resource, and verifies them for the emulators. Served over HTTPS because
 * @azure/msal-node refuses plain-http authorities; clients trust `caCertPem`.
 */

export interface ClientCredential {
  clientId: string;
  clientSecret: string;
}

export interface IdentityServerOptions {
  host?: string;
  port?: number;
  tenant?: string;
  clients?: ClientCredential[];
  tokenLifetimeSeconds?: number;
}

export type TokenCheck = { ok: true; clientId: string } | { ok: false; status: 401; code: string; message: string };

export interface IdentityServer {
  /** `https://127.0.0.1:PORT` */
  authorityHost: string;
  tenant: string;
  /** `authorityHost + '/' + tenant`, what msal-node takes as `authority`. */
  authority: string;
  tokenUrl: string;
  caCertPem: string;
  clients: ClientCredential[];
  verify(authorizationHeader: string | undefined, audience: string): TokenCheck;
  issue(clientId: string, audience: string, lifetimeSeconds?: number): string;
  close(): Promise<void>;
}

export const DEFAULT_TENANT = 'p2c-local';
export const DEFAULT_CLIENT: ClientCredential = Object.freeze({
  clientId: '5f0d6a3e-2b8c-4e71-9a4d-3c6b1e8f2a90',
  clientSecret: 'p2c-local-secret',
});
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;

const CERT_DIR = join(__dirname, 'certs');
export const EMULATOR_CA_CERT_PEM = readFileSync(join(CERT_DIR, 'ca.pem'), 'utf8');
const SERVER_CERT_PEM = readFileSync(join(CERT_DIR, 'server.pem'), 'utf8');
const SERVER_KEY_PEM = readFileSync(join(CERT_DIR, 'server.key'), 'utf8');

const DEFAULT_SCOPE_SUFFIX = '/.default';

/** Real tenants are GUIDs; a readable tenant name maps to a stable GUID so `tid` looks like the real claim. */
export function tenantIdFor(tenant: string): string {
  const hex = createHash('sha256').update(`p2c-tenant:${tenant}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/** Audiences compare without a trailing slash: a token for `https://org/` is good for `https://org`. */
function normalizeAudience(audience: string): string {
  return audience.replace(/\/+$/, '').toLowerCase();
}

interface AadErrorSpec {
  status: number;
  error: string;
  code: number;
  description: string;
}

function sendAadError(reply: FastifyReply, spec: AadErrorSpec): FastifyReply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return reply
    .code(spec.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({
      error: spec.error,
      error_description: `AADSTS${spec.code}: ${spec.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [spec.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
    });
}

function parseBasicAuth(header: string | undefined): ClientCredential | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
  return {
    clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
    clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
  };
}

function secretsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function startIdentityServer(opts: IdentityServerOptions = {}): Promise<IdentityServer> {
  const tenant = opts.tenant ?? DEFAULT_TENANT;
  const tenantId = tenantIdFor(tenant);
  const clients = (opts.clients ?? [DEFAULT_CLIENT]).map((c) => ({ ...c }));
  const defaultLifetime = opts.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  const signingKey = randomBytes(32);
  const app = Fastify({ logger: false, https: { key: SERVER_KEY_PEM, cert: SERVER_CERT_PEM } });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // Routes need the URLs, which depend on the port chosen at listen time; they are filled in below.
  let authorityHost = '';
  let authority = '';
  let issuer = '';
  let tokenUrl = '';

  const sign = (data: string) => createHmac('sha256', signingKey).update(data).digest();

  const issue = (clientId: string, audience: string, lifetimeSeconds = defaultLifetime): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        aud: audience.replace(/\/+$/, ''),
        iss: issuer,
        iat: now,
        nbf: now,
        exp: now + lifetimeSeconds,
        appid: clientId,
        azp: clientId,
        tid: tenantId,
        oid: tenantIdFor(`app:${clientId}`),
        sub: tenantIdFor(`app:${clientId}`),
        jti: randomUUID(),
        ver: '1.0',
      }),
    );
    return `${header}.${payload}.${base64url(sign(`${header}.${payload}`))}`;
  };

  type Claims = { aud?: string; exp?: number; appid?: string; tid?: string };
  /**
   * Tokens whose signature and payload already checked out, with their claims: a $batch's parts carry the batch's
   * token, and re-computing the HMAC for each of hundreds of parts would dominate the emulator's time. Tenant,
   * expiry and audience are still checked on every request.
   */
  const verified = new Map<string, Claims>();
  const VERIFIED_CAPACITY = 256;

  const verify = (authorizationHeader: string | undefined, audience: string): TokenCheck => {
    if (!authorizationHeader) {
      return { ok: false, status: 401, code: 'RequestIsNotAuthenticated', message: 'Bearer token is missing.' };
    }
    const token = /^Bearer\s+(\S+)$/i.exec(authorizationHeader.trim())?.[1];
    const parts = token?.split('.');
    if (!token || !parts || parts.length !== 3) {
      return {
        ok: false,
        status: 401,
        code: 'InvalidAuthTicket',
        message: 'Authorization header is not a Bearer JWT.',
      };
    }
    let claims = verified.get(token);
    if (!claims) {
      const expected = sign(`${parts[0]}.${parts[1]}`);
      const given = Buffer.from(parts[2], 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, status: 401, code: 'InvalidAuthTicket', message: 'The token signature is invalid.' };
      }
      try {
        claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Claims;
      } catch {
        return { ok: false, status: 401, code: 'InvalidAuthTicket', message: 'The token payload is not JSON.' };
      }
      if (verified.size >= VERIFIED_CAPACITY) verified.clear();
      verified.set(token, claims);
    }
    if (claims.tid !== tenantId) {
      return { ok: false, status: 401, code: 'InvalidAuthTicket', message: 'The token was issued for another tenant.' };
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) {
      return { ok: false, status: 401, code: 'ExpiredAuthTicket', message: 'The access token has expired.' };
    }
    if (!claims.aud || normalizeAudience(claims.aud) !== normalizeAudience(audience)) {
      return {
        ok: false,
        status: 401,
        code: 'InvalidAuthTicket',
        message: `The token audience '${claims.aud ?? ''}' does not match the resource '${audience}'.`,
      };
    }
    return { ok: true, clientId: String(claims.appid) };
  };

  const tenantMatches = (value: string) => value === tenant || value === tenantId;

  app.post<{ Params: { tenant: string }; Body: Record<string, string> | undefined }>(
    '/:tenant/oauth2/v2.0/token',
    async (request, reply) => {
      if (!tenantMatches(request.params.tenant)) {
        return sendAadError(reply, {
          status: 400,
          error: 'invalid_request',
          code: 90002,
          description: `Tenant '${request.params.tenant}' not found.`,
        });
      }
      const form = request.body && typeof request.body === 'object' ? request.body : {};
      if (form.grant_type !== 'client_credentials') {
        return sendAadError(reply, {
          status: 400,
          error: form.grant_type ? 'unsupported_grant_type' : 'invalid_request',
          code: form.grant_type ? 70003 : 900144,
          description: form.grant_type
            ? `The app requested an unsupported grant type '${form.grant_type}'.`
            : "The request body must contain the following parameter: 'grant_type'.",
        });
      }
      const basic = parseBasicAuth(request.headers.authorization);
      const clientId = form.client_id ?? basic?.clientId;
      const clientSecret = form.client_secret ?? basic?.clientSecret;
      if (!clientId) {
        return sendAadError(reply, {
          status: 400,
          error: 'invalid_request',
          code: 900144,
          description: "The request body must contain the following parameter: 'client_id'.",
        });
      }
      const client = clients.find((c) => c.clientId.toLowerCase() === clientId.toLowerCase());
      if (!client) {
        return sendAadError(reply, {
          status: 400,
          error: 'unauthorized_client',
          code: 700016,
          description: `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
        });
      }
      if (form.client_assertion) {
        return sendAadError(reply, {
          status: 401,
          error: 'invalid_client',
          code: 700027,
          description: 'Client assertion failed signature validation: this emulator only accepts client secrets.',
        });
      }
      if (!clientSecret) {
        return sendAadError(reply, {
          status: 401,
          error: 'invalid_client',
          code: 7000218,
          description: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        });
      }
      if (!secretsEqual(clientSecret, client.clientSecret)) {
        return sendAadError(reply, {
          status: 401,
          error: 'invalid_client',
          code: 7000215,
          description: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`,
        });
      }
      const scopes = (form.scope ?? '').split(/\s+/).filter(Boolean);
      const resources = new Set(scopes.map((s) => (s.endsWith(DEFAULT_SCOPE_SUFFIX) ? s : '')));
      // The client-credentials grant only knows `<resource>/.default`, and one resource per request.
      if (scopes.length === 0 || resources.has('') || resources.size !== 1) {
        return sendAadError(reply, {
          status: 400,
          error: 'invalid_scope',
          code: 70011,
          description: `The provided value for the input parameter 'scope' is not valid. The scope ${form.scope ?? ''} is not valid. The client-credentials flow needs exactly one scope of the form <resource>/.default.`,
        });
      }
      const resource = scopes[0].slice(0, -DEFAULT_SCOPE_SUFFIX.length);
      return reply.header('cache-control', 'no-store').send({
        token_type: 'Bearer',
        expires_in: defaultLifetime,
        ext_expires_in: defaultLifetime,
        access_token: issue(client.clientId, resource),
      });
    },
  );

  const openIdConfiguration = () => ({
    token_endpoint: tokenUrl,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'private_key_jwt'],
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${authorityHost}/oidc/userinfo`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid', 'azp', 'appid'],
    kerberos_endpoint: `${authority}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: new URL(authorityHost).host,
    cloud_graph_host_name: new URL(authorityHost).host,
    msgraph_host: new URL(authorityHost).host,
    rbac_url: authorityHost,
  });

  app.get<{ Params: { tenant: string } }>('/:tenant/v2.0/.well-known/openid-configuration', async (request, reply) => {
    if (!tenantMatches(request.params.tenant)) {
      return sendAadError(reply, {
        status: 400,
        error: 'invalid_tenant',
        code: 90002,
        description: `Tenant '${request.params.tenant}' not found.`,
      });
    }
    return openIdConfiguration();
  });

  // msal-node asks for instance metadata before the OpenID document unless the host is a known authority.
  app.get('/common/discovery/instance', async () => {
    const host = new URL(authorityHost).host;
    return {
      tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  });

  const host = opts.host ?? '127.0.0.1';
  const address = await app.listen({ host, port: opts.port ?? 0 });
  authorityHost = `https://${host.includes(':') ? `[${host}]` : host}:${new URL(address).port}`;
  authority = `${authorityHost}/${tenant}`;
  issuer = `${authorityHost}/${tenantId}/v2.0`;
  tokenUrl = `${authority}/oauth2/v2.0/token`;

  return {
    authorityHost,
    tenant,
    authority,
    tokenUrl,
    caCertPem: EMULATOR_CA_CERT_PEM,
    clients,
    verify,
    issue,
    close: () => app.close(),
  };
}
