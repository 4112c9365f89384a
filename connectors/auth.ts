import { rootCertificates } from 'node:tls';
import {
  ConfidentialClientApplication,
  ServerError,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { Agent, request, type Dispatcher } from 'undici';
import type { SystemName } from '../common/types';
import { defaultScope, resolveClientSecret, type EndpointConnection } from './config';
import { ConnectorError, SYSTEM_LABEL } from './errors';

/**
 * After a token answer of 429 or 5xx (or any error with Retry-After) msal refuses to ask again until Retry-After
 * whole seconds have passed, 60 s without one and at most an hour (msal-common ThrottlingUtils); these mirror it.
 */
const MSAL_DEFAULT_THROTTLE_MS = 60_000;
const MSAL_MAX_THROTTLE_MS = 3_600_000;
/** msal stamps its throttle a moment after the answer reaches us; waiting this much longer clears it for sure. */
const MSAL_THROTTLE_SLACK_MS = 250;

/** When msal will send token requests again after this token-endpoint answer, or undefined if it does not hold them. */
function msalThrottleEnd(status: number, retryAfter: string | undefined, receivedAt: number): number | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status !== 429 && (status < 500 || status >= 600) && retryAfter === undefined) return undefined;
  const seconds = parseInt(retryAfter ?? '', 10);
  const throttleMs = seconds > 0 ? seconds * 1000 : MSAL_DEFAULT_THROTTLE_MS;
  return receivedAt + Math.min(throttleMs, MSAL_MAX_THROTTLE_MS) + MSAL_THROTTLE_SLACK_MS;
}

/** One keep-alive pool per connection; trusts the public roots plus the configured CA (private CAs, emulators). */
export function createDispatcher(caCertPem: string | undefined, timeoutMs: number): Dispatcher {
  return new Agent({
    connect: caCertPem ? { ca: [...rootCertificates, caCertPem] } : {},
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });
}

/** Lower-case header names, multi-valued headers joined. */
export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** msal-node's HTTP client, on undici so it can trust `caCertPem` (msal's built-in client cannot). */
export class UndiciNetworkModule implements INetworkModule {
  /** What the authority last answered with an error (msal reports discovery failures without the reason). */
  lastFailure: { status?: number; description: string } | undefined;
  /**
   * The token endpoint's last refusal that msal holds further token requests back for, and until when. msal then
   * fails each request without sending it and without the status, so this is what tells such a failure apart.
   */
  tokenThrottle: { status: number; until: number } | undefined;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly timeoutMs: number,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    let response;
    try {
      response = await request(url, {
        method,
        headers: options?.headers,
        body: method === 'POST' ? options?.body : undefined,
        dispatcher: this.dispatcher,
        headersTimeout: timeout ?? this.timeoutMs,
        bodyTimeout: timeout ?? this.timeoutMs,
      });
    } catch (err) {
      this.lastFailure = { description: `${(err as Error).message} (${(err as { code?: string }).code ?? 'network'})` };
      throw err;
    }
    const text = await response.body.text();
    const headers = flattenHeaders(response.headers);
    if (method === 'POST') {
      const until = msalThrottleEnd(response.statusCode, headers['retry-after'], Date.now());
      this.tokenThrottle = until === undefined ? undefined : { status: response.statusCode, until };
    }
    let body: Record<string, unknown> = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { error: 'invalid_response', error_description: `non-JSON response (HTTP ${response.statusCode})` };
    }
    this.lastFailure =
      response.statusCode >= 400
        ? {
            status: response.statusCode,
            description: String(body.error_description ?? body.error ?? text.slice(0, 200)),
          }
        : undefined;
    return { status: response.statusCode, headers, body: body as T };
  }
}

/**
 * Tokens are renewed this long before they expire, or halfway through a short lifetime (the `exp` claim is in
 * whole seconds and clocks differ, so a short token may die noticeably earlier than `expires_in` says).
 */
const REFRESH_MARGIN_MS = 5 * 60_000;

interface CachedToken {
  accessToken: string;
  refreshAt: number;
}

/**
 * Client-credentials tokens for one connection. Keeps the token until shortly before expiry, shares one
 * in-flight request among concurrent callers, and can be told a token was rejected (401) to fetch a new one.
 */
export class TokenProvider {
  readonly scope: string;
  readonly clientId: string;
  readonly authority: string;
  readonly #system: SystemName;
  readonly #secretHint: string;
  readonly #secret: string;
  readonly #app: ConfidentialClientApplication;
  readonly #network: UndiciNetworkModule;
  #cached: CachedToken | undefined;
  #pending: Promise<string> | undefined;

  constructor(system: SystemName, connection: EndpointConnection, dispatcher: Dispatcher, timeoutMs: number) {
    this.#system = system;
    this.scope = connection.scope ?? defaultScope(connection.url);
    this.clientId = connection.clientId;
    this.authority = connection.authority.replace(/\/+$/, '');
    this.#secretHint = connection.clientSecretEnv
      ? `check the secret in environment variable ${connection.clientSecretEnv}`
      : 'check the configured client secret';
    this.#secret = resolveClientSecret(connection, SYSTEM_LABEL[system]);
    const authorityHost = new URL(this.authority).host;
    this.#network = new UndiciNetworkModule(dispatcher, timeoutMs);
    this.#app = new ConfidentialClientApplication({
      auth: {
        clientId: connection.clientId,
        clientSecret: this.#secret,
        authority: this.authority,
        // Trusting the configured host makes msal read its OpenID document directly instead of asking
        // login.microsoftonline.com for instance metadata: the same path for Entra and for a local authority.
        knownAuthorities: [authorityHost],
      },
      system: {
        networkClient: this.#network,
        disableInternalRetries: true,
      },
    });
  }

  async getToken(): Promise<string> {
    if (this.#cached && Date.now() < this.#cached.refreshAt) return this.#cached.accessToken;
    this.#pending ??= this.fetchToken().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** The service rejected `token` (401): forget it unless a newer one was already fetched. */
  invalidate(token: string): void {
    if (this.#cached?.accessToken === token) this.#cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    let result;
    try {
      // Our own cache decides when to renew, so msal is always asked for a fresh token.
      result = await this.#app.acquireTokenByClientCredential({ scopes: [this.scope], skipCache: true });
    } catch (err) {
      throw this.authError(err);
    }
    if (!result?.accessToken) {
      throw this.authError(new Error('the token endpoint returned no access token'));
    }
    const now = Date.now();
    const expiresAt = result.expiresOn ? result.expiresOn.getTime() : now + 60_000;
    const lifetime = Math.max(0, expiresAt - now);
    this.#cached = {
      accessToken: result.accessToken,
      refreshAt: now + lifetime - Math.min(REFRESH_MARGIN_MS, lifetime / 2),
    };
    return result.accessToken;
  }

  private authError(err: unknown): ConnectorError {
    const record = (err ?? {}) as { errorCode?: string; errorMessage?: string; message?: string; status?: number };
    const code = record.errorCode || undefined;
    // A discovery failure arrives from msal without its cause; the network module saw the authority's answer.
    const discovery = code === 'endpoints_resolution_error' ? this.#network.lastFailure : undefined;
    // A ServerError without a status is msal refusing to send while the authority's last 429/5xx holds it back.
    const throttle = this.#network.tokenThrottle;
    const heldBack =
      err instanceof ServerError &&
      record.status === undefined &&
      throttle !== undefined &&
      Date.now() < throttle.until;
    const status = record.status ?? discovery?.status ?? (heldBack ? throttle.status : undefined);
    const rejected =
      (err instanceof ServerError || discovery?.status !== undefined) &&
      (code === 'invalid_client' ||
        code === 'unauthorized_client' ||
        status === 400 ||
        status === 401 ||
        status === 404);
    const transient = !rejected && (status === 429 || (status ?? 0) >= 500 || isNetworkFailure(err));
    // msal sends nothing before its throttle ends, so that is the earliest a retry can get anywhere.
    const retryAfterMs =
      transient && throttle && (heldBack || record.status !== undefined)
        ? Math.max(0, throttle.until - Date.now())
        : undefined;
    const detail = this.scrub(
      discovery
        ? `authority metadata: ${discovery.status ? `HTTP ${discovery.status} ` : ''}${discovery.description}`
        : String(record.errorMessage || record.message || 'unknown error'),
    ).split(/ Trace ID:/)[0];
    // invalid_client is a wrong or expired secret; other rejections point at the app id or the tenant.
    const hint = code === 'invalid_client' ? this.#secretHint : 'check the client id and the tenant in the authority';
    const message = rejected
      ? `Entra ID refused a token to app ${this.clientId} at authority ${this.authority} for scope ${this.scope}; ${hint} (${detail})`
      : `could not get a token for app ${this.clientId} from authority ${this.authority} for scope ${this.scope} (${detail})`;
    return new ConnectorError({
      system: this.#system,
      operation: 'token',
      kind: transient ? 'transient' : 'auth',
      retryable: transient,
      retryAfterMs,
      status,
      serviceCode: code,
      serviceMessage: message,
    });
  }

  /** Belt and braces: no service text we repeat may carry the secret. */
  private scrub(text: string): string {
    return this.#secret ? text.split(this.#secret).join('[redacted]') : text;
  }

  toJSON(): Record<string, unknown> {
    return { system: this.#system, clientId: this.clientId, authority: this.authority, scope: this.scope };
  }
}

function isNetworkFailure(err: unknown): boolean {
  const text =
    String((err as { message?: string; errorCode?: string })?.errorCode ?? '') + String((err as Error)?.message ?? '');
  return /network|ECONN|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|socket|timeout|endpoints_resolution/i.test(text);
}
