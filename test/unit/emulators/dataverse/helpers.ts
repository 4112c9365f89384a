import { DynamicsWebApi } from 'dynamics-web-api';
import { DEFAULT_CLIENT } from '../../../../emulators/common/identity';
import {
  startDataverseEmulator,
  type DataverseEmulator,
  type DataverseEmulatorOptions,
} from '../../../../emulators/dataverse';

/** Test plumbing: an emulator, a token for it, raw fetch with auth, and a dynamics-web-api client. */

export interface Harness {
  emu: DataverseEmulator;
  token: string;
  api: DynamicsWebApi;
  fetchApi(path: string, init?: RequestInit): Promise<Response>;
}

export const ACCOUNT_ID = '6f1c2a10-0000-0000-0000-000000000001';
export const CONTACT_ID = '2b7d9e44-0000-0000-0000-000000000002';

export async function startHarness(options: DataverseEmulatorOptions = {}): Promise<Harness> {
  const emu = await startDataverseEmulator({ admin: true, ...options });
  const token = emu.identity.issue(DEFAULT_CLIENT.clientId, emu.resource);
  const api = new DynamicsWebApi({
    serverUrl: emu.url,
    dataApi: { version: '9.2' },
    onTokenRefresh: async () => token,
  });
  const fetchApi = (path: string, init: RequestInit = {}) =>
    fetch(path.startsWith('http') ? path : `${emu.apiUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        'odata-version': '4.0',
        'odata-maxversion': '4.0',
        ...(init.body && typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  return { emu, token, api, fetchApi };
}

/** The account/contact pair most tests start from. */
export function baseSeed() {
  return {
    accounts: [
      {
        accountid: ACCOUNT_ID,
        name: 'Northwind Traders',
        accountnumber: 'ACC-001',
        'primarycontactid@odata.bind': `/contacts(${CONTACT_ID})`,
      },
    ],
    contacts: [
      {
        contactid: CONTACT_ID,
        firstname: 'Maria',
        lastname: 'Anders',
        msdynce_contactnumber: 'CON-001',
        'parentcustomerid_account@odata.bind': "/accounts(accountnumber='ACC-001')",
      },
    ],
  };
}

/** Reads a JSON response body for assertions. */
export async function json(response: Response): Promise<Record<string, any>> {
  return (await response.json()) as Record<string, any>;
}
