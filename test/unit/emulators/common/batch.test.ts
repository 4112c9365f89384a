import Fastify, { type FastifyInstance } from 'fastify';
import {
  BatchFormatError,
  executeBatch,
  parseBatchRequest,
  parseBatchResponse,
  serializeBatchRequest,
  type BatchExecutionOptions,
} from '../../../../emulators/common/batch';
import { TableStore } from '../../../../emulators/common/store';

const SAMPLE = [
  '--batch_p2c01',
  'Content-Type: multipart/mixed; boundary="changeset_p2c01a"',
  '',
  '--changeset_p2c01a',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  'Content-ID: 1',
  '',
  'POST /api/data/v9.2/accounts HTTP/1.1',
  'Content-Type: application/json; type=entry',
  '',
  '{"name":"Alfreds Futterkiste","accountnumber":"ACC-104"}',
  '--changeset_p2c01a',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  'Content-ID: 2',
  '',
  'POST https://contoso.crm.dynamics.com/api/data/v9.2/contacts HTTP/1.1',
  'Content-Type: application/json; type=entry',
  '',
  '{"lastname":"Anders","parentcustomerid_account@odata.bind":"$1"}',
  '--changeset_p2c01a--',
  '',
  '--batch_p2c01',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  '',
  "GET /api/data/v9.2/accounts?$select=name&$filter=accountnumber eq 'ACC-104' HTTP/1.1",
  '',
  '',
  '--batch_p2c01--',
  '',
];

describe('$batch parser', () => {
  it.each([
    ['CRLF, quoted boundary', '\r\n', 'multipart/mixed; boundary="batch_p2c01"'],
    ['LF, unquoted boundary', '\n', 'multipart/mixed;boundary=batch_p2c01'],
  ])('checklist 27: parses change sets, Content-ID and both URL forms (%s)', (_label, eol, contentType) => {
    const items = parseBatchRequest(SAMPLE.join(eol), contentType);
    expect(items).toHaveLength(2);
    expect(items[0].kind).toBe('changeset');
    if (items[0].kind !== 'changeset') throw new Error('expected a change set');
    expect(items[0].requests.map((r) => [r.method, r.url, r.contentId])).toEqual([
      ['POST', '/api/data/v9.2/accounts', '1'],
      ['POST', 'https://contoso.crm.dynamics.com/api/data/v9.2/contacts', '2'],
    ]);
    expect(JSON.parse(items[0].requests[1].body)).toEqual({
      lastname: 'Anders',
      'parentcustomerid_account@odata.bind': '$1',
    });
    expect(items[0].requests[0].headers['content-type']).toBe('application/json; type=entry');
    expect(items[1]).toEqual({
      kind: 'request',
      request: {
        method: 'GET',
        url: "/api/data/v9.2/accounts?$select=name&$filter=accountnumber eq 'ACC-104'",
        headers: {},
        body: '',
      },
    });
  });

  it('round-trips its own serialization', () => {
    const items = parseBatchRequest(SAMPLE.join('\r\n'), 'multipart/mixed; boundary=batch_p2c01');
    const serialized = serializeBatchRequest(items);
    expect(parseBatchRequest(serialized.body, serialized.contentType)).toEqual(items);
  });

  it.each([
    ['a missing boundary', 'x', 'multipart/mixed'],
    [
      'a body without the closing delimiter',
      '--b\r\nContent-Type: application/http\r\n\r\nGET /x HTTP/1.1\r\n',
      'multipart/mixed; boundary=b',
    ],
    [
      'a part that is not application/http',
      '--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--',
      'multipart/mixed; boundary=b',
    ],
    [
      'a malformed request line',
      '--b\r\nContent-Type: application/http\r\n\r\nnot a request\r\n--b--',
      'multipart/mixed; boundary=b',
    ],
  ])('rejects %s', (_label, body, contentType) => {
    expect(() => parseBatchRequest(body, contentType)).toThrow(BatchFormatError);
  });
});

describe('$batch executor', () => {
  let app: FastifyInstance;
  const store = new TableStore({ tables: [{ name: 'items', primaryKey: 'id' }] });
  let nextId = 0;

  beforeAll(async () => {
    app = Fastify();
    app.post('/svc/items', async (request, reply) => {
      const body = request.body as {
        id?: string;
        fail?: boolean;
        'parent@odata.bind'?: string;
        note?: string;
        related?: { '@odata.id'?: string; label?: string };
        'links@odata.bind'?: string[];
      };
      if (body.fail) return reply.code(400).send({ error: 'bad row' });
      nextId += 1;
      const id = body.id ?? `i${nextId}`;
      store.table('items').insert({
        id,
        parent: body['parent@odata.bind'] ?? null,
        note: body.note ?? null,
        related: body.related ?? null,
        links: body['links@odata.bind'] ?? null,
      });
      return reply.code(204).header('odata-entityid', `http://svc/svc/items('${id}')`).send();
    });
    app.get('/svc/items', async () => ({ value: [...store.table('items').rows()] }));
    app.post('/svc/$batch', async (request, reply) => {
      const items = parseBatchRequest(String(request.body), request.headers['content-type']);
      const result = await executeBatch(app, request, items, options(request.headers.prefer === 'continue'));
      return reply.code(result.status).header('content-type', result.contentType).send(result.body);
    });
    app.addContentTypeParser('multipart/mixed', { parseAs: 'string' }, (_r, body, done) => done(null, body));
    await app.ready();
  });
  afterAll(() => app.close());
  beforeEach(() => {
    for (const row of [...store.table('items').rows()]) store.table('items').delete(row.id);
  });

  const options = (continueOnError: boolean): BatchExecutionOptions => ({
    serviceRoot: '/svc/',
    maxOperations: 3,
    continueOnError,
    stopStatus: 'part-status',
    changeSetErrorContentId: 'failing',
    beginChangeSet: () => store.begin(),
    renderError: (status, message) => ({
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status, message }),
    }),
  });

  const post = (body: Record<string, unknown>, contentId?: string, url = 'items') => ({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(contentId ? { contentId } : {}),
  });

  const send = async (items: Parameters<typeof serializeBatchRequest>[0], prefer?: string) => {
    const request = serializeBatchRequest(items);
    const response = await app.inject({
      method: 'POST',
      url: '/svc/$batch',
      headers: { 'content-type': request.contentType, ...(prefer ? { prefer } : {}) },
      payload: request.body,
    });
    return {
      status: response.statusCode,
      items: parseBatchResponse(response.body, response.headers['content-type'] as string),
    };
  };

  it('runs parts in order through the app and substitutes $n references inside a change set', async () => {
    const result = await send([
      { kind: 'changeset', requests: [post({ id: 'p' }, '1'), post({ 'parent@odata.bind': '$1' }, '2')] },
      { kind: 'request', request: { method: 'GET', url: '/svc/items', headers: {}, body: '' } },
    ]);
    expect(result.status).toBe(200);
    expect(result.items[0]).toEqual({
      kind: 'changeset',
      responses: [
        expect.objectContaining({ status: 204, contentId: '1' }),
        expect.objectContaining({ status: 204, contentId: '2' }),
      ],
    });
    const listed = result.items[1].kind === 'response' ? JSON.parse(result.items[1].response.body) : undefined;
    expect(listed.value.map((r: { parent: string | null }) => r.parent)).toEqual([null, "http://svc/svc/items('p')"]);
  });

  it('substitutes $n only in @odata.bind and @odata.id values; other strings such as "$1" or "$5" stay as sent', async () => {
    const result = await send([
      {
        kind: 'changeset',
        requests: [
          post({ id: 'p', note: '$5' }, '1'),
          post(
            {
              id: 'c',
              note: '$1',
              related: { '@odata.id': '$1/x', label: '$1' },
              'links@odata.bind': ['$1', '/svc/items(q)'],
            },
            '2',
          ),
        ],
      },
    ]);
    expect(result.status).toBe(200);
    expect(store.table('items').get('p')?.note).toBe('$5');
    expect(store.table('items').get('c')).toMatchObject({
      note: '$1',
      related: { '@odata.id': "http://svc/svc/items('p')/x", label: '$1' },
      links: ["http://svc/svc/items('p')", '/svc/items(q)'],
    });
  });

  it('rolls a change set back when one operation fails and answers it with that one error', async () => {
    const result = await send([
      { kind: 'changeset', requests: [post({ id: 'kept?' }, '1'), post({ fail: true }, '2')] },
    ]);
    expect(result.status).toBe(400);
    expect(result.items).toEqual([
      { kind: 'changeset', responses: [expect.objectContaining({ status: 400, contentId: '2' })] },
    ]);
    expect(store.table('items').size).toBe(0);
  });

  it('stops at a failing standalone part unless continue-on-error is set', async () => {
    const items = [
      { kind: 'request' as const, request: post({ fail: true }) },
      { kind: 'request' as const, request: post({ id: 'after' }) },
    ];
    const stopped = await send(items);
    expect(stopped.status).toBe(400);
    expect(stopped.items).toHaveLength(1);
    expect(store.table('items').size).toBe(0);
    const continued = await send(items, 'continue');
    expect(continued.status).toBe(200);
    expect(continued.items).toHaveLength(2);
    expect(store.table('items').get('after')).toBeDefined();
  });

  it('answers an undeclared Content-ID reference with a 400 naming it', async () => {
    const result = await send([{ kind: 'changeset', requests: [post({ 'parent@odata.bind': '$7' }, '1')] }]);
    const part = result.items[0].kind === 'changeset' ? result.items[0].responses[0] : undefined;
    expect(part?.status).toBe(400);
    expect(JSON.parse(part!.body).message).toBe("Content-ID Reference: '$7' does not exist in the batch context.");
  });

  it('refuses too many operations, nested batches and GET inside a change set', async () => {
    const tooMany = Array.from({ length: 4 }, () => ({ kind: 'request' as const, request: post({}) }));
    const cases = [
      tooMany,
      [{ kind: 'request' as const, request: { method: 'POST', url: '$batch', headers: {}, body: '' } }],
      [{ kind: 'changeset' as const, requests: [{ method: 'GET', url: 'items', headers: {}, body: '' }] }],
    ];
    for (const items of cases) {
      const request = serializeBatchRequest(items);
      const fakeRequest = { headers: {}, protocol: 'http' } as never;
      await expect(
        executeBatch(app, fakeRequest, parseBatchRequest(request.body, request.contentType), options(false)),
      ).rejects.toThrow(BatchFormatError);
    }
  });
});
