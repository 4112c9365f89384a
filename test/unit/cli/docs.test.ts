/** The user documentation of the CLI says what the CLI and the demo project really are. */
import fs from 'node:fs';
import path from 'node:path';
import { loadProject } from '../../../mappings/project-file';

const ROOT = path.resolve(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

describe('CLI documentation', () => {
  test('the README filters the demo run by the demo project name', () => {
    const demo = loadProject(path.join(ROOT, 'examples/project.yaml')).name;
    const filters = [...read('README.md').matchAll(/P2CProject\s*=\s*"([^"]*)"/g)].map((m) => m[1]);
    expect(filters.length).toBeGreaterThan(0);
    expect(filters).toEqual(filters.map(() => demo));
  });
});
