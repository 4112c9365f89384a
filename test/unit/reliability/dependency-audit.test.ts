/**
 * The dependency audit's fallbacks against a local stand-in for the registry: advisories from the bulk and quick
 * endpoints are counted per severity and judged (high or critical, or an unreviewed moderate, fails), and an
 * endpoint that is not served is reported with its exact HTTP answer instead of passing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bulkAudit, productionTree, quickAudit } from '../../../scripts/dependency-audit';

describe('dependency audit against the registry audit endpoints', () => {
  let server: http.Server;
  let registry: string;
  const answers = new Map<string, { status: number; body: unknown }>();
  const received: Array<{ url: string; body: Record<string, unknown> }> = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        received.push({ url: request.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
        const answer = answers.get(request.url ?? '') ?? { status: 405, body: '' };
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    answers.clear();
    received.length = 0;
  });

  const tree = new Map([
    ['undici', new Set(['7.30.2'])],
    ['zod', new Set(['4.6.7'])],
  ]);

  test('the production tree comes from package-lock.json without dev dependencies', () => {
    const production = productionTree();
    expect(production.has('zod')).toBe(true);
    expect(production.has('@temporalio/worker')).toBe(true);
    expect(production.has('jest')).toBe(false);
    expect(production.has('prettier')).toBe(false);
  });

  test('bulk: a high advisory fails, and the versions sent are the locked ones', async () => {
    answers.set('/-/npm/v1/security/advisories/bulk', {
      status: 200,
      body: { undici: [{ severity: 'high' }, { severity: 'low' }] },
    });
    const verdict = await bulkAudit(registry, tree);
    expect(received[0].body).toEqual({ undici: ['7.30.2'], zod: ['4.6.7'] });
    expect(verdict).toEqual({
      outcome: 'bulk advisories (2 production packages): high 1, critical 0, moderate 0, low 1',
      failed: true,
    });
  });

  test('bulk: an unreviewed moderate advisory fails and is named; none at all passes', async () => {
    answers.set('/-/npm/v1/security/advisories/bulk', { status: 200, body: { zod: [{ severity: 'moderate' }] } });
    expect(await bulkAudit(registry, tree)).toEqual({
      outcome:
        'bulk advisories (2 production packages): high 0, critical 0, moderate 1, low 0; moderate to review: zod',
      failed: true,
    });
    answers.set('/-/npm/v1/security/advisories/bulk', { status: 200, body: {} });
    expect(await bulkAudit(registry, tree)).toMatchObject({ failed: false });
  });

  test('quick: metadata counts are judged the same way', async () => {
    answers.set('/-/npm/v1/security/audits/quick', {
      status: 200,
      body: { metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 1 } }, advisories: {} },
    });
    const verdict = await quickAudit(registry, tree);
    expect(received[0].body).toMatchObject({ dependencies: { undici: { version: '7.30.2' } } });
    expect(verdict).toEqual({
      outcome: 'quick audit (2 production packages): high 0, critical 1, moderate 0, low 0',
      failed: true,
    });
  });

  test('an endpoint that is not served is reported with its HTTP answer, never as a pass', async () => {
    expect(await bulkAudit(registry, tree)).toEqual({
      unavailable: `POST ${registry}-/npm/v1/security/advisories/bulk: HTTP 405 Method Not Allowed (empty body)`,
    });
    answers.set('/-/npm/v1/security/audits/quick', { status: 200, body: '<html>' });
    expect(await quickAudit(registry, tree)).toEqual({
      unavailable: `POST ${registry}-/npm/v1/security/audits/quick: HTTP 200 OK with a body that is not JSON (6 bytes)`,
    });
  });
});
