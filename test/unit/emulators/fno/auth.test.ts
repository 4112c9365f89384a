import { credentials, errorOf, requestToken, startHarness, type FnoHarness } from './helpers';

/** Checklist items 1–3 against the F&O emulator: client-credentials tokens and 401s. */
describe('F&O auth', () => {
  let h: FnoHarness;
  beforeAll(async () => {
    h = await startHarness({
      seed: { CustomersV3: [{ dataAreaId: 'usmf', CustomerAccount: 'US-001', CustomerGroupId: '10' }] },
    });
  });
  afterAll(() => h.close());

  const callWith = (authorization?: string) =>
    fetch(`${h.emu.dataUrl}CustomersV3`, { headers: authorization ? { authorization } : {} });

  test('1: client credentials with <resource>/.default returns a Bearer token that the F&O service accepts', async () => {
    const { status, body } = await requestToken(h.emu, credentials(h.emu));
    expect(status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    expect(Number.isInteger(body.expires_in)).toBe(true);
    expect(body.expires_in as number).toBeGreaterThan(0);
    expect(typeof body.access_token).toBe('string');
    const response = await callWith(`Bearer ${String(body.access_token)}`);
    expect(response.status).toBe(200);
  });

  test('2: a wrong secret is refused with error and error_description', async () => {
    const { status, body } = await requestToken(h.emu, { ...credentials(h.emu), client_secret: 'not-the-secret' });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(typeof body.error).toBe('string');
    expect(typeof body.error_description).toBe('string');
  });

  test('2: a scope without /.default, or naming two resources, is invalid_scope', async () => {
    const plain = await requestToken(h.emu, { ...credentials(h.emu), scope: h.emu.resource });
    expect(plain.status).toBe(400);
    expect(plain.body.error).toBe('invalid_scope');
    const two = await requestToken(h.emu, {
      ...credentials(h.emu),
      scope: `${h.emu.resource}/.default https://contoso.crm.dynamics.com/.default`,
    });
    expect(two.status).toBe(400);
    expect(two.body.error).toBe('invalid_scope');
  });

  test('3: missing token, token for another resource and expired token all get 401', async () => {
    const clientId = h.emu.identity.clients[0].clientId;
    const missing = await callWith();
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const other = await callWith(`Bearer ${h.emu.identity.issue(clientId, 'https://contoso.crm.dynamics.com')}`);
    expect(other.status).toBe(401);
    expect((await errorOf(other)).message).toMatch(/audience/);
    const expired = await callWith(`Bearer ${h.emu.identity.issue(clientId, h.emu.resource, -5)}`);
    expect(expired.status).toBe(401);
    expect((await errorOf(expired)).message).toMatch(/expired/);
  });

  test('3: the fault switch expireTokens makes valid tokens fail until reset', async () => {
    h.emu.faults.configure({ expireTokens: true });
    try {
      expect((await h.api('CustomersV3')).status).toBe(401);
    } finally {
      h.emu.faults.reset();
    }
    expect((await h.api('CustomersV3')).status).toBe(200);
  });
});
