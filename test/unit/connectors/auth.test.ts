import { createDispatcher, TokenProvider } from '../../../connectors/auth';
import { connectionConfigSchema, dataverseConnectionSchema, describeConnection } from '../../../connectors/config';
import { ConnectorError } from '../../../connectors/errors';
import { DataverseClient } from '../../../connectors';
import { DEFAULT_CLIENT, startIdentityServer, type IdentityServer } from '../../../emulators/common/identity';

const RESOURCE = 'https://p2c-test.crm.dynamics.com';
const SECRET_ENV = 'P2C_TEST_AUTH_SECRET';

describe('Entra client-credentials token provider', () => {
  let identity: IdentityServer;
  beforeAll(async () => {
    identity = await startIdentityServer({ tokenLifetimeSeconds: 3599 });
  });
  afterAll(async () => {
    delete process.env[SECRET_ENV];
    await identity.close();
  });

  const provider = (secret: string, extra: Record<string, unknown> = {}) => {
    process.env[SECRET_ENV] = secret;
    const connection = dataverseConnectionSchema.parse({
      url: RESOURCE,
      authority: identity.authority,
      clientId: DEFAULT_CLIENT.clientId,
      clientSecretEnv: SECRET_ENV,
      caCertPem: identity.caCertPem,
      ...extra,
    });
    return new TokenProvider('sales', connection, createDispatcher(identity.caCertPem, 10_000), 10_000);
  };

  it('gets a token for <resource>/.default from a private-CA authority and caches it', async () => {
    const tokens = provider(DEFAULT_CLIENT.clientSecret);
    const first = await tokens.getToken();
    expect(identity.verify(`Bearer ${first}`, RESOURCE)).toMatchObject({ ok: true });
    expect(await tokens.getToken()).toBe(first);
    const [a, b] = await Promise.all([tokens.getToken(), tokens.getToken()]);
    expect(a).toBe(first);
    expect(b).toBe(first);
  });

  it('fetches a new token after the service rejected the current one', async () => {
    const tokens = provider(DEFAULT_CLIENT.clientSecret);
    const first = await tokens.getToken();
    tokens.invalidate(first);
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
  });

  it('fails fast on a wrong secret: non-retryable, names client id, authority and the env var, never the secret', async () => {
    const wrong = 'definitely-not-the-secret-93f1';
    const tokens = provider(wrong);
    const started = Date.now();
    const err = await tokens.getToken().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err).toBeInstanceOf(ConnectorError);
    const failure = err as ConnectorError;
    expect(failure.retryable).toBe(false);
    expect(failure.kind).toBe('auth');
    expect(failure.message).toContain(DEFAULT_CLIENT.clientId);
    expect(failure.message).toContain(identity.authority);
    expect(failure.message).toContain(SECRET_ENV);
    expect(failure.message).toContain('7000215');
    for (const text of [failure.message, failure.stack ?? '', JSON.stringify(failure), JSON.stringify(tokens)]) {
      expect(text).not.toContain(wrong);
    }
  });

  it('names the tenant problem when the authority does not know the tenant (not retryable)', async () => {
    const tokens = provider(DEFAULT_CLIENT.clientSecret, { authority: `${identity.authorityHost}/no-such-tenant` });
    const err = (await tokens.getToken().catch((e: unknown) => e)) as ConnectorError;
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ retryable: false, kind: 'auth', status: 400 });
    expect(err.message).toContain("Tenant 'no-such-tenant' not found");
    expect(err.message).toContain('check the client id and the tenant in the authority');
  });

  it('treats an unreachable authority as a transient failure', async () => {
    const tokens = provider(DEFAULT_CLIENT.clientSecret, { authority: 'https://127.0.0.1:1/p2c-local' });
    const err = (await tokens.getToken().catch((e: unknown) => e)) as ConnectorError;
    expect(err).toMatchObject({ retryable: true, kind: 'transient' });
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('authenticates from a parsed config whose inline secret is hidden from JSON', async () => {
    const parsed = connectionConfigSchema.parse({
      dataverse: {
        url: RESOURCE,
        authority: identity.authority,
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: DEFAULT_CLIENT.clientSecret,
        caCertPem: identity.caCertPem,
      },
      fno: {
        url: 'https://p2c-test.operations.dynamics.com',
        authority: identity.authority,
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: DEFAULT_CLIENT.clientSecret,
        caCertPem: identity.caCertPem,
      },
    });
    const client = new DataverseClient(parsed.dataverse);
    try {
      const token = await client.target.tokens.getToken();
      expect(identity.verify(`Bearer ${token}`, RESOURCE)).toMatchObject({ ok: true });
      expect(JSON.stringify({ parsed, client })).not.toContain(DEFAULT_CLIENT.clientSecret);
    } finally {
      await client.close();
    }
  });

  it('refuses a missing secret variable with a message naming it', () => {
    delete process.env[SECRET_ENV];
    const connection = dataverseConnectionSchema.parse({
      url: RESOURCE,
      authority: identity.authority,
      clientId: DEFAULT_CLIENT.clientId,
      clientSecretEnv: SECRET_ENV,
    });
    expect(() => new TokenProvider('sales', connection, createDispatcher(undefined, 1000), 1000)).toThrow(
      `environment variable ${SECRET_ENV} (clientSecretEnv) is not set`,
    );
  });
});

describe('connection config', () => {
  const base = {
    url: 'https://contoso.crm.dynamics.com',
    authority: 'https://login.microsoftonline.com/contoso.onmicrosoft.com',
    clientId: '00000000-0000-0000-0000-000000000001',
  };

  it('keeps an inline secret out of JSON and out of describeConnection', () => {
    const secret = 'inline-secret-value-7781';
    const parsed = connectionConfigSchema.parse({
      dataverse: { ...base, clientSecret: secret },
      fno: {
        ...base,
        url: 'https://contoso.operations.dynamics.com',
        clientSecretEnv: 'FNO_SECRET',
        defaultCompany: 'usmf',
      },
    });
    expect(parsed.dataverse.clientSecret).toBe(secret);
    expect(JSON.stringify(parsed)).not.toContain(secret);
    expect(JSON.stringify(describeConnection(parsed.dataverse))).not.toContain(secret);
    expect(describeConnection(parsed.dataverse).clientSecret).toBe('[redacted]');
  });

  it('rejects configs without a secret source, with plain-http remote URLs, or with an http authority', () => {
    expect(() => dataverseConnectionSchema.parse(base)).toThrow('set clientSecretEnv (preferred) or clientSecret');
    expect(() =>
      dataverseConnectionSchema.parse({ ...base, clientSecretEnv: 'X', url: 'http://contoso.crm.dynamics.com' }),
    ).toThrow('must be an https URL');
    expect(() =>
      dataverseConnectionSchema.parse({ ...base, clientSecretEnv: 'X', authority: 'http://127.0.0.1:1/t' }),
    ).toThrow('must be an https URL');
    expect(dataverseConnectionSchema.parse({ ...base, clientSecretEnv: 'X', url: 'http://127.0.0.1:8080' }).url).toBe(
      'http://127.0.0.1:8080',
    );
  });
});
