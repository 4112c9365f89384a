/** The connector benchmark's storm read has a page for every 429 it reports, at any size it is run with. */
import { stormPageSize } from '../../../bench/connectors';

test.each([4, 2_000 + 2_000, 20_000 + 4_000, 200_000 + 4_000])('a read of %i rows has at least 3 pages', (rows) => {
  const pageSize = stormPageSize(rows);
  expect(pageSize).toBeGreaterThan(0);
  expect(pageSize).toBeLessThanOrEqual(5_000);
  expect(Math.ceil(rows / pageSize)).toBeGreaterThanOrEqual(3);
});
