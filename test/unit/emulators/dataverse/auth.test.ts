import { DEFAULT_CLIENT } from '../../../../emulators/common/identity';
import { ACCOUNT_ID, baseSeed, startHarness, type Harness } from './helpers';

// Each test starts its own emulator; a loaded CI machine can take seconds for that alone.
jest.setTimeout(30_000);

describe('Dataverse emulator: authentication', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ seed: baseSeed() });
  });
  afterAll(() => h.emu.close());

  const get = (authorization?: string) =>
    fetch(`${h.emu.apiUrl}accounts(${ACCOUNT_ID})`, {
      headers: authorization ? { authorization, accept: 'application/json' } : { accept: 'application/json' },
    });

  it('accepts a token for its own resource', async () => {
    expect((await get(`Bearer ${h.token}`)).status).toBe(200);
  });

  it('checklist 3: answers 401 for a missing token, a token for another resource and an expired token', async () => {
    const other = h.emu.identity.issue(DEFAULT_CLIENT.clientId, 'https://contoso.operations.test');
    const expired = h.emu.identity.issue(DEFAULT_CLIENT.clientId, h.emu.resource, -5);
    for (const authorization of [undefined, `Bearer ${other}`, `Bearer ${expired}`, 'Bearer not-a-jwt']) {
      const response = await get(authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=/);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.message).toMatch(/RequestIsNotAuthenticated|InvalidAuthTicket|ExpiredAuthTicket/);
    }
  });

  it('checklist 3: the expireTokens fault makes valid tokens fail as expired until reset', async () => {
    h.emu.faults.configure({ expireTokens: true });
    const response = await get(`Bearer ${h.token}`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/ExpiredAuthTicket/);
    h.emu.faults.reset();
    expect((await get(`Bearer ${h.token}`)).status).toBe(200);
  });

  it('dynamics-web-api reports a 401 as an error with status', async () => {
    h.emu.faults.configure({ expireTokens: true });
    await expect(h.api.retrieve({ collection: 'accounts', key: ACCOUNT_ID })).rejects.toMatchObject({ status: 401 });
    h.emu.faults.reset();
  });
});
