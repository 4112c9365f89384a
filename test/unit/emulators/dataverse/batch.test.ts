import {
  parseBatchResponse,
  serializeBatchRequest,
  type BatchRequestItem,
  type BatchRequestPart,
} from '../../../../emulators/common/batch';
import { baseSeed, startHarness, type Harness } from './helpers';

// Each test starts its own emulator; a loaded CI machine can take seconds for that alone.
jest.setTimeout(30_000);

const API = '/api/data/v9.2/';

const post = (set: string, body: Record<string, unknown>, contentId?: string): BatchRequestPart => ({
  method: 'POST',
  url: `${API}${set}`,
  headers: { 'Content-Type': 'application/json; type=entry' },
  body: JSON.stringify(body),
  ...(contentId ? { contentId } : {}),
});

const get = (path: string): BatchRequestPart => ({ method: 'GET', url: `${API}${path}`, headers: {}, body: '' });

describe('Dataverse emulator: $batch', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ seed: baseSeed() });
  });
  afterEach(() => h.emu.close());

  const sendBatch = async (items: BatchRequestItem[], prefer?: string, boundary?: string) => {
    const request = serializeBatchRequest(items, boundary);
    const response = await h.fetchApi('$batch', {
      method: 'POST',
      body: request.body,
      headers: { 'content-type': request.contentType, ...(prefer ? { prefer } : {}) },
    });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    const parts = contentType.startsWith('multipart/mixed') ? parseBatchResponse(text, contentType) : [];
    return { response, contentType, items: parts, text };
  };
  const accounts = () => h.emu.store.table('accounts');

  it('checklist 21: three POSTs and a GET return 200 multipart with a new boundary and four ordered responses', async () => {
    const result = await sendBatch(
      [
        { kind: 'request', request: post('accounts', { name: 'B1', accountnumber: 'B-1' }) },
        { kind: 'request', request: post('accounts', { name: 'B2', accountnumber: 'B-2' }) },
        { kind: 'request', request: post('accounts', { name: 'B3', accountnumber: 'B-3' }) },
        { kind: 'request', request: get("accounts?$select=name&$filter=startswith(accountnumber,'B-')") },
      ],
      undefined,
      'batch_p2c21',
    );
    expect(result.response.status).toBe(200);
    expect(result.contentType).toMatch(/^multipart\/mixed; boundary=batchresponse_[0-9a-f-]{36}$/);
    expect(result.contentType).not.toContain('batch_p2c21');
    const statuses = result.items.map((item) => (item.kind === 'response' ? item.response.status : -1));
    expect(statuses).toEqual([204, 204, 204, 200]);
    const first = result.items[0].kind === 'response' ? result.items[0].response : undefined;
    expect(first?.headers['odata-entityid']).toMatch(/accounts\([0-9a-f-]{36}\)$/);
    const listed = result.items[3].kind === 'response' ? JSON.parse(result.items[3].response.body) : undefined;
    expect(listed.value.map((r: { name: string }) => r.name).sort()).toEqual(['B1', 'B2', 'B3']);
  });

  it('checklist 21: dynamics-web-api batches run through the emulator', async () => {
    h.api.startBatch();
    void h.api.create({ collection: 'accounts', data: { name: 'L1', accountnumber: 'L-1' } });
    void h.api.create({ collection: 'accounts', data: { name: 'L2', accountnumber: 'L-2' } });
    void h.api.retrieveMultiple({ collection: 'accounts', select: ['name'], filter: "startswith(accountnumber,'L-')" });
    const responses = await h.api.executeBatch();
    expect(responses).toHaveLength(3);
    expect(responses[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(responses[2].value).toHaveLength(2);
  });

  it('checklist 22: a change set binds part 2 to the row created by Content-ID 1 and echoes Content-ID', async () => {
    const result = await sendBatch([
      {
        kind: 'changeset',
        requests: [
          post('accounts', { name: 'Alfreds Futterkiste', accountnumber: 'ACC-104' }, '1'),
          post('contacts', { lastname: 'Anders-104', 'parentcustomerid_account@odata.bind': '$1' }, '2'),
        ],
      },
    ]);
    expect(result.response.status).toBe(200);
    const changeSet = result.items[0];
    if (changeSet.kind !== 'changeset') throw new Error('expected a change set response');
    expect(changeSet.responses.map((r) => [r.status, r.contentId])).toEqual([
      [204, '1'],
      [204, '2'],
    ]);
    const account = accounts().findByUnique({ accountnumber: 'ACC-104' })!;
    const contact = [...h.emu.store.table('contacts').rows()].find((c) => c.lastname === 'Anders-104')!;
    expect(contact._parentcustomerid_value).toBe(account.accountid);

    h.api.startBatch();
    void h.api.create({ collection: 'accounts', data: { name: 'Lib parent', accountnumber: 'LP-1' }, contentId: '1' });
    void h.api.create({
      collection: 'contacts',
      data: { lastname: 'Lib child', 'parentcustomerid_account@odata.bind': '$1' },
    });
    await h.api.executeBatch();
    const parent = accounts().findByUnique({ accountnumber: 'LP-1' })!;
    const child = [...h.emu.store.table('contacts').rows()].find((c) => c.lastname === 'Lib child')!;
    expect(child._parentcustomerid_value).toBe(parent.accountid);
  });

  it('checklist 22: $1 also works as a request URL (PATCH $1 and PUT $1/<column>) inside the change set', async () => {
    const result = await sendBatch([
      {
        kind: 'changeset',
        requests: [
          post('accounts', { name: 'First name', accountnumber: 'URL-1' }, '1'),
          {
            method: 'PATCH',
            url: '$1',
            headers: { 'Content-Type': 'application/json' },
            body: '{"name":"Patched"}',
            contentId: '2',
          },
          {
            method: 'PUT',
            url: '$1/telephone1',
            headers: { 'Content-Type': 'application/json' },
            body: '{"value":"555-0142"}',
            contentId: '3',
          },
        ],
      },
    ]);
    expect(result.response.status).toBe(200);
    expect(accounts().findByUnique({ accountnumber: 'URL-1' })).toMatchObject({
      name: 'Patched',
      telephone1: '555-0142',
    });
  });

  it('substitutes $n only in @odata.bind and @odata.id values; a column holding "$1" or "$5" is stored as sent', async () => {
    const result = await sendBatch([
      {
        kind: 'changeset',
        requests: [
          post('accounts', { name: '$1', accountnumber: 'DOLLAR-1', description: '$5' }, '1'),
          post('contacts', { lastname: '$1', jobtitle: '$5', 'parentcustomerid_account@odata.bind': '$1' }, '2'),
          {
            method: 'PUT',
            url: '$1/primarycontactid/$ref',
            headers: { 'Content-Type': 'application/json' },
            body: '{"@odata.id":"$2"}',
            contentId: '3',
          },
        ],
      },
    ]);
    expect(result.response.status).toBe(200);
    const account = accounts().findByUnique({ accountnumber: 'DOLLAR-1' })!;
    expect(account).toMatchObject({ name: '$1', description: '$5' });
    const contact = h.emu.store.table('contacts').get(account._primarycontactid_value)!;
    expect(contact).toMatchObject({ lastname: '$1', jobtitle: '$5', _parentcustomerid_value: account.accountid });
  });

  it('substitutes $n in @odata.bind values of deep-inserted rows', async () => {
    const result = await sendBatch([
      {
        kind: 'changeset',
        requests: [
          post('accounts', { name: 'Deep parent', accountnumber: 'DEEP-1' }, '1'),
          post(
            'quotes',
            {
              name: 'Deep $1',
              quotenumber: 'Q-DEEP-REF',
              'customerid_account@odata.bind': '$1',
              quote_details: [
                {
                  sequencenumber: 1,
                  quantity: 1,
                  priceperunit: 1,
                  productdescription: '$1',
                  isproductoverridden: true,
                },
              ],
            },
            '2',
          ),
          post(
            'accounts',
            {
              name: 'Deep sibling',
              accountnumber: 'DEEP-2',
              primarycontactid: { lastname: 'Nested', 'parentcustomerid_account@odata.bind': '$1' },
            },
            '3',
          ),
        ],
      },
    ]);
    expect(result.response.status).toBe(200);
    const account = accounts().findByUnique({ accountnumber: 'DEEP-1' })!;
    const sibling = accounts().findByUnique({ accountnumber: 'DEEP-2' })!;
    const nested = h.emu.store.table('contacts').get(sibling._primarycontactid_value)!;
    expect(nested).toMatchObject({ lastname: 'Nested', _parentcustomerid_value: account.accountid });
    const quote = h.emu.store.table('quotes').findByUnique({ quotenumber: 'Q-DEEP-REF' })!;
    expect(quote).toMatchObject({ name: 'Deep $1', _customerid_value: account.accountid });
    const [line] = [...h.emu.store.table('quotedetails').rows()].filter((r) => r._quoteid_value === quote.quoteid);
    expect(line.productdescription).toBe('$1');
  });

  it('checklist 23: referencing $1 before it is declared → 400 naming the Content-ID', async () => {
    const result = await sendBatch([
      {
        kind: 'changeset',
        requests: [
          post('contacts', { lastname: 'Early', 'parentcustomerid_account@odata.bind': '$1' }, '2'),
          post('accounts', { name: 'Late', accountnumber: 'LATE-1' }, '1'),
        ],
      },
    ]);
    expect(result.response.status).toBe(400);
    const changeSet = result.items[0];
    if (changeSet.kind !== 'changeset') throw new Error('expected a change set response');
    expect(JSON.parse(changeSet.responses[0].body).error.message).toBe(
      "Content-ID Reference: '$1' does not exist in the batch context.",
    );
    expect(accounts().findByUnique({ accountnumber: 'LATE-1' })).toBeUndefined();
  });

  it('checklist 24: a failing second operation rolls back the first and yields one error response', async () => {
    const before = accounts().size;
    const result = await sendBatch([
      {
        kind: 'changeset',
        requests: [
          post('accounts', { name: 'Rolled back', accountnumber: 'RB-1' }, '1'),
          post('accounts', { name: 'x'.repeat(200), accountnumber: 'RB-2' }, '2'),
        ],
      },
    ]);
    expect(result.response.status).toBe(400);
    expect(result.items).toHaveLength(1);
    const changeSet = result.items[0];
    if (changeSet.kind !== 'changeset') throw new Error('expected a change set response');
    expect(changeSet.responses).toHaveLength(1);
    expect(JSON.parse(changeSet.responses[0].body).error.code).toBe('0x80044331');
    expect(accounts().size).toBe(before);
    expect(accounts().findByUnique({ accountnumber: 'RB-1' })).toBeUndefined();
  });

  it('checklist 25: a failing standalone part stops the batch unless odata.continue-on-error is set', async () => {
    const items: BatchRequestItem[] = [
      { kind: 'request', request: post('accounts', { name: 'Before', accountnumber: 'S-1' }) },
      { kind: 'request', request: post('accounts', { name: 'Bad', nosuchcolumn: 1 }) },
      { kind: 'request', request: post('accounts', { name: 'After', accountnumber: 'S-3' }) },
    ];
    const stopped = await sendBatch(items);
    expect(stopped.response.status).toBe(400);
    expect(stopped.items.map((i) => (i.kind === 'response' ? i.response.status : 0))).toEqual([204, 400]);
    expect(accounts().findByUnique({ accountnumber: 'S-3' })).toBeUndefined();

    const continued = await sendBatch(
      items.map((item) => {
        if (item.kind !== 'request') return item;
        const body = JSON.parse(item.request.body) as Record<string, unknown>;
        if (body.accountnumber) body.accountnumber = `C${String(body.accountnumber)}`;
        return { kind: 'request', request: { ...item.request, body: JSON.stringify(body) } };
      }),
      'odata.continue-on-error',
    );
    expect(continued.response.status).toBe(200);
    expect(continued.response.headers.get('preference-applied')).toBe('odata.continue-on-error');
    expect(continued.items.map((i) => (i.kind === 'response' ? i.response.status : 0))).toEqual([204, 400, 204]);
    expect(accounts().findByUnique({ accountnumber: 'CS-3' })).toBeDefined();
  });

  it('checklist 26: GET in a change set, more than 1000 operations and a nested batch are rejected with 400', async () => {
    const getInChangeSet = await sendBatch([{ kind: 'changeset', requests: [get('accounts')] }]);
    expect(getInChangeSet.response.status).toBe(400);
    expect(JSON.parse(getInChangeSet.text).error.message).toMatch(/change set may only contain/);

    const many: BatchRequestItem[] = Array.from({ length: 1001 }, (_, i) => ({
      kind: 'request',
      request: get(`accounts?$select=name&$top=${i + 1}`),
    }));
    const request = serializeBatchRequest(many);
    const tooMany = await h.fetchApi('$batch', {
      method: 'POST',
      body: request.body,
      headers: { 'content-type': request.contentType },
    });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { message: string } }).error.message).toMatch(/1000/);

    const nested = serializeBatchRequest([{ kind: 'request', request: { ...get('$batch'), method: 'POST' } }]);
    const nestedResponse = await h.fetchApi('$batch', {
      method: 'POST',
      body: nested.body,
      headers: { 'content-type': nested.contentType },
    });
    expect(nestedResponse.status).toBe(400);
  });

  it('checklist 27: accepts LF line endings, an unquoted boundary and absolute part URLs', async () => {
    const body = [
      '--batch_lf',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      `POST ${h.emu.apiUrl}accounts HTTP/1.1`,
      'Content-Type: application/json; type=entry',
      '',
      '{"name":"LF","accountnumber":"LF-1"}',
      '--batch_lf',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      "GET accounts?$select=name&$filter=accountnumber eq 'LF-1' HTTP/1.1",
      '',
      '',
      '--batch_lf--',
      '',
    ].join('\n');
    const response = await h.fetchApi('$batch', {
      method: 'POST',
      body,
      headers: { 'content-type': 'multipart/mixed;boundary=batch_lf' },
    });
    expect(response.status).toBe(200);
    const items = parseBatchResponse(await response.text(), response.headers.get('content-type') ?? '');
    const read = items[1].kind === 'response' ? JSON.parse(items[1].response.body) : undefined;
    expect(read.value.map((r: { name: string }) => r.name)).toEqual(['LF']);
  });

  it('counts a batch as one request and its parts as operations', async () => {
    await sendBatch([
      { kind: 'request', request: get('accounts?$select=name') },
      { kind: 'request', request: get('contacts?$select=fullname') },
    ]);
    expect(h.emu.stats()).toMatchObject({ requests: 1, batchOperations: 2, byStatus: { '200': 1 } });
  });
});
