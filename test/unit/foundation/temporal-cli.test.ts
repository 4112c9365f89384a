import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  MissingTemporalToolError,
  TEMPORAL_CLI,
  TEMPORAL_TEST_SERVER,
  projectToolPath,
  resolveTemporalTool,
} from '../../../common/temporal-cli';

function fakeBinary(dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\necho fake\n', { mode: 0o755 });
  return file;
}

describe('resolveTemporalTool', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-cli-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('prefers the explicit environment variable over PATH and the project copy', () => {
    const explicit = fakeBinary(path.join(tmp, 'explicit'), 'temporal');
    const onPath = fakeBinary(path.join(tmp, 'bin'), 'temporal');
    const toolsDir = path.join(tmp, 'tools');
    fakeBinary(path.dirname(projectToolPath(TEMPORAL_CLI, toolsDir)), 'temporal');
    const env = { TEMPORAL_CLI_PATH: explicit, PATH: path.dirname(onPath) };
    expect(resolveTemporalTool(TEMPORAL_CLI, env, toolsDir)).toEqual({ path: explicit, source: 'env' });
    expect(resolveTemporalTool(TEMPORAL_CLI, { PATH: path.dirname(onPath) }, toolsDir)).toEqual({
      path: onPath,
      source: 'path',
    });
    expect(resolveTemporalTool(TEMPORAL_CLI, { PATH: '' }, toolsDir)).toEqual({
      path: projectToolPath(TEMPORAL_CLI, toolsDir),
      source: 'project',
    });
  });

  test('returns undefined (SDK download fallback) when nothing is installed', () => {
    expect(resolveTemporalTool(TEMPORAL_TEST_SERVER, { PATH: tmp }, path.join(tmp, 'none'))).toBeUndefined();
  });

  test('a broken explicit path fails with one line naming the variable and the fix', () => {
    const env = { TEMPORAL_CLI_PATH: path.join(tmp, 'missing'), PATH: '' };
    expect(() => resolveTemporalTool(TEMPORAL_CLI, env, tmp)).toThrow(MissingTemporalToolError);
    try {
      resolveTemporalTool(TEMPORAL_CLI, env, tmp);
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('TEMPORAL_CLI_PATH');
      expect(message).toContain('npm run setup:temporal');
      expect(message.split('\n')).toHaveLength(1);
    }
  });
});

describe('setup script', () => {
  test('without any way to get the binary, it ends with one clear line and a non-zero exit', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-setup-'));
    const root = path.resolve(__dirname, '../../..');
    let status = 0;
    let stderr = '';
    try {
      // No PATH entries with temporal or pip: the install step cannot succeed.
      execFileSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/setup-temporal.ts'], {
        cwd: root,
        env: { PATH: tmp, P2C_TOOLS_DIR: path.join(tmp, 'tools'), HOME: tmp },
        stdio: 'pipe',
      });
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = (err as { stderr: Buffer }).stderr.toString();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    expect(status).not.toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^temporal not found \(.*\): run `npm run setup:temporal`.*TEMPORAL_CLI_PATH/);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
