/** `p2c trace` names a mistyped task instead of reporting that no run touched the key. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliContext } from '../../../client/cli/context';
import { UsageError } from '../../../client/cli/errors';
import { trace } from '../../../client/cli/trace';

describe('p2c trace <task> <key>', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-trace-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function context() {
    const out = { text: '', isTTY: false, write: (text: string) => void (out.text += text) };
    const ctx = new CliContext({ P2C_CHECKPOINT_STORE: path.join(dir, 'checkpoints.sqlite') }, out, out);
    return { ctx, out };
  }

  test('an unknown task is a usage error naming the tasks', async () => {
    const { ctx } = context();
    try {
      await expect(trace(ctx, 'acounts', 'ACC-1', {})).rejects.toEqual(
        new UsageError(
          'unknown task acounts; tasks are products, accounts, contactsToCustomers, contactPersons, quoteHeaders, quoteLines, salesOrdersToFno, salesOrderLinesToFno, salesOrdersFromFno, salesOrderLinesFromFno, invoiceHeaders, invoiceLines',
        ),
      );
    } finally {
      await ctx.close();
    }
  });

  test('a known task and a key no run recorded says so and exits 0', async () => {
    const { ctx, out } = context();
    try {
      expect(await trace(ctx, 'accounts', 'ACC-1', {})).toBe(0);
      expect(out.text).toBe(
        'no run recorded reading, writing or failing ACC-1 in task accounts (check the task name and key)\n',
      );
    } finally {
      await ctx.close();
    }
  });
});
