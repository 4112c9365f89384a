import {
  ConnectorError,
  classifyError,
  errorFromResponse,
  isRetryable,
  parseRetryAfter,
} from '../../../connectors/errors';

const dv = { system: 'sales' as const, operation: 'PATCH', entitySet: 'accounts', recordKey: 'accountnumber=A-1' };
const fo = {
  system: 'fno' as const,
  operation: 'POST',
  entitySet: 'CustomersV3',
  recordKey: 'dataAreaId=usmf,CustomerAccount=C1',
};

describe('classifyError', () => {
  it('makes a Dataverse 429 retryable with the Retry-After in milliseconds and the service code', () => {
    const err = errorFromResponse(
      {
        status: 429,
        headers: { 'Retry-After': '7' },
        body: JSON.stringify({
          error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000.' },
        }),
      },
      dv,
    );
    expect(err).toMatchObject({
      retryable: true,
      retryAfterMs: 7000,
      status: 429,
      serviceCode: '0x80072322',
      kind: 'throttled',
    });
    expect(err.message).toBe(
      'Dataverse PATCH accounts [accountnumber=A-1]: HTTP 429 (0x80072322): Number of requests exceeded the limit of 6000. (retry after 7 s)',
    );
  });

  it.each([
    [400, false, 'validation'],
    [401, false, 'auth'],
    [403, false, 'permission'],
    [404, false, 'not-found'],
    [412, false, 'conflict'],
    [500, true, 'transient'],
    [502, true, 'transient'],
    [503, true, 'transient'],
    [504, true, 'transient'],
    [408, true, 'transient'],
    [501, false, 'validation'],
    [505, false, 'validation'],
  ])('HTTP %i → retryable %s (%s)', (status, retryable, kind) => {
    const err = errorFromResponse({ status, body: { error: { code: '0x1', message: 'm' } } }, dv);
    expect(err.retryable).toBe(retryable);
    expect(err.kind).toBe(kind);
    expect(isRetryable(err)).toBe(retryable);
  });

  it('treats an F&O 500 AxODataWriteException as a non-retryable data error and reports the infolog text', () => {
    const body = {
      error: {
        code: '',
        message: 'An error has occurred.',
        innererror: {
          message: "Write failed. Infolog: Error: The value 'ZZ' in field 'CustomerGroupId' is not found.",
          type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
        },
      },
    };
    const err = errorFromResponse({ status: 500, body: JSON.stringify(body) }, fo);
    expect(err).toMatchObject({ retryable: false, kind: 'data', status: 500 });
    expect(err.serviceMessage).toContain("field 'CustomerGroupId' is not found");
    expect(err.serviceCode).toBeUndefined();
  });

  it('keeps other F&O 500s retryable', () => {
    const err = errorFromResponse({ status: 500, body: { error: { code: '', message: 'boom' } } }, fo);
    expect(err.retryable).toBe(true);
  });

  it('does not attach Retry-After to a non-retryable error', () => {
    const err = errorFromResponse({ status: 400, headers: { 'retry-after': '3' }, body: '' }, dv);
    expect(err.retryAfterMs).toBeUndefined();
    expect(err.serviceMessage).toBe('no error body');
  });

  it('reads dynamics-web-api errors (status, code, headers on the Error)', () => {
    const raw = Object.assign(new Error('Account With Id = x Does Not Exist'), {
      status: 404,
      code: '0x80040217',
      headers: { 'content-type': 'application/json' },
    });
    const err = classifyError(raw, dv);
    expect(err).toMatchObject({
      status: 404,
      serviceCode: '0x80040217',
      retryable: false,
      recordKey: 'accountnumber=A-1',
    });
  });

  it.each(['ECONNRESET', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'ECONNREFUSED'])(
    'classifies network error %s as retryable',
    (code) => {
      const err = classifyError(Object.assign(new Error('x'), { code }), dv);
      expect(err).toMatchObject({ retryable: true, kind: 'transient', serviceCode: code });
    },
  );

  it('finds a network code on the cause chain (fetch-style errors)', () => {
    const err = classifyError(
      new TypeError('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }),
      dv,
    );
    expect(err.retryable).toBe(true);
  });

  it('treats unknown errors as non-retryable and passes ConnectorErrors through, adding the record key', () => {
    expect(classifyError(new TypeError('bug'), dv).retryable).toBe(false);
    const original = new ConnectorError({ system: 'fno', kind: 'transient', retryable: true, serviceMessage: 'x' });
    const classified = classifyError(original, fo);
    expect(classified.recordKey).toBe(fo.recordKey);
    expect(classified.retryable).toBe(true);
  });

  it('serialises to plain JSON with the fields the workflow layer reads', () => {
    const err = errorFromResponse({ status: 503, headers: { 'retry-after': '2' }, body: '' }, dv);
    expect(JSON.parse(JSON.stringify(err))).toMatchObject({
      name: 'ConnectorError',
      retryable: true,
      retryAfterMs: 2000,
      status: 503,
    });
  });

  it('keeps the message on one line', () => {
    const err = errorFromResponse({ status: 400, body: { error: { message: 'line one\nline two\r\n  three' } } }, dv);
    expect(err.message).not.toMatch(/\n/);
    expect(err.message).toContain('line one line two three');
  });
});

describe('error bodies that are not JSON', () => {
  const gatewayPage =
    '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title><style>body{font-family:Segoe UI}</style></head>' +
    '<body><div id="header"><h1>Server Error</h1></div><div id="content"><h2>502 - Web server received an ' +
    'invalid response while acting as a gateway or proxy server.</h2><h3>There is a problem with the page ' +
    'you are looking for &amp; it cannot be displayed.</h3></div></body></html>';

  it("reduces a gateway's HTML error page to its title and headings, and keeps it retryable", () => {
    const err = errorFromResponse({ status: 502, body: gatewayPage }, fo);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(
      'HTML error page: 502 Bad Gateway: Server Error: 502 - Web server received an invalid response',
    );
    expect(err.message).not.toMatch(/<|font-family|DOCTYPE/);
  });

  it('names an HTML page without a title or heading as such', () => {
    const err = errorFromResponse({ status: 503, body: '<html><body><p>down</p></body></html>' }, dv);
    expect(err.message).toContain('HTML error page: an HTML page with no title');
  });

  it('keeps a plain-text body as the message, cut to 500 characters', () => {
    const err = errorFromResponse({ status: 503, body: `Service Unavailable ${'x'.repeat(900)}` }, dv);
    expect(err.message).toContain('Service Unavailable xxx');
    expect(err.message.length).toBeLessThan(700);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates and ignores junk', () => {
    expect(parseRetryAfter('12')).toBe(12_000);
    expect(parseRetryAfter('0')).toBe(0);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(['4'])).toBe(4000);
  });
});
