/** `p2c codec-server` as a real process: decodes what the worker's codec encoded, stops cleanly, fails clearly. */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { createPayloadCodec, parseKeyRing } from '../../../common/codec';
import { waitForLine } from '../../support/child-output';

const ROOT = path.resolve(__dirname, '../../..');
const P2C = path.join(ROOT, 'client/bin/p2c.js');
const KEYS = `k1:${crypto.randomBytes(32).toString('base64')}`;

describe('p2c codec-server', () => {
  test('serves /decode for the Web UI origin and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [P2C, 'codec-server'], {
      cwd: ROOT,
      env: { ...process.env, P2C_CODEC_KEYS: KEYS, P2C_CODEC_SERVER_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const [, url] = await waitForLine(child, /codec server on (http:\/\/\S+)/, 60_000);
      const codec = createPayloadCodec(parseKeyRing(KEYS, 'P2C_CODEC_KEYS'));
      const plain = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"Contoso Ltd"') };
      const [encoded] = await codec.encode([plain]);
      const toJson = (p: typeof encoded) => ({
        metadata: Object.fromEntries(
          Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
        ),
        data: Buffer.from(p.data!).toString('base64'),
      });
      const response = await fetch(`${url.replace(/\/$/, '')}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:8233', 'x-namespace': 'default' },
        body: JSON.stringify({ payloads: [toJson(encoded)] }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { payloads: Array<{ data: string }> };
      expect(Buffer.from(body.payloads[0].data, 'base64').toString()).toBe('"Contoso Ltd"');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  test('without keys it exits 1 with one line naming the setting', () => {
    const env = { ...process.env };
    delete env.P2C_CODEC_KEYS;
    delete env.P2C_CODEC_KEYS_FILE;
    const result = spawnSync(process.execPath, [P2C, 'codec-server'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('P2C_CODEC_KEYS');
  });
});
