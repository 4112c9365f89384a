import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildBatch,
  parseBatchResponse,
  responsesByOperation,
  type BatchOperation,
} from '../../../connectors/odata/batch';
import { errorFromResponse } from '../../../connectors/errors';
import { parseBatchRequest, serializeBatchResponse, type BatchResponseItem } from '../../../emulators/common/batch';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('$batch responses (recorded shapes)', () => {
  it('reads a Dataverse continue-on-error batch (LF line endings): statuses, bodies and errors per part', () => {
    const parts = parseBatchResponse(
      'multipart/mixed; boundary=batchresponse_3cace264-86ea-40fe-83d3-954b336c0f4a',
      fixture('dataverse-batch-continue-on-error.http'),
    );
    expect(parts.map((p) => p.status)).toEqual([201, 200, 400, 204]);
    expect(JSON.parse(parts[0].body).accountnumber).toBe('ACC-104');
    expect(parts[0].headers.etag).toBe('W/"5120344"');
    expect(parts[3].headers['odata-entityid']).toContain("accounts(accountnumber='ACC-107')");
    const err = errorFromResponse(parts[2], { system: 'sales', entitySet: 'accounts' });
    expect(err).toMatchObject({ status: 400, serviceCode: '0x80044331', retryable: false });
    expect(err.serviceMessage).toContain("maximum allowed length of '160'");
    const byOperation = responsesByOperation(parts, 5, false);
    expect(byOperation.map((p) => p?.status)).toEqual([201, 200, 400, 204, undefined]);
  });

  it('reads an F&O batch of change sets (CRLF, quoted boundary) and maps each to its operation', () => {
    const parts = parseBatchResponse(
      'multipart/mixed; boundary=batchresponse_9a1e0c52-1b1f-4a7e-9c55-0d6f5b1b7c11',
      fixture('fno-batch-changesets.http'),
    );
    expect(parts.map((p) => [p.status, p.contentId, p.changeSet])).toEqual([
      [204, '1', 0],
      [500, '2', 1],
      [201, '3', 2],
    ]);
    const err = errorFromResponse(parts[1], { system: 'fno', entitySet: 'CustomerGroups' });
    expect(err).toMatchObject({ retryable: false, kind: 'data', status: 500 });
    expect(err.serviceMessage).toMatch(/The record already exists/);
    expect(responsesByOperation(parts, 3, true).map((p) => p?.status)).toEqual([204, 500, 201]);
  });

  it('maps a failed change set that echoes its first Content-ID back to the right operation', () => {
    const parts = [
      { status: 204, headers: {}, body: '', contentId: '1', changeSet: 0 },
      { status: 500, headers: {}, body: '', contentId: undefined, changeSet: 1 },
      { status: 201, headers: {}, body: '', contentId: '3', changeSet: 2 },
    ];
    expect(responsesByOperation(parts, 3, true).map((p) => p?.status)).toEqual([204, 500, 201]);
  });

  it('fails loudly on a truncated body or a non-multipart answer', () => {
    const body = fixture('dataverse-batch-continue-on-error.http').replace(/--batchresponse_[^\n]*--\s*$/, '');
    expect(() =>
      parseBatchResponse('multipart/mixed; boundary=batchresponse_3cace264-86ea-40fe-83d3-954b336c0f4a', body),
    ).toThrow('closing boundary');
    expect(() => parseBatchResponse('application/json', '{}')).toThrow('not multipart');
  });
});

describe('$batch requests', () => {
  const operations: BatchOperation[] = [
    {
      method: 'PATCH',
      url: "https://org.example/api/data/v9.2/accounts(accountnumber='A-1')?$select=accountnumber",
      headers: { Prefer: 'return=representation' },
      body: { name: 'Contoso', 'primarycontactid@odata.bind': "/contacts(msdynce_contactnumber='C-1')" },
    },
    { method: 'DELETE', url: "https://org.example/api/data/v9.2/accounts(accountnumber='A-2')" },
  ];

  it('builds standalone parts that an independent OData batch parser reads back exactly', () => {
    const { contentType, body } = buildBatch(operations, false);
    expect(body).toContain('\r\n');
    const items = parseBatchRequest(body, contentType);
    expect(items).toHaveLength(2);
    const first = items[0];
    if (first.kind !== 'request') throw new Error('expected a standalone part');
    expect(first.request.method).toBe('PATCH');
    expect(first.request.url).toBe(operations[0].url);
    expect(JSON.parse(first.request.body)).toEqual(operations[0].body);
    expect(Object.entries(first.request.headers).map(([k, v]) => `${k.toLowerCase()}: ${v}`)).toContain(
      'prefer: return=representation',
    );
  });

  it('puts each operation in its own change set with Content-ID = position when asked', () => {
    const { contentType, body } = buildBatch(operations, true);
    const items = parseBatchRequest(body, contentType);
    expect(items.map((item) => item.kind)).toEqual(['changeset', 'changeset']);
    expect(items.map((item) => (item.kind === 'changeset' ? item.requests.map((r) => r.contentId) : []))).toEqual([
      ['1'],
      ['2'],
    ]);
  });

  it('reads what an independent serializer writes, nested change sets included', () => {
    const items: BatchResponseItem[] = [
      {
        kind: 'changeset',
        responses: [{ status: 201, headers: { 'content-type': 'application/json' }, body: '{"a":1}', contentId: '1' }],
      },
      {
        kind: 'response',
        response: { status: 404, headers: {}, body: '{"error":{"code":"0x80040217","message":"nope"}}' },
      },
    ];
    const serialized = serializeBatchResponse(items);
    const parts = parseBatchResponse(serialized.contentType, serialized.body);
    expect(parts.map((p) => [p.status, p.contentId, p.body])).toEqual([
      [201, '1', '{"a":1}'],
      [404, undefined, '{"error":{"code":"0x80040217","message":"nope"}}'],
    ]);
  });
});
