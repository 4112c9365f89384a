import { createDispatcher, TokenProvider } from '../../../connectors/auth';
import { dataverseConnectionSchema } from '../../../connectors/config';
import { ConnectorError } from '../../../connectors/errors';
import { DataverseClient } from '../../../connectors';
import { DATAVERSE_LIMITS } from '../../../connectors/limiter';
import {
  answerJson,
  answerToken,
  answerTokenRefusal,
  startFakeAuthority,
  startFakeService,
  type FakeHandler,
  type FakeServer,
} from './fake-authority';
import { RecordingMetrics } from './support';

const SECRET_ENV = 'P2C_TEST_TOKEN_THROTTLING_SECRET';
const CLIENT_ID = '00000000-0000-0000-0000-0000000000a1';

describe('token endpoint throttling and outages', () => {
  let service: FakeServer;
  const opened: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    process.env[SECRET_ENV] = 'throttling-test-secret';
    service = await startFakeService((res) => answerJson(res, 200, { value: [{ accountid: '1' }] }));
  });
  afterEach(async () => {
    for (const resource of opened.splice(0).reverse()) await resource.close();
  });
  afterAll(async () => {
    delete process.env[SECRET_ENV];
    await service.close();
  });

  const authorityAnswering = async (token: FakeHandler) => {
    const authority = await startFakeAuthority(token);
    opened.push(authority);
    return authority;
  };

  const connection = (authority: { authority: string; caCertPem: string }, extra: Record<string, unknown> = {}) =>
    dataverseConnectionSchema.parse({
      url: service.url,
      authority: authority.authority,
      clientId: CLIENT_ID,
      clientSecretEnv: SECRET_ENV,
      caCertPem: authority.caCertPem,
      ...extra,
    });

  const clientFor = (authority: { authority: string; caCertPem: string }, metrics: RecordingMetrics) => {
    const client = new DataverseClient(connection(authority), { metrics });
    opened.push(client);
    return client;
  };

  it.each([429, 503])(
    'waits out a %i with Retry-After from the token endpoint, then reads, without pausing the service',
    async (status) => {
      const authority = await authorityAnswering((res, n) =>
        n === 1 ? answerTokenRefusal(res, status, 1) : answerToken(res),
      );
      const metrics = new RecordingMetrics();
      const client = clientFor(authority, metrics);
      const started = Date.now();
      const page = await client.readPage('accounts', { pageSize: 10 });
      expect(page.rows).toHaveLength(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(authority.requests).toBe(2);
      expect(metrics.throttles).toEqual([]);
      expect(client.target.limiter.snapshot()).toMatchObject({
        concurrencyLimit: DATAVERSE_LIMITS.maxConcurrency,
        pausedForMs: 0,
      });
    },
  );

  it('is retryable with the remaining wait while msal holds token requests back after a 429', async () => {
    const authority = await authorityAnswering((res) => answerTokenRefusal(res, 429, 30));
    const tokens = new TokenProvider('sales', connection(authority), createDispatcher(authority.caCertPem, 5000), 5000);
    const first = (await tokens.getToken().catch((e: unknown) => e)) as ConnectorError;
    expect(first).toBeInstanceOf(ConnectorError);
    expect(first).toMatchObject({ kind: 'transient', retryable: true, status: 429 });
    expect(first.retryAfterMs).toBeGreaterThan(29_000);
    expect(first.retryAfterMs).toBeLessThanOrEqual(31_000);

    // msal answers this one from its throttle cache: nothing is sent and its error carries no status.
    const held = (await tokens.getToken().catch((e: unknown) => e)) as ConnectorError;
    expect(authority.requests).toBe(1);
    expect(held).toBeInstanceOf(ConnectorError);
    expect(held).toMatchObject({ kind: 'transient', retryable: true, status: 429 });
    expect(held.retryAfterMs).toBeGreaterThan(25_000);
    expect(held.retryAfterMs).toBeLessThanOrEqual(31_000);
  });

  it('hands a token-endpoint outage longer than the inline budget back as retryable, with the wait', async () => {
    // Without Retry-After msal holds requests back for 60 s, more than this connection waits inline.
    const authority = await authorityAnswering((res, n) =>
      n === 1 ? answerJson(res, 503, { error: 'temporarily_unavailable' }) : answerToken(res),
    );
    const metrics = new RecordingMetrics();
    const client = new DataverseClient(connection(authority, { maxInlineWaitMs: 5000 }), { metrics });
    opened.push(client);
    const started = Date.now();
    const err = (await client.readPage('accounts', { pageSize: 10 }).catch((e: unknown) => e)) as ConnectorError;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ kind: 'transient', retryable: true, status: 503, operation: 'token' });
    expect(err.retryAfterMs).toBeGreaterThan(55_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(61_000);
    expect(metrics.throttles).toEqual([]);
  });
});
