import type { BatchRequestPart } from '../../../../emulators/common/batch';
import { SAMPLE_SEED, startHarness, type FnoHarness } from './helpers';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Checklist item 44: $batch with atomic change sets. */
describe('F&O $batch', () => {
  let h: FnoHarness;
  beforeAll(async () => {
    h = await startHarness({ seed: SAMPLE_SEED });
  });
  afterAll(() => h.close());

  const post = (set: string, body: Record<string, unknown>, contentId?: string): BatchRequestPart => ({
    method: 'POST',
    url: `${h.emu.dataUrl}${set}`,
    headers: JSON_HEADERS,
    body: JSON.stringify(body),
    contentId,
  });

  test('a change set whose second create is a duplicate answers 200 with one 500 part and keeps nothing', async () => {
    const { status, parts } = await h.batch([
      {
        kind: 'changeset',
        requests: [
          post('CustomersV3', { dataAreaId: 'usmf', CustomerAccount: 'B-001', CustomerGroupId: '10' }, '1'),
          post('CustomersV3', { dataAreaId: 'usmf', CustomerAccount: 'US-001', CustomerGroupId: '10' }, '2'),
        ],
      },
    ]);
    expect(status).toBe(200);
    expect(parts).toHaveLength(1);
    const changeset = parts[0];
    if (changeset.kind !== 'changeset') throw new Error('expected a change-set response');
    expect(changeset.responses).toHaveLength(1);
    const [failure] = changeset.responses;
    expect(failure.status).toBe(500);
    expect(failure.contentId).toBe('1');
    const error = JSON.parse(failure.body);
    expect(error.error.innererror.type).toMatch(/AxODataWriteException$/);
    expect(error.error.innererror.message).toContain('The record already exists');
    expect((await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='B-001')")).status).toBe(404);
  });

  test('a successful change set commits every operation; reads and writes can mix outside change sets', async () => {
    const { status, parts } = await h.batch([
      {
        kind: 'changeset',
        requests: [
          post(
            'CDSSalesQuotationHeaders',
            { SalesQuotationNumber: 'QB-1', RequestingCustomerAccountNumber: 'US-001' },
            '1',
          ),
          post(
            'CDSSalesQuotationLines',
            {
              SalesQuotationNumber: 'QB-1',
              LineCreationSequenceNumber: 1,
              ProductNumber: 'S0001',
              RequestedSalesQuantity: 2,
            },
            '2',
          ),
        ],
      },
      {
        kind: 'request',
        request: {
          method: 'GET',
          url: "CDSSalesQuotationHeaders(dataAreaId='usmf',SalesQuotationNumber='QB-1')",
          headers: {},
          body: '',
        },
      },
    ]);
    expect(status).toBe(200);
    expect(parts.map((p) => p.kind)).toEqual(['changeset', 'response']);
    if (parts[0].kind !== 'changeset' || parts[1].kind !== 'response') throw new Error('unexpected shape');
    expect(parts[0].responses.map((r) => [r.status, r.contentId])).toEqual([
      [201, '1'],
      [201, '2'],
    ]);
    expect(JSON.parse(parts[1].response.body)).toMatchObject({
      SalesQuotationNumber: 'QB-1',
      QuotationTotalAmount: 160,
    });
  });

  test('a failing line rolls back the header created earlier in the same change set', async () => {
    const { parts } = await h.batch([
      {
        kind: 'changeset',
        requests: [
          post(
            'CDSSalesQuotationHeaders',
            { SalesQuotationNumber: 'QB-2', RequestingCustomerAccountNumber: 'US-001' },
            '1',
          ),
          post(
            'CDSSalesQuotationLines',
            { SalesQuotationNumber: 'QB-2', ProductNumber: 'NOPE', RequestedSalesQuantity: 1 },
            '2',
          ),
        ],
      },
    ]);
    expect(parts[0].kind === 'changeset' && parts[0].responses[0].status).toBe(500);
    expect((await h.api("CDSSalesQuotationHeaders(dataAreaId='usmf',SalesQuotationNumber='QB-2')")).status).toBe(404);
  });

  test('independent change sets: with continue-on-error a failed one does not stop the next', async () => {
    const { status, parts } = await h.batch(
      [
        {
          kind: 'changeset',
          requests: [post('CustomersV3', { CustomerAccount: 'B-010', CustomerGroupId: 'ZZ' }, '1')],
        },
        {
          kind: 'changeset',
          requests: [post('CustomersV3', { CustomerAccount: 'B-011', CustomerGroupId: '10' }, '2')],
        },
      ],
      { prefer: 'odata.continue-on-error' },
    );
    expect(status).toBe(200);
    const statuses = parts.map((p) => (p.kind === 'changeset' ? p.responses[0].status : p.response.status));
    expect(statuses).toEqual([500, 201]);
    expect((await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='B-011')")).status).toBe(200);
  });

  test('a field value such as "$1" or "$5" in a change set is stored as sent, not taken for a Content-ID', async () => {
    const { status, parts } = await h.batch([
      {
        kind: 'changeset',
        requests: [
          post('CustomersV3', { CustomerAccount: 'B-020', CustomerGroupId: '10', OrganizationName: '$5' }, '1'),
          post('CustomersV3', { CustomerAccount: 'B-021', CustomerGroupId: '10', OrganizationName: '$1' }, '2'),
        ],
      },
    ]);
    expect(status).toBe(200);
    if (parts[0].kind !== 'changeset') throw new Error('expected a change-set response');
    expect(parts[0].responses.map((r) => r.status)).toEqual([201, 201]);
    const read = async (account: string) =>
      (await (await h.api(`CustomersV3(dataAreaId='usmf',CustomerAccount='${account}')`)).json()) as Record<
        string,
        unknown
      >;
    expect((await read('B-020')).OrganizationName).toBe('$5');
    expect((await read('B-021')).OrganizationName).toBe('$1');
  });

  test('a malformed batch body is 400', async () => {
    const response = await fetch(`${h.emu.dataUrl}$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'multipart/mixed; boundary=b1' },
      body: '--b1\r\nContent-Type: application/http\r\n\r\nnot a request line\r\n--b1--\r\n',
    });
    expect(response.status).toBe(400);
  });
});
