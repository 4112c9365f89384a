/** `p2c sync` refuses option combinations it would otherwise ignore, before it reads a project or reaches Temporal. */
import { CliContext } from '../../../client/cli/context';
import { UsageError } from '../../../client/cli/errors';
import { sync } from '../../../client/cli/sync';

const silent = { write: () => undefined, isTTY: false };
// A server nobody listens on: a check that came too late would fail to connect instead of naming the option.
const ctx = () => new CliContext({ P2C_TEMPORAL_ADDRESS: '127.0.0.1:1' }, silent, silent);

describe('p2c sync option combinations', () => {
  test.each([
    [{ stop: true }, '--stop cancels continuous workflows: give it with --continuous (p2c sync --continuous --stop)'],
    [
      { continuous: true, wait: true },
      '--continuous takes no --wait: its workflows run until stopped and read only changes; follow them with the continuousProgress query (docs/continuous.md)',
    ],
    [
      { continuous: true, full: true, wait: true },
      '--continuous takes no --wait or --full: its workflows run until stopped and read only changes; follow them with the continuousProgress query (docs/continuous.md)',
    ],
  ])('%j is a usage error', async (options, message) => {
    await expect(sync(ctx(), options)).rejects.toEqual(new UsageError(message));
  });
});
