/**
 * The committed benchmark results a reader is pointed to: the README links the newest full run's report and its
 * plot, both exist, and the run they show finished.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('committed benchmark results', () => {
  test.each(['bench/results/full.md', 'bench/results/full.png'])('the README links %s, which exists', (file) => {
    expect(readme).toContain(`](${file})`);
    expect(fs.statSync(path.join(ROOT, file)).size).toBeGreaterThan(0);
  });

  test('the linked run is complete: every size, its report and a PNG plot', () => {
    const report = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench/results/full.json'), 'utf8')) as {
      complete: boolean;
      sizes: Array<{ accounts: number }>;
    };
    expect(report.complete).toBe(true);
    expect(report.sizes.map((s) => s.accounts)).toEqual([10_000, 50_000, 100_000]);
    const png = fs.readFileSync(path.join(ROOT, 'bench/results/full.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(fs.readFileSync(path.join(ROOT, 'bench/results/full.md'), 'utf8')).toContain('](full.png)');
  });
});
