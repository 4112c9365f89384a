/** The user documentation of the CLI says what the CLI and the demo project really are. */
import fs from 'node:fs';
import path from 'node:path';
import { CliContext } from '../../../client/cli/context';
import { EXIT } from '../../../client/cli/errors';
import { buildProgram } from '../../../client/cli/main';
import { loadProject } from '../../../mappings/project-file';

const ROOT = path.resolve(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const silent = { write: () => undefined, isTTY: false };
const commands = buildProgram(new CliContext({}, silent, silent), async () => undefined).commands.map((c) => c.name());

describe('CLI documentation', () => {
  test('the README filters the demo run by the demo project name', () => {
    const demo = loadProject(path.join(ROOT, 'examples/project.yaml')).name;
    const filters = [...read('README.md').matchAll(/P2CProject\s*=\s*"([^"]*)"/g)].map((m) => m[1]);
    expect(filters.length).toBeGreaterThan(0);
    expect(filters).toEqual(filters.map(() => demo));
  });

  test('docs/operations.md has a section for every command, and the README lists them all', () => {
    const operations = read('docs/operations.md');
    const headings = operations
      .split('\n')
      .filter((line) => line.startsWith('#'))
      .join('\n')
      .toLowerCase();
    expect(commands).toEqual(expect.arrayContaining(['check', 'trace', 'codec-server']));
    expect(commands.filter((name) => !headings.includes(name))).toEqual([]);
    const row = read('README.md')
      .split('\n')
      .find((line) => line.includes('(docs/operations.md)'))!;
    expect(commands.filter((name) => !row.includes(name))).toEqual([]);
  });

  test('docs/operations.md lists every exit code p2c uses', () => {
    const documented = [...read('docs/operations.md').matchAll(/^\| (\d+) +\|/gm)].map((m) => Number(m[1]));
    expect(documented).toEqual(Object.values(EXIT));
  });

  test('docs/operations.md says which command reads Dynamics', () => {
    const operations = read('docs/operations.md');
    expect(operations).not.toMatch(/never talks to Dynamics/);
    expect(operations.split('\n## ')[0]).toContain('`p2c check` reads both systems');
  });
});
