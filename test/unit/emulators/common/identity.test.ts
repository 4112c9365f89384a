import { ConfidentialClientApplication, type INetworkModule, type NetworkRequestOptions } from '@azure/msal-node';
import { Agent, fetch as undiciFetch } from 'undici';
import {
  DEFAULT_CLIENT,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  startIdentityServer,
  type IdentityServer,
} from '../../../../emulators/common/identity';

const RESOURCE = 'https://p2c-local.crm.test';

describe('identity emulator (Entra client credentials)', () => {
  let identity: IdentityServer;
  let agent: Agent;

  beforeAll(async () => {
    identity = await startIdentityServer();
    agent = new Agent({ connect: { ca: identity.caCertPem } });
  });
  afterAll(async () => {
    await identity.close();
    await agent.close();
  });

  const requestToken = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    undiciFetch(identity.tokenUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });

  const validForm = () => ({
    grant_type: 'client_credentials',
    client_id: DEFAULT_CLIENT.clientId,
    client_secret: DEFAULT_CLIENT.clientSecret,
    scope: `${RESOURCE}/.default`,
  });

  it('checklist 1: client credentials in the form body return a Bearer token with expires_in', async () => {
    const response = await requestToken(validForm());
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.token_type).toBe('Bearer');
    expect(Number.isInteger(body.expires_in)).toBe(true);
    expect(body.expires_in).toBe(DEFAULT_TOKEN_LIFETIME_SECONDS);
    expect(typeof body.access_token).toBe('string');
    const claims = JSON.parse(Buffer.from(String(body.access_token).split('.')[1], 'base64url').toString('utf8'));
    expect(claims.aud).toBe(RESOURCE);
    expect(claims.appid).toBe(DEFAULT_CLIENT.clientId);
    expect(claims.exp - claims.iat).toBe(DEFAULT_TOKEN_LIFETIME_SECONDS);
    expect(identity.verify(`Bearer ${String(body.access_token)}`, RESOURCE)).toEqual({
      ok: true,
      clientId: DEFAULT_CLIENT.clientId,
    });
  });

  it('checklist 1: the secret may be sent as HTTP Basic instead of in the body', async () => {
    const { client_secret: _secret, client_id: _id, ...rest } = validForm();
    const basic = Buffer.from(`${DEFAULT_CLIENT.clientId}:${DEFAULT_CLIENT.clientSecret}`).toString('base64');
    const response = await requestToken(rest, { authorization: `Basic ${basic}` });
    expect(response.status).toBe(200);
  });

  it('checklist 2: a wrong secret returns invalid_client with a description', async () => {
    const response = await requestToken({ ...validForm(), client_secret: 'wrong' });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_client');
    expect(String(body.error_description)).toMatch(/^AADSTS7000215: Invalid client secret/);
    expect(body.error_codes).toEqual([7000215]);
    expect(typeof body.trace_id).toBe('string');
    expect(typeof body.correlation_id).toBe('string');
  });

  it.each([
    ['without /.default', `${RESOURCE}/user_impersonation`],
    ['naming two resources', `${RESOURCE}/.default https://other.test/.default`],
    ['empty', ''],
  ])('checklist 2: a scope %s returns 400 invalid_scope', async (_label, scope) => {
    const response = await requestToken({ ...validForm(), scope });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_scope');
    expect(String(body.error_description)).toMatch(/^AADSTS70011:/);
  });

  it('checklist 2: an unknown client and a wrong grant type are refused with their own errors', async () => {
    const unknown = await requestToken({ ...validForm(), client_id: '00000000-0000-0000-0000-000000000000' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as Record<string, unknown>).error).toBe('unauthorized_client');
    const grant = await requestToken({ ...validForm(), grant_type: 'password' });
    expect(grant.status).toBe(400);
    expect(((await grant.json()) as Record<string, unknown>).error).toBe('unsupported_grant_type');
  });

  it('verify() rejects expired tokens, other audiences, tampered signatures and missing headers', () => {
    const expired = identity.issue(DEFAULT_CLIENT.clientId, RESOURCE, -1);
    expect(identity.verify(`Bearer ${expired}`, RESOURCE)).toMatchObject({ ok: false, code: 'ExpiredAuthTicket' });
    const other = identity.issue(DEFAULT_CLIENT.clientId, 'https://fno.test');
    expect(identity.verify(`Bearer ${other}`, RESOURCE)).toMatchObject({ ok: false, code: 'InvalidAuthTicket' });
    const token = identity.issue(DEFAULT_CLIENT.clientId, RESOURCE);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(identity.verify(`Bearer ${tampered}`, RESOURCE)).toMatchObject({ ok: false, status: 401 });
    expect(identity.verify(undefined, RESOURCE)).toMatchObject({ ok: false, code: 'RequestIsNotAuthenticated' });
    // A trailing slash on either side names the same resource.
    expect(identity.verify(`Bearer ${token}`, `${RESOURCE}/`)).toMatchObject({ ok: true });
  });

  it('a token accepted before is still checked for audience, expiry and tampering on every request', () => {
    const token = identity.issue(DEFAULT_CLIENT.clientId, RESOURCE);
    expect(identity.verify(`Bearer ${token}`, RESOURCE)).toMatchObject({ ok: true });
    expect(identity.verify(`Bearer ${token}`, RESOURCE)).toMatchObject({ ok: true });
    expect(identity.verify(`Bearer ${token}`, 'https://fno.test')).toMatchObject({
      ok: false,
      code: 'InvalidAuthTicket',
    });
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(identity.verify(`Bearer ${tampered}`, RESOURCE)).toMatchObject({ ok: false, status: 401 });

    const shortLived = identity.issue(DEFAULT_CLIENT.clientId, RESOURCE, 60);
    expect(identity.verify(`Bearer ${shortLived}`, RESOURCE)).toMatchObject({ ok: true });
    const realNow = Date.now;
    Date.now = () => realNow() + 61_000;
    try {
      expect(identity.verify(`Bearer ${shortLived}`, RESOURCE)).toMatchObject({ ok: false, code: 'ExpiredAuthTicket' });
    } finally {
      Date.now = realNow;
    }
  });

  it('serves the discovery documents msal-node reads, and msal-node acquires a token through them', async () => {
    const discovery = await undiciFetch(
      `${identity.authorityHost}/common/discovery/instance?api-version=1.1&authorization_endpoint=x`,
      { dispatcher: agent },
    );
    expect(((await discovery.json()) as Record<string, unknown>).tenant_discovery_endpoint).toBe(
      `${identity.authority}/v2.0/.well-known/openid-configuration`,
    );

    const send = async (url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions) => {
      const response = await undiciFetch(url, {
        method,
        dispatcher: agent,
        headers: options?.headers,
        body: options?.body,
      });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => (headers[name] = value));
      return { status: response.status, headers, body: (await response.json()) as never };
    };
    const networkClient: INetworkModule = {
      sendGetRequestAsync: (url, options) => send(url, 'GET', options),
      sendPostRequestAsync: (url, options) => send(url, 'POST', options),
    };
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: DEFAULT_CLIENT.clientSecret,
        authority: identity.authority,
        knownAuthorities: [new URL(identity.authorityHost).host],
      },
      system: { networkClient },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: [`${RESOURCE}/.default`] });
    expect(result?.accessToken).toBeTruthy();
    expect(identity.verify(`Bearer ${result!.accessToken}`, RESOURCE)).toMatchObject({ ok: true });
  });
});
