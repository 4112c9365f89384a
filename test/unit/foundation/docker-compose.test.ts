import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

describe('docker-compose.yml', () => {
  test('is valid for docker-compose and defines the whole stack', () => {
    // No Docker engine is needed to validate the file; .ci/run installs Debian's docker-compose.
    execFileSync('docker-compose', ['config', '-q'], { cwd: root, stdio: 'pipe' });
    const services = execFileSync('docker-compose', ['config', '--services'], { cwd: root })
      .toString()
      .trim()
      .split('\n');
    expect(services.sort()).toEqual(['postgresql', 'temporal', 'temporal-ui', 'worker']);
  });
});
