import { Agent, fetch as undiciFetch } from 'undici';

import { parseBatchResponse, serializeBatchRequest, type BatchRequestItem } from '../../../../emulators/common/batch';
import { startFnoEmulator, type FnoEmulator, type FnoEmulatorOptions } from '../../../../emulators/fno';

export interface FnoHarness {
  emu: FnoEmulator;
  token: string;
  /** fetch against `emu.dataUrl + path` with the bearer token and JSON headers. */
  api(
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<Response>;
  json(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<any>;
  batch(
    items: BatchRequestItem[],
    headers?: Record<string, string>,
  ): Promise<{ status: number; parts: ReturnType<typeof parseBatchResponse> }>;
  close(): Promise<void>;
}

/** Asks the identity server for a token the way a client would: client credentials over HTTPS. */
export async function requestToken(
  emu: FnoEmulator,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const dispatcher = new Agent({ connect: { ca: emu.identity.caCertPem } });
  try {
    const response = await undiciFetch(emu.identity.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      dispatcher,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  } finally {
    await dispatcher.close();
  }
}

export function credentials(emu: FnoEmulator): Record<string, string> {
  const client = emu.identity.clients[0];
  return {
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    scope: `${emu.resource}/.default`,
  };
}

export async function startHarness(options: FnoEmulatorOptions = {}): Promise<FnoHarness> {
  const emu = await startFnoEmulator(options);
  const issued = await requestToken(emu, credentials(emu));
  if (issued.status !== 200) throw new Error(`token request failed: ${JSON.stringify(issued.body)}`);
  const token = String(issued.body.access_token);
  const api: FnoHarness['api'] = (path, init = {}) =>
    fetch(`${emu.dataUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        'odata-version': '4.0',
        'odata-maxversion': '4.0',
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
  return {
    emu,
    token,
    api,
    json: async (path, init) => (await api(path, init)).json(),
    batch: async (items, headers = {}) => {
      const request = serializeBatchRequest(items);
      const response = await fetch(`${emu.dataUrl}$batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': request.contentType, ...headers },
        body: request.body,
      });
      const text = await response.text();
      return { status: response.status, parts: parseBatchResponse(text, response.headers.get('content-type') ?? '') };
    },
    close: () => emu.close(),
  };
}

/** A small P2C world: customers, products and reference data in usmf and usrt. */
export const SAMPLE_SEED = {
  CustomersV2: [
    {
      dataAreaId: 'usmf',
      CustomerAccount: 'US-001',
      CustomerGroupId: '10',
      OrganizationName: 'Contoso Retail San Diego',
      IsExternallyMaintained: 'Yes',
      SiteId: '1',
      WarehouseId: '13',
    },
    {
      dataAreaId: 'usmf',
      CustomerAccount: 'US-002',
      CustomerGroupId: '20',
      OrganizationName: 'Fabrikam Wholesale',
      IsExternallyMaintained: 'No',
      SiteId: '1',
      WarehouseId: '13',
    },
    {
      dataAreaId: 'usmf',
      CustomerAccount: 'US-003',
      CustomerGroupId: '30',
      OrganizationName: 'Adventure Works Retail',
    },
    { dataAreaId: 'usrt', CustomerAccount: 'US-001', CustomerGroupId: '10', OrganizationName: 'Retail Store Seattle' },
    {
      dataAreaId: 'usrt',
      CustomerAccount: 'RT-100',
      CustomerGroupId: '30',
      OrganizationName: 'Retail Outlet Portland',
    },
  ],
  ReleasedDistinctProductsV2: [
    {
      dataAreaId: 'usmf',
      ItemNumber: 'D0001',
      ProductSearchName: 'MidRangeSpeaker',
      ProductType: 'Item',
      SalesUnitSymbol: 'ea',
      SalesPrice: 219.99,
    },
    {
      dataAreaId: 'usmf',
      ItemNumber: 'D0002',
      ProductSearchName: 'Cabinet',
      ProductType: 'Item',
      SalesUnitSymbol: 'ea',
      SalesPrice: 149.5,
    },
    {
      dataAreaId: 'usmf',
      ItemNumber: 'S0001',
      ProductSearchName: 'Installation',
      ProductType: 'Service',
      SalesUnitSymbol: 'hr',
      SalesPrice: 80,
    },
    {
      dataAreaId: 'usrt',
      ItemNumber: 'R0001',
      ProductSearchName: 'Shelf',
      ProductType: 'Item',
      SalesUnitSymbol: 'ea',
      SalesPrice: 25,
    },
  ],
};

export async function errorOf(
  response: Response,
): Promise<{ status: number; code: string; message: string; inner?: { message: string; type: string } }> {
  const body = (await response.json()) as {
    error: { code: string; message: string; innererror?: { message: string; type: string } };
  };
  return { status: response.status, code: body.error.code, message: body.error.message, inner: body.error.innererror };
}
